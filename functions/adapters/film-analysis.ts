// The film-level measurements and pictures join-film needs, wired to their adapters.
import type { FilmAnalysis } from '../workflow/film-report';
import { contactSheet } from './media';
import { stillRunsAtSeams } from './frame-motion';

// TEMPORARY until the stills, seam-audio and picture adapters land (same session).
export const filmAnalysis: FilmAnalysis = {
  stillRunsAtSeams: (film, seams) => stillRunsAtSeams(film, seams),
  measureSeamAudio: async (_film, seams) => seams.map(() => ({ beforeLufs: null, afterLufs: null, jumpLu: null, dipDb: null })),
  sceneContactSheet: (film, out) => contactSheet(film, out),
  driftChart: async (out) => {
    const { copyFile } = await import('node:fs/promises');
    await copyFile(out.replace('drift-chart', 'contact-sheet'), out);
  },
};
