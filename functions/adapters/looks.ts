// Reads frames for colour figures (functions/domain/colour.ts) and applies grades to seed images.
import { readFile, rm } from 'node:fs/promises';
import { runFfmpeg } from './binaries';
import { OutputInvalidError } from '../domain/errors';
import type { RgbFrame } from '../domain/colour';
import { frameOrder, gradeImageArgs, LOOK_RASTER, sampleFramesArgs } from '../domain/look-recipes';

/**
 * The frames at `indices` of a clip or image, keyed by index, at LOOK_RASTER size. `scratch` is a
 * file path the raw pixels pass through (ffmpeg's stdout is read as text by runFfmpeg).
 */
export async function sampleFrames(input: string, indices: number[], scratch: string): Promise<Map<number, RgbFrame>> {
  const order = frameOrder(indices);
  await runFfmpeg(sampleFramesArgs(input, order, scratch), { label: 'ffmpeg sample frames' });
  return readLookFrames(scratch, order, input);
}

/**
 * The raw rgb24 LOOK_RASTER frames ffmpeg wrote to `file` (then removed), keyed by the frame numbers
 * `order` names; OutputInvalidError naming `what` unless there are exactly that many. A missing file
 * (no frame came out) counts as none.
 */
export async function readLookFrames(file: string, order: number[], what: string): Promise<Map<number, RgbFrame>> {
  const raw = await readFile(file).catch(() => Buffer.alloc(0));
  await rm(file, { force: true });
  const size = LOOK_RASTER.width * LOOK_RASTER.height * 3;
  if (raw.length !== size * order.length) {
    throw new OutputInvalidError(`${what}: asked for frames ${order.join(', ')}, got ${raw.length / size} of them`);
  }
  return new Map(order.map((n, i) => [n, { ...LOOK_RASTER, pixels: raw.subarray(i * size, (i + 1) * size) }]));
}


/** An image's only frame. */
export async function imageFrame(png: string, scratch: string): Promise<RgbFrame> {
  return (await sampleFrames(png, [0], scratch)).get(0)!;
}

/** Writes `inPng` graded by `filters` (grade.ts gradeImageFilters) to `outPng`. */
export async function gradeImage(inPng: string, filters: string, outPng: string): Promise<void> {
  await runFfmpeg(gradeImageArgs(inPng, filters, outPng), { label: 'ffmpeg grade image' });
}

