// Runs the frame-difference recipes in ../domain/frozen-frames against files on disk: the frozen head
// of a model's clip (to trim it) and repeated frames at the film's seams (for the continuity report).
import { runFfmpeg } from './binaries';
import { MediaToolError, OutputInvalidError } from '../domain/errors';
import {
  FROZEN_FRAME_THRESHOLD,
  SEAM_WINDOW,
  frozenHeadFrames,
  headDifferenceArgs,
  headDifferences,
  parseFrameDifferences,
  seamDifferenceArgs,
  seamWindows,
  stillRunsIn,
} from '../domain/frozen-frames';

/**
 * For frames 1..count-1 of the clip's head, the mean absolute luma difference to the frame before
 * (8-bit scale, at 160 px wide). Shorter when the clip has fewer frames. A clip that does not decode
 * is OutputInvalidError, like any unusable model output.
 */
export async function headFrameDifferences(clip: string, count: number): Promise<number[]> {
  if (count < 2) return [];
  let stdout: string;
  try {
    ({ stdout } = await runFfmpeg(headDifferenceArgs(clip, count), { label: 'ffmpeg head-motion' }));
  } catch (error) {
    if (!(error instanceof MediaToolError)) throw error;
    throw new OutputInvalidError(`${clip}: could not measure motion in its first frames`, { cause: error });
  }
  return headDifferences(parseFrameDifferences(stdout), count);
}

/**
 * Near-static frames after frame 0 at the head of `clip`, at most `max`; decodes max + 2 frames.
 * A chained clip trims 1 + this, an independent one this.
 */
export async function countFrozenHeadFrames(clip: string, max: number, threshold = FROZEN_FRAME_THRESHOLD): Promise<number> {
  if (max === 0) return 0;
  frozenHeadFrames([], { max }); // rejects a bad max before ffmpeg runs
  return frozenHeadFrames(await headFrameDifferences(clip, max + 2), { max, threshold });
}

/**
 * For each seam (index of the first frame of the next scene in `film`), the longest run of
 * identical-looking frames in a row within ±window frames: 1 means no frame repeats. One ffmpeg pass.
 */
export async function stillRunsAtSeams(film: string, seamFrames: number[], window = SEAM_WINDOW): Promise<number[]> {
  if (seamFrames.length === 0) return [];
  const windows = seamWindows(seamFrames, window);
  const { stdout } = await runFfmpeg(seamDifferenceArgs(film, windows), { label: 'ffmpeg seam-motion' });
  return stillRunsIn(parseFrameDifferences(stdout), windows);
}
