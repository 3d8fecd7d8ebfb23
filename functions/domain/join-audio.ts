// The film's sound as filter chains: each clip's sound cut against its own video clock to exactly its
// kept length, brought to one loudness by a single gain (its segment's piece, segment-recipe.ts), and
// joined by an equal-power crossfade centred on each seam (assembly-recipe.ts, where it is encoded once).
//
// Sample budget: clip i contributes exactly `samples` (its kept video length) to the film. A seam's
// crossfade of X samples takes its second half from the incoming clip's head, extended backwards by
// X/2 (its trimmed head where it has one, else a mirror of its first samples), and its first half
// from the outgoing clip's tail, extended forwards by X/2 (a mirror of its last samples: a clip has
// no sound after its last frame). acrossfade overlaps the X extension samples, so Σ output = Σ kept.

import { levellingVolume, type OnsetLevelling } from './onset';

export const JOIN_SAMPLE_RATE = 48_000;

/**
 * A generated sound track's first 50 ms are its onset (a de-click ramp or a transient): a clip's
 * trimmed head serves as crossfade pre-roll only after them, or the seam would dip into the onset.
 */
export const ONSET_GUARD_SEC = 0.05;

export interface AudioClip {
  /** Input number of the clip in the ffmpeg command. */
  input: number;
  hasAudio: boolean;
  /** Where the kept part starts in the clip's own audio clock (video start + trimmed head). */
  startSec: number;
  /** Seconds of the clip's audio before `startSec` (its trimmed head after the onset guard), usable as pre-roll. */
  preRollSec: number;
  /** Exactly the kept video's length, in samples. */
  samples: number;
  /** Gain that brings this clip to the film's loudness target (0 = as generated); applied before the crossfade. */
  gainDb: number;
  /** Lifts a fade-in at the start of the clip's sound to its steady level (onset.ts). */
  levelling?: OnsetLevelling | null;
}

export interface AudioJoinOptions {
  /** Equal-power crossfade centred on each seam; 0 = hard cut with no fades. */
  crossfadeMs: number;
}

export const sec = (s: number) => Number(s.toFixed(6)).toString();

/** The film's sound format: planar float, stereo, at JOIN_SAMPLE_RATE. */
export const AUDIO_FORMAT = `aformat=sample_fmts=fltp:sample_rates=${JOIN_SAMPLE_RATE}:channel_layouts=stereo`;

/** One seam's crossfade: `head` samples come from before the incoming clip's start, `tail` after the outgoing clip's end. */
export interface SeamSpan {
  head: number;
  tail: number;
}

/**
 * Crossfade length per seam in samples, split into the incoming clip's head extension and the
 * outgoing clip's tail extension. Never longer than either neighbour, so a clip's two crossfades
 * cannot overlap (each takes at most half of the clip from its side).
 */
export function seamSpans(samples: number[], crossfadeMs: number): SeamSpan[] {
  const wanted = Math.max(0, Math.round((crossfadeMs / 1000) * JOIN_SAMPLE_RATE));
  return samples.slice(1).map((next, k) => {
    const total = Math.min(wanted, samples[k], next);
    const head = Math.floor(total / 2);
    return { head, tail: total - head };
  });
}

/** The clip's own sound (or silence) from `lead` samples before its kept start to `samples` after it, with its gain. */
function clipSource(clip: AudioClip, lead: number, extraSilence: number): { chain: string; mirrorHead: number } {
  if (!clip.hasAudio) {
    // Silence needs no mirror: generate it at the extended length directly.
    return { chain: `anullsrc=r=${JOIN_SAMPLE_RATE}:cl=stereo,${AUDIO_FORMAT},atrim=end_sample=${lead + clip.samples + extraSilence}`, mirrorHead: 0 };
  }
  const preRoll = Math.min(lead, Math.max(0, Math.floor(clip.preRollSec * JOIN_SAMPLE_RATE)));
  const start = Math.max(0, clip.startSec - preRoll / JOIN_SAMPLE_RATE);
  const steps = [`[${clip.input}:a]atrim=start=${sec(start)},asetpts=PTS-STARTPTS,aresample=${JOIN_SAMPLE_RATE},${AUDIO_FORMAT}`];
  if (clip.levelling?.length) steps.push(levellingVolume(clip.levelling, start));
  steps.push(`apad,atrim=end_sample=${preRoll + clip.samples}`);
  if (clip.gainDb !== 0) steps.push(`volume=${sec(clip.gainDb)}dB`);
  return { chain: steps.join(','), mirrorHead: lead - preRoll };
}

/**
 * The chains that turn a clip's sound into its crossfade-ready piece `[label]`: `lead` samples before
 * its kept start (pre-roll, then a mirror of its first samples for what pre-roll lacks), its kept
 * samples, and `tail` samples mirrored from its last ones.
 */
export function audioPiece(clip: AudioClip, label: string, lead: number, tail: number): string[] {
  const silent = !clip.hasAudio;
  const { chain, mirrorHead } = clipSource(clip, lead, silent ? tail : 0);
  const mirrorTail = silent ? 0 : tail;
  if (mirrorHead === 0 && mirrorTail === 0) return [`${chain}[${label}]`];
  const chains = [`${chain},asplit=${mirrorHead && mirrorTail ? 3 : 2}[${label}b]${mirrorHead ? `[${label}h]` : ''}${mirrorTail ? `[${label}t]` : ''}`];
  const parts = [`[${label}b]`];
  if (mirrorHead) {
    chains.push(`[${label}h]atrim=end_sample=${mirrorHead},areverse,asetpts=PTS-STARTPTS[${label}hm]`);
    parts.unshift(`[${label}hm]`);
  }
  if (mirrorTail) {
    const bodySamples = lead - mirrorHead + clip.samples;
    chains.push(`[${label}t]atrim=start_sample=${bodySamples - mirrorTail},areverse,asetpts=PTS-STARTPTS[${label}tm]`);
    parts.push(`[${label}tm]`);
  }
  chains.push(`${parts.join('')}concat=n=${parts.length}:v=0:a=1[${label}]`);
  return chains;
}

/**
 * Joins the pieces `[c0]…[cN-1]` (piece k: the seam-(k-1) head extension, its kept samples, the seam-k
 * tail extension) into `[out]`: exactly Σ kept samples long. Spans of 0 join with hard cuts.
 */
export function crossfadeChains(count: number, spans: SeamSpan[], out: string): string[] {
  if (count === 1) return ['[c0]anull[' + out + ']'];
  if (spans.every((s) => s.head + s.tail === 0)) {
    return [`${Array.from({ length: count }, (_, i) => `[c${i}]`).join('')}concat=n=${count}:v=0:a=1[${out}]`];
  }
  // Equal power: qsin fades in as sin(πt/2) and out as cos(πt/2), so the gains' squares sum to 1.
  return spans.map((span, k) => {
    const from = k === 0 ? '[c0]' : `[x${k}]`;
    const to = k === spans.length - 1 ? `[${out}]` : `[x${k + 1}]`;
    return `${from}[c${k + 1}]acrossfade=ns=${span.head + span.tail}:o=1:c1=qsin:c2=qsin${to}`;
  });
}

/** A silent track of `samples` samples, for films whose clips have no sound at all. */
export function silentChain(samples: number): string {
  return `anullsrc=r=${JOIN_SAMPLE_RATE}:cl=stereo,atrim=end_sample=${samples}[a]`;
}
