// Runs the segment and assembly recipes against files on disk: a clip's finished segment with its
// measurements, and the film assembled from segments (video stream-copied, sound in one short pass).
import { open, readFile, rm, writeFile } from 'node:fs/promises';
import { runFfmpeg } from './binaries';
import { settleAll } from './scratch';
import { probeClip, probeVideo, type VideoProbe } from './media';
import { OutputInvalidError } from '../domain/errors';
import { lookOf, meanLook, type Look, type RgbFrame } from '../domain/colour';
import { readLookFrames } from './looks';
import { letterbox, segmentEndsPlan, segmentPlan, SEGMENT_VIDEO_CODEC, type SegmentOutputs } from '../domain/segment-recipe';
import { assemblyPlan, type AssemblySegment } from '../domain/assembly-recipe';
import { crossfadeCorrelation, deinterleave, pieceWindows, polarities, type PieceWindow } from '../domain/seam-polarity';
import { meanAbsoluteDifference } from '../domain/frozen-frames';
import type { OnsetLevelling } from '../domain/onset';

export interface SegmentRequest {
  path: string;
  trimStartFrames: number;
  videoFilters?: string;
  gainDb?: number;
  levelling?: OnsetLevelling | null;
}

/** What a segment's pass measured on its frames: what the film will show of this clip. */
export interface SegmentMeasurements {
  frames: number;
  samples: number;
  extensionSamples: number;
  hasAudio: boolean;
  width: number;
  height: number;
  looks: { first: Look; last: Look };
  /** Grey frames at MOTION_WIDTH: differences inside the head and tail windows, and the two end frames. */
  motion: { head: number[]; tail: number[]; firstFrame: Buffer; lastFrame: Buffer };
}

/**
 * Encodes `clip`'s finished segment in one ffmpeg pass, then measures its two ends as encoded (a few
 * dozen frames decoded: the tail from the GOP before it). `firstFrame` also writes its first frame as
 * a PNG.
 */
export async function encodeSegment(
  clip: SegmentRequest,
  opts: { fps: number; width: number; height: number; crossfadeMs: number; outputs: SegmentOutputs; firstFrame?: string },
): Promise<SegmentMeasurements> {
  const probe = await probeClip(clip.path);
  let plan: ReturnType<typeof segmentPlan>;
  try {
    plan = segmentPlan(
      { ...clip, frames: probe.frames, fps: probe.fps, videoStartSec: probe.videoStartSec, hasAudio: probe.audioCodec !== null },
      opts,
    );
  } catch (error) {
    // A clip too short for its trim is a bad model output, not a tool failure.
    throw new OutputInvalidError((error as Error).message, { cause: error });
  }
  await runFfmpeg(plan.args, { label: 'ffmpeg segment' });
  const at = (what: string) => `${opts.outputs.video}.${what}`;
  const files = { headLooks: at('head.rgb'), headMotion: at('head.gray'), tailLooks: at('tail.rgb'), tailMotion: at('tail.gray'), firstFrame: opts.firstFrame };
  const ends = segmentEndsPlan(opts.outputs.video, plan.frames, opts.fps, plan.tailStart, files);
  await runFfmpeg(ends.args, { label: 'ffmpeg segment ends' });
  const lookOrder = Array.from({ length: ends.lookFrames }, (_, n) => n);
  const [headLooks, tailLooks, headMotion, tailMotion] = await Promise.all([
    readLookFrames(files.headLooks, lookOrder, `${opts.outputs.video} head`),
    readLookFrames(files.tailLooks, lookOrder, `${opts.outputs.video} tail`),
    readRaw(files.headMotion),
    readRaw(files.tailMotion),
  ]);
  const head = greyFrames(headMotion, ends.headFrames, 'head');
  const tail = greyFrames(tailMotion, ends.tailFrames, 'tail');
  const meanOf = (frames: Map<number, RgbFrame>) => meanLook([...frames.values()].map(lookOf));
  return {
    frames: plan.frames,
    samples: plan.samples,
    extensionSamples: plan.extensionSamples,
    hasAudio: probe.audioCodec !== null,
    width: opts.width,
    height: opts.height,
    looks: { first: meanOf(headLooks), last: meanOf(tailLooks) },
    motion: { head: differences(head), tail: differences(tail), firstFrame: Buffer.from(head[0]), lastFrame: Buffer.from(tail.at(-1)!) },
  };
}

async function readRaw(file: string): Promise<Buffer> {
  const bytes = await readFile(file);
  await rm(file, { force: true });
  return bytes;
}

/** Raw grey frames, split; OutputInvalidError unless there are exactly `count`. */
function greyFrames(raw: Buffer, count: number, where: string): Buffer[] {
  const size = raw.length / count;
  if (!Number.isInteger(size) || size === 0) throw new OutputInvalidError(`a segment's ${where} gave ${raw.length} bytes of grey frames for ${count} frames`);
  return Array.from({ length: count }, (_, i) => raw.subarray(i * size, (i + 1) * size));
}

/** [k]: frame k+1 against frame k. */
const differences = (frames: Buffer[]) => frames.slice(1).map((frame, k) => meanAbsoluteDifference(frames[k], frame));

