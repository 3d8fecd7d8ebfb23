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
  lastFrameArgs,
  lastFrameFullDecodeArgs,
  parseImageProbe,
  parseSsim,
  parseVideoProbe,
  probeImageArgs,
  probeVideoArgs,
  ssimArgs,
  toPngArgs,
} from '../domain/ffmpeg-recipes';
import { joinPlan, type JoinOptions } from '../domain/join-recipe';
import { seamPolarities } from './seam-polarity';
import type { OnsetLevelling } from '../domain/onset';

export type { VideoProbe } from '../domain/ffmpeg-recipes';

async function probeClip(file: string): Promise<ClipProbe> {
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

async function nonEmpty(file: string): Promise<boolean> {
  return stat(file).then((s) => s.size > 0, () => false);
}

/** Writes the TRUE last frame of `clip` as a PNG (see lastFrameArgs for why this recipe). */
export async function extractLastFrame(clip: string, outPng: string): Promise<void> {
  try {
    await runFfmpeg(lastFrameArgs(clip, outPng));
    if (await nonEmpty(outPng)) return;
  } catch (error) {
    if (!(error instanceof MediaToolError)) throw error;
  }
  // Some containers can't seek from the end; a full decode is slower but always right.
  try {
    await runFfmpeg(lastFrameFullDecodeArgs(clip, outPng));
  } catch (error) {
    throw new OutputInvalidError(`${clip}: could not decode a last frame`, { cause: error });
  }
  if (!(await nonEmpty(outPng))) throw new OutputInvalidError(`${clip}: no video frame to extract`);
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

/** The join's output settings plus the clips; probing fills in the rest of each JoinInput. */
export interface JoinClipsOptions extends JoinOptions {
  clips: { path: string; trimStartFrames: number; videoFilters?: string; gainDb?: number; levelling?: OnsetLevelling | null }[];
}

/**
 * Joins clips into one H.264/AAC film with continuous timestamps; returns the output's probe.
 * Throws OutputInvalidError if a clip is unreadable or the result has the wrong frame count.
 */
export async function joinClips(opts: JoinClipsOptions): Promise<VideoProbe & { clipFrames: number[] }> {
  const probes = await Promise.all(opts.clips.map((c) => probeClip(c.path)));
  const inputs = opts.clips.map((c, i) => ({
    path: c.path,
    trimStartFrames: c.trimStartFrames,
    videoFilters: c.videoFilters,
    gainDb: c.gainDb,
    levelling: c.levelling,
    frames: probes[i].frames,
    fps: probes[i].fps,
    videoStartSec: probes[i].videoStartSec,
    hasAudio: probes[i].audioCodec !== null,
  }));
  let plan: ReturnType<typeof joinPlan>;
  try {
    plan = joinPlan(inputs, opts);
  } catch (error) {
    // A clip too short for its trim is a bad model output, not a tool failure.
    throw new OutputInvalidError((error as Error).message, { cause: error });
  }
  const crossfadeMs = opts.crossfadeMs ?? 120;
  if (plan.audioClips.length > 1 && crossfadeMs > 0) {
    const inverted = await seamPolarities(inputs.map((c) => c.path), plan, crossfadeMs, `${opts.out}.seam.f32`);
    if (inverted.some(Boolean)) plan = joinPlan(inputs.map((c, i) => ({ ...c, invertPolarity: inverted[i] })), opts);
  }
  await runFfmpeg(plan.args, { label: 'ffmpeg join' });
  const result = await probeVideo(opts.out);
  // Same-rate inputs must come out frame-exact; anything else means a dropped or repeated frame.
  const sameRate = probes.every((p) => Math.abs(p.fps - opts.fps) < 1e-6);
  if (sameRate && result.frames !== plan.totalFrames) {
    throw new OutputInvalidError(
      `${opts.out}: joined ${result.frames} frames, expected ${plan.totalFrames} (${plan.clipFrames.join('+')})`,
    );
  }
  return { ...result, clipFrames: plan.clipFrames };
}
