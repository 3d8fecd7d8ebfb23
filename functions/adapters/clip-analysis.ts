// The measurements clip corrections need, wired to the adapters that make them.
import type { ClipAnalysis } from '../workflow/clip-corrections';
import { countFrozenHeadFrames } from './frame-motion';

// TEMPORARY until the loudness adapter lands (same session).
export const clipAnalysis: ClipAnalysis = {
  countFrozenHeadFrames,
  measureLoudness: async () => null,
  loudnessGainDb: () => 0,
};