/** A stretch of a raw stereo f32 piece, interleaved. Missing samples (past its end) read 0. */
async function readPiece(file: string, window: PieceWindow): Promise<Float32Array> {
  const bytes = Buffer.alloc(window.samples * 8);
  const handle = await open(file, 'r');
  try {
    await handle.read(bytes, 0, bytes.length, Math.max(0, window.offset) * 8);
  } finally {
    await handle.close();
  }
  return new Float32Array(bytes.buffer, bytes.byteOffset, window.samples * 2);
}

/** Per segment: play its sound inverted, so that no crossfade cancels (seam-polarity.ts)? */
async function segmentPolarities(segments: AssemblySegment[], spans: ReturnType<typeof assemblyPlan>['spans']): Promise<boolean[]> {
  const windows = pieceWindows(segments.map((s) => ({ ...s, hasAudio: s.audio !== null })), spans);
  const correlations = await Promise.all(
    windows.map(async (w) => {
      if (!w) return null;
      const [x, y] = await Promise.all([readPiece(segments[w.outgoing.segment].audio!, w.outgoing), readPiece(segments[w.incoming.segment].audio!, w.incoming)]);
      const [xl, xr] = deinterleave(x);
      const [yl, yr] = deinterleave(y);
      return crossfadeCorrelation({ x: xl, y: yl }, { x: xr, y: yr });
    }),
  );
  return polarities(correlations);
}

/**
 * The film from its segments, in order. Same-size segments (the rule) are stream-copied; a segment
 * of another size than the first is first conformed to it. Returns the film's probe; throws
 * OutputInvalidError unless it has exactly Σ frames.
 */
export async function assembleSegments(
  segments: (AssemblySegment & { width: number; height: number })[],
  opts: { out: string; measureAudio: string; fps: number; crossfadeMs: number },
): Promise<VideoProbe & { hasSound: boolean }> {
  const [{ width, height }] = segments;
  const conformed = await Promise.all(segments.map((s) => (s.width === width && s.height === height ? s : conform(s, width, height))));
  const concatList = `${opts.out}.segments.txt`;
  let plan = assemblyPlan(conformed, { ...opts, concatList });
  if (plan.hasSound && plan.spans.some((s) => s.head + s.tail > 0)) {
    const inverted = await segmentPolarities(conformed, plan.spans);
    if (inverted.some(Boolean)) plan = assemblyPlan(conformed.map((s, i) => ({ ...s, invertPolarity: inverted[i] })), { ...opts, concatList });
  }
  await writeFile(concatList, plan.concatList);
  await runFfmpeg(plan.args, { label: 'ffmpeg assemble' });
  await rm(concatList, { force: true });
  const film = await probeVideo(opts.out);
  if (film.frames !== plan.totalFrames) {
    throw new OutputInvalidError(`${opts.out}: assembled ${film.frames} frames, expected ${plan.totalFrames} (${segments.map((s) => s.frames).join('+')})`);
  }
  return { ...film, hasSound: plan.hasSound };
}

/** A segment of another size, letterboxed to the film's (the one case that costs a second encode). */
async function conform<T extends AssemblySegment & { width: number; height: number }>(segment: T, width: number, height: number): Promise<T> {
  const out = segment.video.replace(/\.mp4$/, '') + `-${width}x${height}.mp4`;
  await runFfmpeg(
    [
      '-i', segment.video, '-map', '0:v:0',
      '-vf', letterbox(width, height),
      ...SEGMENT_VIDEO_CODEC, '-an', out,
    ],
    { label: 'ffmpeg conform segment' },
  );
  return { ...segment, video: out, width, height };
}

/** Joins clips as the workflow does, in one call: each clip finished into a segment, then the segments assembled. */
export async function joinClips(opts: {
  clips: SegmentRequest[];
  out: string;
  fps: number;
  width: number;
  height: number;
  audio: 'keep' | 'silent';
  crossfadeMs?: number;
}): Promise<VideoProbe & { clipFrames: number[] }> {
  const crossfadeMs = opts.crossfadeMs ?? 120;
  const at = (i: number, what: string) => `${opts.out}.${i}.${what}`;
  const segments = await settleAll(
    opts.clips.map(async (clip, i) => {
      const outputs = { video: at(i, 'mp4'), audio: at(i, 'f32') };
      const measured = await encodeSegment(clip, { fps: opts.fps, width: opts.width, height: opts.height, crossfadeMs, outputs });
      return { ...measured, video: outputs.video, audio: measured.hasAudio && opts.audio === 'keep' ? outputs.audio : null };
    }),
  );
  try {
    const film = await assembleSegments(segments, { out: opts.out, measureAudio: `${opts.out}.mix.wav`, fps: opts.fps, crossfadeMs });
    return { ...film, clipFrames: segments.map((s) => s.frames) };
  } finally {
    await Promise.all([...segments.flatMap((s, i) => [rm(s.video, { force: true }), rm(at(i, 'f32'), { force: true })]), rm(`${opts.out}.mix.wav`, { force: true })]);
  }
}
