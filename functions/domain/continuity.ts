// What the product does at each seam, decided per clip when it is stored: how many head frames the
// film drops, the grade towards the anchor, and the gain to the loudness target. The join applies
// them in its one encode; the next scene's seed already carries the grade.
import type { Grade } from './grade';
import type { Look } from './colour';
import type { Strategy } from './storyboard';

import type { Loudness } from './loudness';
import type { OnsetLevelling } from './onset';

export interface ClipCorrections {
  /** Frames the film drops from the clip's head: a chained clip's seed frame plus its frozen frames. */
  headTrimFrames: number;
  /** Near-static frames found after frame 0 (bounded by continuity.maxFrozenHeadFrames). */
  frozenHeadFrames: number;
  /** Towards the anchor; null when colorMatch is off or there is no anchor (text-to-video). */
  grade: Grade | null;
  /** Gain to continuity.targetLufs; 0 when loudness is off or the clip is silent. */
  gainDb: number;
  /** True when the gain stopped short of the target to keep the true peak at −1 dBTP. */
  gainCapped: boolean;
  /** The clip's own loudness as generated; null without sound. */
  loudness: Loudness | null;
  /** A fade-in at the start of its sound, lifted to its steady level where it meets a seam; null if none. */
  onsetLevelling: OnsetLevelling | null;
  /** The clip's first kept frame and last frame as generated, before any grade. */
  looks: { head: Look; tail: Look };
}

/**
 * Head frames to drop. Frames 0..k of a clip with k frozen frames all show its first picture; a
 * chained clip (scene 2 on) drops all of them, since the previous clip's last frame already shows
 * that picture; every other clip keeps the last of them. `extraTrimFrames` applies to scenes 2 on.
 */
export function headTrimFrames(opts: {
  strategy: Strategy;
  index: number;
  frames: number;
  frozenHeadFrames: number;
  trimSeedFrame: boolean;
  extraTrimFrames: number;
}): number {
  const later = opts.index > 1;
  const seedFrame = later && opts.strategy === 'chain' && opts.trimSeedFrame ? 1 : 0;
  const extra = later ? Math.max(0, Math.floor(opts.extraTrimFrames)) : 0;
  const trim = seedFrame + Math.max(0, Math.floor(opts.frozenHeadFrames)) + extra;
  // Never the whole clip: at least its last frame stays in the film.
  return Math.max(0, Math.min(trim, opts.frames - 1));
}

/** Frames averaged at each end of a clip: its first kept frames and its last frames. */
export const END_FRAMES = 3;

/** Indices (in the clip, or in the film with `start` its first frame there) of a span's end frames. */
export function endFrameIndices(start: number, end: number): { first: number[]; last: number[] } {
  const count = Math.max(1, Math.min(END_FRAMES, end - start));
  return {
    first: Array.from({ length: count }, (_, k) => start + k),
    last: Array.from({ length: count }, (_, k) => end - count + k),
  };
}
