// Runs the one-pass recipe in ../domain/clip-frames against a clip on disk.
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { runFfmpeg } from './binaries';
import { MediaToolError, OutputInvalidError } from '../domain/errors';
import { clipFramesArgs, type ClipFramesRequest } from '../domain/clip-frames';
import { headDifferences, parseFrameDifferences } from '../domain/frozen-frames';
import { frameOrder } from '../domain/look-recipes';
import type { RgbFrame } from '../domain/colour';
import { readLookFrames } from './looks';

export interface ClipFrames {
  /** The clip's TRUE last frame, full size, as a PNG in the scratch directory. */
  lastFrame: string;
  /** Frames 1..headMotionFrames-1: mean absolute luma difference to the frame before (see headFrameDifferences). */
  headDifferences: number[];
  /** The frames asked for, keyed by index, at LOOK_RASTER. */
  looks: Map<number, RgbFrame>;
}

/** One decode of `clip`; a clip that does not decode, or has fewer frames than probed, is OutputInvalidError. */
export async function readClipFrames(clip: string, request: ClipFramesRequest, dir: string): Promise<ClipFrames> {
  const files = { lastFramePng: join(dir, 'last.png'), looksRaw: join(dir, 'looks.rgb') };
  let stdout: string;
  try {
    ({ stdout } = await runFfmpeg(clipFramesArgs(clip, request, files), { label: 'ffmpeg clip frames' }));
  } catch (error) {
    if (!(error instanceof MediaToolError)) throw error;
    throw new OutputInvalidError(`${clip}: could not decode its frames`, { cause: error });
  }
  const lastFrameBytes = await stat(files.lastFramePng).then((s) => s.size, () => 0);
  if (lastFrameBytes === 0) throw new OutputInvalidError(`${clip}: no frame ${request.frames - 1} to keep as the last frame`);
  return {
    lastFrame: files.lastFramePng,
    headDifferences: request.headMotionFrames >= 2 ? headDifferences(parseFrameDifferences(stdout), request.headMotionFrames) : [],
    looks: await readLookFrames(files.looksRaw, frameOrder(request.lookFrames), clip),
  };
}
