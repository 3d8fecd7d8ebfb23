// The film-level measurements and pictures join-film needs, wired to their adapters.
import type { FilmAnalysis } from '../workflow/film-report';
import { measureSeamAudio } from './loudness';
import { contactSheetFromRows, driftChart } from './pictures';

export const filmAnalysis: FilmAnalysis = {
  measureSeamAudio: (mix, seams) => measureSeamAudio(mix, seams),
  contactSheetFromRows,
  driftChart,
};
