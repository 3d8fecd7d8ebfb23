// The film-level measurements and pictures join-film needs, wired to their adapters.
import type { FilmAnalysis } from '../workflow/film-report';
import { driftChart, sceneContactSheet } from './pictures';
import { stillRunsAtSeams } from './frame-motion';

// TEMPORARY until the seam-audio adapter lands (same session).
export const filmAnalysis: FilmAnalysis = {
  stillRunsAtSeams: (film, seams) => stillRunsAtSeams(film, seams),
  measureSeamAudio: async (_film, seams) => seams.map(() => ({ beforeLufs: null, afterLufs: null, jumpLu: null, dipDb: null })),
  sceneContactSheet,
  driftChart,
};
