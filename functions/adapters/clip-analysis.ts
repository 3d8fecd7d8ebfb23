// The measurements clip corrections need, wired to the adapters that make them.
import type { ClipAnalysis } from '../workflow/clip-corrections';
import { loudnessGainDb } from '../domain/loudness';
import { countFrozenHeadFrames } from './frame-motion';
import { measureLoudness } from './loudness';
import { measureOnset } from './onset';

export const clipAnalysis: ClipAnalysis = {
  countFrozenHeadFrames: (clip, max) => countFrozenHeadFrames(clip, max),
  measureLoudness: (clip) => measureLoudness(clip),
  measureOnset: (clip) => measureOnset(clip),
  loudnessGainDb,
};
