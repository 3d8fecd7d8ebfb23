// Runs the recipes in ../domain/ffmpeg-recipes against files on disk. ffmpeg streams from and to
// files; Node never holds video bytes in memory.
import { open, stat } from 'node:fs/promises';
import { runFfmpeg, runFfprobe } from './binaries';
import { MediaToolError, OutputInvalidError } from '../domain/errors';
import {
  type ClipProbe,
  type ImageFormat,
  type VideoProbe,
  imageFormatOf,
  parseImageProbe,
  parseSsim,
  parseVideoProbe,
  probeImageArgs,
  probeVideoArgs,
  ssimArgs,
  toPngArgs,
} from '../domain/ffmpeg-recipes';

export type { VideoProbe } from '../domain/ffmpeg-recipes';

export async function probeClip(file: string): Promise<ClipProbe> {
  let stdout: string;
  try {
    ({ stdout } = await runFfprobe(probeVideoArgs(file)));
  } catch (error) {
    // ffprobe's own message ("Invalid data found…", "moov atom not found") is the useful part.
    const why = error instanceof Error ? error.message.replace(/^ffprobe exited with \S+: /, '') : String(error);
    throw new OutputInvalidError(`${file} is not a readable video: ${why}`, { cause: error });
  }
  const parsed = parseVideoProbe(stdout);
  if (typeof parsed === 'string') throw new OutputInvalidError(`${file} is not a usable video: ${parsed}`);
  return parsed;
}

/** Probe with an exact frame count; OutputInvalidError (naming the file) if it isn't a video. */
export async function probeVideo(file: string): Promise<VideoProbe> {
  const { videoStartSec: _start, formatName: _format, ...probe } = await probeClip(file);
  return probe;
}

export async function probeImage(file: string, format?: ImageFormat): Promise<{ width: number; height: number }> {
  let stdout: string;
  try {
    ({ stdout } = await runFfprobe(probeImageArgs(file, format)));
  } catch (error) {
    throw new OutputInvalidError(`${file} is not a readable image`, { cause: error });
  }
  const parsed = parseImageProbe(stdout);
  if (typeof parsed === 'string') throw new OutputInvalidError(`${file} is not a usable image: ${parsed}`);
  return parsed;
}

/**
 * An image from outside (PNG, JPEG or WebP by its magic number, at most `maxSide` pixels a side) as
 * a PNG. ffmpeg only ever reads it with that one image demuxer. Problems are OutputInvalidError
 * naming `what`, never the scratch path.
 */
export async function imageToPng(input: string, outPng: string, what: string, maxSide: number): Promise<{ width: number; height: number }> {
  const handle = await open(input, 'r');
  const head = Buffer.alloc(12);
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  const format = imageFormatOf(head);
  if (!format) throw new OutputInvalidError(`${what} is not a PNG, JPEG or WebP image`);
  const original = await probeImage(input, format).catch(() => {
    throw new OutputInvalidError(`${what} is not a readable ${format.toUpperCase()} image`);
  });
  if (original.width > maxSide || original.height > maxSide) {
    throw new OutputInvalidError(`${what} is ${original.width}x${original.height}; images are at most ${maxSide} pixels a side`);
  }
  try {
    await runFfmpeg(toPngArgs(input, format, outPng), { label: 'ffmpeg to-png' });
  } catch (error) {
    throw new OutputInvalidError(`${what}: the ${format.toUpperCase()} image could not be decoded`, { cause: error });
  }
  return probeImage(outPng, 'png').catch(() => {
    throw new OutputInvalidError(`${what}: converting it to PNG gave no image`);
  });
}

/** SSIM (0..1) between the first frames of a and b; b is scaled to a's size. */
export async function ssim(a: string, b: string): Promise<number> {
  const { stderr } = await runFfmpeg(ssimArgs(a, b));
  try {
    return parseSsim(stderr);
  } catch (error) {
    throw new MediaToolError(`ssim(${a}, ${b}): ${(error as Error).message}`, { cause: error });
  }
}
