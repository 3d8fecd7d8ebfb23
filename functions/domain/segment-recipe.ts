// A clip's finished segment: one ffmpeg pass, run as soon as the clip is stored, that turns the clip
// into exactly what the film shows of it (head trim, grade, output size and rate, x264 with the
// film's one set of parameters) plus its sound piece (gain, onset levelling, crossfade extensions)
// and everything the continuity report and contact sheet need from its frames. The film is then
// assembled from segments by stream copy (assembly-recipe.ts), and nothing decodes it again.
import type { OnsetLevelling } from './onset';
import { audioPiece, JOIN_SAMPLE_RATE, ONSET_GUARD_SEC } from './join-audio';
import { endFrameIndices } from './continuity';
import { EXACT_CONVERSION, lookFramesFilter } from './look-recipes';
import { MOTION_WIDTH, SEAM_WINDOW } from './frozen-frames';

/** Every segment of every film is encoded with these, so that segments concatenate by stream copy. */
export const SEGMENT_VIDEO_CODEC = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p'] as const;

export interface SegmentClip {
  path: string;
  trimStartFrames: number;
  /** From probing the clip: its own frame count, rate, video start time, and whether audio exists. */
  frames: number;
  fps: number;
  videoStartSec: number;
  hasAudio: boolean;
  /** Video filters applied to the kept frames (colour grade), their clock starting at 0. */
  videoFilters?: string;
  gainDb?: number;
  levelling?: OnsetLevelling | null;
}

export interface SegmentOutputs {
  video: string;
  /** Raw interleaved stereo f32 at JOIN_SAMPLE_RATE: extension, kept samples, extension. */
  audio: string;
  /** One contact-sheet row: a filter fragment for a segment of `frames` frames (picture-recipes.ts) and the PNG it writes. */
  sheetRow?: { filter: (frames: number) => string; out: string };
}

export interface SegmentOptions {
  fps: number;
  width: number;
  height: number;
  /** The longest crossfade a seam may take; each end of the sound piece carries half of it. */
  crossfadeMs: number;
  outputs: SegmentOutputs;
}

export interface SegmentPlan {
  args: string[];
  /** Frames and audio samples the segment contributes to the film. */
  frames: number;
  samples: number;
  /** Samples of sound before and after the kept ones in the audio piece (0 for a silent clip). */
  extensionSamples: number;
  /** The segment's tail: its last SEAM_WINDOW frames, which segmentEndsPlan decodes from the GOP before them. */
  tailStart: number;
}

/** Fits a picture inside the film's size, centred, with square pixels, in the film's pixel format. */
export const letterbox = (width: number, height: number) =>
  `scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p`;

/** Output frames of a clip: same rate → exactly its kept frames; another rate → the rounded resample. */
export function segmentFrames(clip: Pick<SegmentClip, 'path' | 'frames' | 'fps'>, trim: number, fps: number): number {
  const kept = clip.frames - trim;
  if (kept <= 0) throw new Error(`segmentPlan: ${clip.path} has ${clip.frames} frames, cannot trim ${trim}`);
  return Math.abs(clip.fps - fps) < 1e-6 ? kept : Math.max(1, Math.round((kept / clip.fps) * fps));
}

/**
 * A GOP every 2 s (≈ +3 % bytes at crf 18): the segment's tail, which the seams measure, then decodes
 * from the GOP before it in a fraction of a second. (A single forced IDR frame at the tail is not a
 * seek point the 2018 ffmpeg's mp4 demuxer uses: it decoded from frame 0.)
 */
export const gopFrames = (fps: number) => Math.max(1, Math.round(2 * fps));

/** Half the longest crossfade, rounded up: what each end of a sound piece must hold. */
export const extensionSamples = (crossfadeMs: number) => Math.ceil(Math.max(0, Math.round((crossfadeMs / 1000) * JOIN_SAMPLE_RATE)) / 2);

/**
 * One pass: each kept frame is trimmed, restarted at 0, put on the film's rate, graded, letterboxed
 * to the film's size with square pixels, then split to the encoder and to the measurements. Frame
 * numbers in the measurement branches are the segment's own (0 = its first kept frame).
 */
