// The join: one ffmpeg run that turns the stored clips into the film. Trims, colour grade, loudness
// and seams all happen in this one encode generation (see join-audio.ts for the sound).
import type { OnsetLevelling } from './onset';
import { audioChains, JOIN_SAMPLE_RATE, ONSET_GUARD_SEC, silentChain, type AudioClip } from './join-audio';

export { JOIN_SAMPLE_RATE } from './join-audio';

export interface JoinInput {
  path: string;
  trimStartFrames: number;
  /** From probing the clip: its own frame count, rate, video start time, and whether audio exists. */
  frames: number;
  fps: number;
  videoStartSec: number;
  hasAudio: boolean;
  /** Video filters applied to the kept frames (colour grade), their clock starting at 0; none if empty. */
  videoFilters?: string;
  /** Gain that brings the clip to the film's loudness target. */
  gainDb?: number;
  /** Its sound in inverted polarity (seam-polarity.ts). */
  invertPolarity?: boolean;
  /** Lifts a fade-in at the start of its sound (onset.ts). */
  levelling?: OnsetLevelling | null;
}

export interface JoinOptions {
  out: string;
  fps: number;
  width: number;
  height: number;
  audio: 'keep' | 'silent';
  /** Audio transition at each seam; default 120 ms. */
  crossfadeMs?: number;
  crf?: number;
  preset?: string;
}

export interface JoinPlan {
  args: string[];
  filtergraph: string;
  /** Output frames per clip and in total (Σ frames_i − trim_i when the rates match). */
  clipFrames: number[];
  totalFrames: number;
  /** Each clip's sound as the audio chains take it; empty for a silent film. */
  audioClips: AudioClip[];
}

/** Output frames of a clip: same rate → exactly its kept frames; another rate → the rounded resample. */
function outputFrames(clip: JoinInput, trim: number, fps: number): number {
  const kept = clip.frames - trim;
  if (kept <= 0) throw new Error(`joinPlan: ${clip.path} has ${clip.frames} frames, cannot trim ${trim}`);
  return Math.abs(clip.fps - fps) < 1e-6 ? kept : Math.max(1, Math.round((kept / clip.fps) * fps));
}

/**
 * One ffmpeg run through the concat FILTER (a -c copy join leaves ~1-frame gaps on the 2018 build).
 * Each clip: drop its head frames, restart its clock at 0, force the output rate, grade, letterbox
 * to the output size with square pixels. Its audio is cut from the same instant to exactly its
 * video length in samples (join-audio.ts). Audio is encoded to AAC exactly once here.
 */
export function joinPlan(inputs: JoinInput[], opts: JoinOptions): JoinPlan {
  if (inputs.length === 0) throw new Error('joinPlan: no clips');
  const { fps, width: w, height: h } = opts;
  const chains: string[] = [];
  const trims = inputs.map((clip) => Math.max(0, Math.floor(clip.trimStartFrames)));
  const clipFrames = inputs.map((clip, i) => outputFrames(clip, trims[i], fps));
  const clipSamples = clipFrames.map((frames) => Math.round((frames / fps) * JOIN_SAMPLE_RATE));

  inputs.forEach((clip, i) => {
    const head = trims[i] > 0 ? `trim=start_frame=${trims[i]},` : '';
    const grade = clip.videoFilters ? `${clip.videoFilters},` : '';
    chains.push(
      `[${i}:v]${head}setpts=PTS-STARTPTS,fps=${fps},trim=end_frame=${clipFrames[i]},${grade}` +
        `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,` +
        `setsar=1,format=yuv420p[v${i}]`,
    );
  });
  const n = inputs.length;
  chains.push(`${inputs.map((_, i) => `[v${i}]`).join('')}concat=n=${n}:v=1:a=0[v]`);
  const totalSamples = clipSamples.reduce((a, b) => a + b, 0);
  let audio: AudioClip[] = [];
  if (opts.audio === 'silent') chains.push(silentChain(totalSamples));
  else {
    audio = inputs.map((clip, i) => ({
      input: i,
      hasAudio: clip.hasAudio,
      startSec: clip.videoStartSec + trims[i] / clip.fps,
      preRollSec: Math.max(0, trims[i] / clip.fps - ONSET_GUARD_SEC),
      samples: clipSamples[i],
      gainDb: clip.gainDb ?? 0,
      invertPolarity: clip.invertPolarity ?? false,
      levelling: clip.levelling ?? null,
    }));
    chains.push(...audioChains(audio, { crossfadeMs: opts.crossfadeMs ?? 120 }));
  }
  const filtergraph = chains.join(';');
  const args = [
    ...inputs.flatMap((c) => ['-i', c.path]),
    '-filter_complex', filtergraph,
    '-map', '[v]', '-map', '[a]',
    '-c:v', 'libx264', '-preset', opts.preset ?? 'veryfast', '-crf', String(opts.crf ?? 18),
    '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '192k', '-ar', String(JOIN_SAMPLE_RATE), '-ac', '2',
    '-movflags', '+faststart', opts.out,
  ];
  return { args, filtergraph, clipFrames, totalFrames: clipFrames.reduce((a, b) => a + b, 0), audioClips: audio };
}
