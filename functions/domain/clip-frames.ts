// One decode of a stored clip for everything StoreClip needs from its picture: the true last frame
// (the next scene's seed), the head's frame-to-frame motion (frozen-head trim) and a few frames at
// LOOK_RASTER (grade and looks). Each branch repeats, filter for filter, the recipe it replaces
// (lastFrameArgs, headDifferenceArgs, sampleFramesArgs), so every figure is unchanged; only the
// decoding is shared. Pure: functions/adapters/clip-frames.ts runs it.
import { headDifferenceFilter } from './frozen-frames';
import { EXACT_CONVERSION, frameOrder, lookFramesFilter } from './look-recipes';

export interface ClipFramesRequest {
  /** Frames in the clip: the probe's exact count (demuxed packets, see probeVideoArgs). */
  frames: number;
  /** Motion is measured for frames 1..headMotionFrames-1; below 2, not at all. */
  headMotionFrames: number;
  /** Frames returned at LOOK_RASTER. */
  lookFrames: number[];
}

export interface ClipFramesFiles {
  lastFramePng: string;
  looksRaw: string;
}

/**
 * The last frame's YUV→RGB conversion: exact (look-recipes.ts EXACT_CONVERSION). The old last-frame
 * recipe passed -sws_flags before -i, where ffmpeg drops it, so seeds used to be converted with the
 * default flags and read about one code value dark (docs/design-notes.md, "StoreClip in one decode").
 */
export const SEED_CONVERSION = EXACT_CONVERSION;

/**
 * The one-pass command. The motion figures go to stdout (parseFrameDifferences), the last frame to
 * a PNG, the look frames to raw rgb24. -vsync is global in ffmpeg 4: passthrough, as the last-frame
 * and look recipes had it (no frame dropped, even with repeated timestamps). The motion figures are
 * printed inside the graph, before any sync; its frames end in the null muxer, which keeps no
 * timestamps, so the ones setpts=N made equal do no harm.
 */
export function clipFramesArgs(clip: string, request: ClipFramesRequest, files: ClipFramesFiles): string[] {
  const { frames, headMotionFrames } = request;
  if (!Number.isInteger(frames) || frames < 1) throw new RangeError(`frames must be a whole number >= 1; got ${frames}`);
  const looks = frameOrder(request.lookFrames);
  if (looks.length === 0 || looks.at(-1)! >= frames) {
    throw new RangeError(`lookFrames must name frames 0..${frames - 1}; got ${request.lookFrames.join(', ')}`);
  }
  const motion = headMotionFrames >= 2;
  const graph = [
    `[0:v:0]split=${motion ? 3 : 2}[last][looks]${motion ? '[motion]' : ''}`,
    // gte rather than eq: should the decoder give more frames than the probe counted, -update 1 still ends on the last.
    `[last]select='gte(n\\,${frames - 1})',scale=flags=${SEED_CONVERSION},format=rgb24[lastout]`,
    `[looks]${lookFramesFilter(looks)}[looksout]`,
    ...(motion ? [headDifferenceFilter('[motion]', headMotionFrames) + '[motionout]'] : []),
  ].join(';');
  return [
    '-v', 'error', '-i', clip, '-an', '-sn', '-dn',
    '-filter_complex', graph, '-vsync', '0',
    '-map', '[lastout]', '-update', '1', files.lastFramePng,
    '-map', '[looksout]', '-f', 'rawvideo', files.looksRaw,
    ...(motion ? ['-map', '[motionout]', '-f', 'null', '-'] : []),
  ];
}
