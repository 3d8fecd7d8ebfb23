// Runs the frame-difference recipes in ../domain/frozen-frames against files on disk: repeated frames
// at the film's seams (for the continuity report). A clip's frozen head is measured in StoreClip's
// one decode (./clip-frames.ts).
import { runFfmpeg } from './binaries';
import { SEAM_WINDOW, parseFrameDifferences, seamDifferenceArgs, seamWindows, stillRunsIn } from '../domain/frozen-frames';

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
