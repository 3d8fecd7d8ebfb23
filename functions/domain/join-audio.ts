// The audio half of the join's filtergraph: each clip's sound cut against its own video clock to
// exactly its kept length, brought to one loudness by a single gain, and joined without a gap.
// Decoded once and encoded once (in join-recipe.ts).

export const JOIN_SAMPLE_RATE = 48_000;

export interface AudioClip {
  /** Input number of the clip in the ffmpeg command. */
  input: number;
  hasAudio: boolean;
  /** Where the kept part starts in the clip's own audio clock (video start + trimmed head). */
  startSec: number;
  /** Seconds of the clip's audio before `startSec` (its trimmed head), usable as pre-roll. */
  preRollSec: number;
  /** Exactly the kept video's length, in samples. */
  samples: number;
  /** Gain that brings this clip to the film's loudness target (0 = as generated). */
  gainDb: number;
}

export interface AudioJoinOptions {
  /** Audio transition length at each seam; 0 = hard cut. */
  crossfadeMs: number;
}

export const sec = (s: number) => Number(s.toFixed(6)).toString();

const FORMAT = `aformat=sample_fmts=fltp:sample_rates=${JOIN_SAMPLE_RATE}:channel_layouts=stereo`;

/**
 * Filter chains that end in the label `[a]`: the film's sound track, exactly Σ samples long.
 * Silence stands in for a clip without audio.
 */
export function audioChains(clips: AudioClip[], opts: AudioJoinOptions): string[] {
  const fadeSec = Math.max(0, opts.crossfadeMs) / 1000 / 2;
  const chains = clips.map((clip, i) => {
    const fade = Math.min(fadeSec, clip.samples / JOIN_SAMPLE_RATE / 2);
    const steps = [
      clip.hasAudio
        ? `[${clip.input}:a]atrim=start=${sec(clip.startSec)},asetpts=PTS-STARTPTS,aresample=${JOIN_SAMPLE_RATE},${FORMAT}`
        : `anullsrc=r=${JOIN_SAMPLE_RATE}:cl=stereo,${FORMAT}`,
      `apad,atrim=end_sample=${clip.samples}`,
    ];
    if (clip.gainDb !== 0) steps.push(`volume=${sec(clip.gainDb)}dB`);
    if (fade > 0 && i > 0) steps.push(`afade=t=in:st=0:d=${sec(fade)}`);
    if (fade > 0 && i < clips.length - 1) steps.push(`afade=t=out:st=${sec(clip.samples / JOIN_SAMPLE_RATE - fade)}:d=${sec(fade)}`);
    return `${steps.join(',')}[a${i}]`;
  });
  const labels = clips.map((_, i) => `[a${i}]`).join('');
  return [...chains, `${labels}concat=n=${clips.length}:v=0:a=1[a]`];
}

/** A silent track of `samples` samples, for films whose clips have no sound at all. */
export function silentChain(samples: number): string {
  return `anullsrc=r=${JOIN_SAMPLE_RATE}:cl=stereo,atrim=end_sample=${samples}[a]`;
}
