// The film-level measurements and pictures join-film needs, wired to their adapters.
import type { FilmAnalysis } from '../workflow/film-report';
import { stillRunsAtSeams } from './frame-motion';
import { measureSeamAudio } from './loudness';
import { driftChart, sceneContactSheet } from './pictures';

export const filmAnalysis: FilmAnalysis = {
  stillRunsAtSeams: (film, seams) => stillRunsAtSeams(film, seams),
  measureSeamAudio: (film, seams) => measureSeamAudio(film, seams),
  sceneContactSheet,
  driftChart,
};
