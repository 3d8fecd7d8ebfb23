// A clip's finished segment: one ffmpeg pass, run as soon as the clip is stored, that turns the clip
// into exactly what the film shows of it (head trim, grade, output size and rate, x264 with the
// film's one set of parameters) plus its sound piece (gain, onset levelling, crossfade extensions)
// and everything the continuity report and contact sheet need from its frames. The film is then
// assembled from segments by stream copy (assembly-recipe.ts), and nothing decodes it again.
import type { OnsetLevelling } from './onset';
import { audioPiece, JOIN_SAMPLE_RATE, ONSET_GUARD_SEC } from './join-audio';
import { endFrameIndices } from './continuity';
import { EXACT_CONVERSION, LOOK_RASTER } from './look-recipes';
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
  /** END_FRAMES first and last frames at LOOK_RASTER, rgb24. */
  looks: string;
  /** The first SEAM_WINDOW + 1 and last SEAM_WINDOW frames, grey at MOTION_WIDTH. */
  motion: string;
  /** The first frame as a PNG (compared with the seed the clip started from); omitted when not needed. */
  firstFrame?: string;
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
  /** Which of the segment's frames the looks output holds (`order`, ascending) and which are its ends. */
  lookFrames: { first: number[]; last: number[]; order: number[] };
  motionFrames: number[];
}

/** Output frames of a clip: same rate → exactly its kept frames; another rate → the rounded resample. */
export function segmentFrames(clip: Pick<SegmentClip, 'path' | 'frames' | 'fps'>, trim: number, fps: number): number {
  const kept = clip.frames - trim;
  if (kept <= 0) throw new Error(`segmentPlan: ${clip.path} has ${clip.frames} frames, cannot trim ${trim}`);
  return Math.abs(clip.fps - fps) < 1e-6 ? kept : Math.max(1, Math.round((kept / clip.fps) * fps));
}

/** Half the longest crossfade, rounded up: what each end of a sound piece must hold. */
export const extensionSamples = (crossfadeMs: number) => Math.ceil(Math.max(0, Math.round((crossfadeMs / 1000) * JOIN_SAMPLE_RATE)) / 2);

/** The first SEAM_WINDOW + 1 and last SEAM_WINDOW frames: all a seam's still-run window reaches into. */
export function motionFrameIndices(frames: number): number[] {
  const picked = new Set<number>();
  for (let n = 0; n <= SEAM_WINDOW && n < frames; n++) picked.add(n);
  for (let n = Math.max(0, frames - SEAM_WINDOW); n < frames; n++) picked.add(n);
  return [...picked].sort((a, b) => a - b);
}

const selectOf = (frames: number[]) => frames.map((n) => `eq(n\\,${n})`).join('+');

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
  const ends = endFrameIndices(0, frames);
  const lookFrames = [...new Set([...ends.first, ...ends.last])].sort((a, b) => a - b);
  const motionFrames = motionFrameIndices(frames);

  const branches: { label: string; chain: string; output: string[] }[] = [
    { label: 'enc', chain: 'null', output: [...SEGMENT_VIDEO_CODEC, '-an', outputs.video] },
    {
      label: 'looks',
      chain: `select='${selectOf(lookFrames)}',scale=${LOOK_RASTER.width}:${LOOK_RASTER.height}:flags=area+accurate_rnd+full_chroma_int,format=rgb24`,
      output: ['-vsync', '0', '-f', 'rawvideo', outputs.looks],
    },
    {
      label: 'motion',
      chain: `select='${selectOf(motionFrames)}',scale=${MOTION_WIDTH}:-2,format=gray`,
      output: ['-vsync', '0', '-f', 'rawvideo', outputs.motion],
    },
  ];
  if (outputs.firstFrame) {
    branches.push({
      label: 'first',
      chain: `select='eq(n\\,0)',scale=flags=${EXACT_CONVERSION},format=rgb24`,
      output: ['-vsync', '0', '-frames:v', '1', '-update', '1', outputs.firstFrame],
    });
  }
  if (outputs.sheetRow) {
    branches.push({ label: 'row', chain: outputs.sheetRow.filter(frames), output: ['-vsync', '0', '-frames:v', '1', '-update', '1', outputs.sheetRow.out] });
  }
  const head = trim > 0 ? `trim=start_frame=${trim},` : '';
  const grade = clip.videoFilters ? `${clip.videoFilters},` : '';
  const chains = [
    `[0:v]${head}setpts=PTS-STARTPTS,fps=${fps},trim=end_frame=${frames},${grade}` +
      `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,` +
      `setsar=1,format=yuv420p,split=${branches.length}${branches.map((b) => `[s${b.label}]`).join('')}`,
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
  return { args, frames, samples, extensionSamples: extension, lookFrames: { first: ends.first, last: ends.last, order: lookFrames }, motionFrames };
}
