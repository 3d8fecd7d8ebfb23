// The measurements clip corrections need, wired to the adapters that make them.
import type { ClipAnalysis } from '../workflow/clip-corrections';
import { loudnessGainDb } from '../domain/loudness';
import { countFrozenHeadFrames } from './frame-motion';
import { measureLoudness } from './loudness';

export const clipAnalysis: ClipAnalysis = {
  countFrozenHeadFrames: (clip, max) => countFrozenHeadFrames(clip, max),
  measureLoudness: (clip) => measureLoudness(clip),
  loudnessGainDb,
};