export function segmentPlan(clip: SegmentClip, opts: SegmentOptions): SegmentPlan {
  const { fps, width: w, height: h, outputs } = opts;
  const trim = Math.max(0, Math.floor(clip.trimStartFrames));
  const frames = segmentFrames(clip, trim, fps);
  const samples = Math.round((frames / fps) * JOIN_SAMPLE_RATE);
  const tailStart = Math.max(0, frames - SEAM_WINDOW);
  const branches: { label: string; chain: string; output: string[] }[] = [
    { label: 'enc', chain: 'null', output: [...SEGMENT_VIDEO_CODEC, '-g', String(gopFrames(fps)), '-an', outputs.video] },
  ];
  if (outputs.sheetRow) {
    branches.push({ label: 'row', chain: outputs.sheetRow.filter(frames), output: ['-vsync', '0', '-frames:v', '1', '-update', '1', outputs.sheetRow.out] });
  }
  const head = trim > 0 ? `trim=start_frame=${trim},` : '';
  const grade = clip.videoFilters ? `${clip.videoFilters},` : '';
  const chains = [
    `[0:v]${head}setpts=PTS-STARTPTS,fps=${fps},trim=end_frame=${frames},${grade}${letterbox(w, h)},` +
      `split=${branches.length}${branches.map((b) => `[s${b.label}]`).join('')}`,
    ...branches.map((b) => `[s${b.label}]${b.chain}[${b.label}]`),
  ];
  const extension = clip.hasAudio ? extensionSamples(opts.crossfadeMs) : 0;
  if (clip.hasAudio) {
    const piece = audioPiece(
      {
        input: 0,
        hasAudio: true,
        startSec: clip.videoStartSec + trim / clip.fps,
        preRollSec: Math.max(0, trim / clip.fps - ONSET_GUARD_SEC),
        samples,
        gainDb: clip.gainDb ?? 0,
        levelling: clip.levelling ?? null,
      },
      'piece',
      extension,
      extension,
    );
    chains.push(...piece);
  }
  const args = [
    '-i', clip.path, '-filter_complex', chains.join(';'),
    ...branches.flatMap((b) => ['-map', `[${b.label}]`, ...b.output]),
    ...(clip.hasAudio ? ['-map', '[piece]', '-c:a', 'pcm_f32le', '-f', 'f32le', outputs.audio] : []),
  ];
  return { args, frames, samples, extensionSamples: extension, tailStart };
}

export interface SegmentEndsFiles {
  headLooks: string;
  headMotion: string;
  tailLooks: string;
  tailMotion: string;
  /** The first frame as a PNG (compared with the seed the clip started from); omitted when not needed. */
  firstFrame?: string;
}

export interface SegmentEndsPlan {
  args: string[];
  /** Frames each output holds: the head's first SEAM_WINDOW + 1 (looks: the first END_FRAMES), the tail from tailStart on (looks: the last END_FRAMES). */
  headFrames: number;
  tailFrames: number;
  lookFrames: number;
}

/**
 * The encoded segment's ends, decoded as the film will show them: the head from frame 0, the tail
 * from the GOP before it (segmentPlan starts one every 2 s), so only a few dozen frames are decoded.
 * Looks at LOOK_RASTER (rgb24), motion grey at MOTION_WIDTH, and the first frame as a PNG.
 */
export function segmentEndsPlan(video: string, frames: number, fps: number, tailStart: number, files: SegmentEndsFiles): SegmentEndsPlan {
  const headFrames = Math.min(SEAM_WINDOW + 1, frames);
  const tailFrames = frames - tailStart;
  const lookFrames = endFrameIndices(0, frames).first.length;
  const motion = `scale=${MOTION_WIDTH}:-2,format=gray`;
  const looksOf = (from: number) => lookFramesFilter(Array.from({ length: lookFrames }, (_, k) => from + k));
  const head = [`[0:v:0]trim=end_frame=${headFrames},split=${files.firstFrame ? 3 : 2}[hl][hm]${files.firstFrame ? '[hf]' : ''}`, `[hl]${looksOf(0)}[headlooks]`, `[hm]${motion}[headmotion]`];
  if (files.firstFrame) head.push(`[hf]trim=end_frame=1,scale=flags=${EXACT_CONVERSION},format=rgb24[first]`);
  const tail = [`[1:v:0]split=2[tl][tm]`, `[tl]${looksOf(tailFrames - lookFrames)}[taillooks]`, `[tm]${motion}[tailmotion]`];
  // Just before the tail's first frame: accurate seeking decodes from the GOP's start and drops what comes earlier.
  const seek = tailStart > 0 ? ['-ss', ((tailStart - 0.25) / fps).toFixed(6)] : [];
  const raw = (label: string, out: string) => ['-map', `[${label}]`, '-f', 'rawvideo', out];
  return {
    args: [
      // -t on the head's input: a graph with other outputs still running would otherwise decode it to the end.
      '-v', 'error', '-t', ((headFrames + 0.5) / fps).toFixed(6), '-i', video, ...seek, '-i', video, '-an', '-sn', '-dn',
      '-filter_complex', [...head, ...tail].join(';'), '-vsync', '0',
      ...raw('headlooks', files.headLooks), ...raw('headmotion', files.headMotion),
      ...raw('taillooks', files.tailLooks), ...raw('tailmotion', files.tailMotion),
      ...(files.firstFrame ? ['-map', '[first]', '-frames:v', '1', '-update', '1', files.firstFrame] : []),
    ],
    headFrames,
    tailFrames,
    lookFrames,
  };
}
