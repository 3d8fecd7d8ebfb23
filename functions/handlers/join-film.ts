// Join the clips into final.mp4 with its contact sheet, continuity report and final manifest.
import { loadConfig } from '../adapters/config';
import { joinFilm, type JoinRequest } from '../workflow/join-film';

export const handler = async (event: JoinRequest) => joinFilm(loadConfig(), event);
