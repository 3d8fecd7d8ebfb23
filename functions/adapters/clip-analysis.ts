// The measurements clip corrections need, wired to the adapters that make them.
import type { ClipAnalysis } from '../workflow/clip-corrections';
import { loudnessGainDb } from '../domain/loudness';
import { readClipFrames } from './clip-frames';
import { measureLoudness } from './loudness';
import { measureOnset } from './onset';

export const clipAnalysis: ClipAnalysis = {
  readClipFrames: (clip, request, dir) => readClipFrames(clip, request, dir),
  measureLoudness: (clip) => measureLoudness(clip),
  measureOnset: (clip) => measureOnset(clip),
  loudnessGainDb,
};
