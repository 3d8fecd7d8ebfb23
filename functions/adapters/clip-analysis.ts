// The measurements clip corrections need, wired to the adapters that make them.
import type { ClipAnalysis } from '../workflow/clip-corrections';

// TEMPORARY until the frozen-head and loudness adapters land (same session).
export const clipAnalysis: ClipAnalysis = {
  countFrozenHeadFrames: async () => 0,
  measureLoudness: async () => null,
  loudnessGainDb: () => 0,
};
