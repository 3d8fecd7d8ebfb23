// Which clips' sound to play in inverted polarity so that no crossfade cancels. Over a 120 ms window
// two sound tracks can be correlated by chance (low tones hold only a few cycles), and an
// equal-power crossfade of negatively correlated sound dips by several dB. Absolute polarity is
// inaudible, so a clip whose sound would cancel against the outgoing one is simply inverted; with the
// correlation then zero or positive, the crossfade holds or slightly lifts the level.
import type { AudioClip, SeamSpan } from './join-audio';
import { JOIN_SAMPLE_RATE } from './join-audio';

/** The stretch of one clip's sound, on its own clock, that a seam's crossfade reads. */
export interface AudioWindow {
  input: number;
  fromSec: number;
  samples: number;
}

export interface SeamWindows {
  outgoing: AudioWindow;
  incoming: AudioWindow;
  /** Samples of real pre-roll the incoming clip has before its kept start (the rest is mirrored). */
  preRoll: number;
}

/** What to decode for each seam: the outgoing clip's last samples, the incoming clip's first. */
export function seamWindows(clips: AudioClip[], spans: SeamSpan[]): (SeamWindows | null)[] {
  return spans.map((span, k) => {
    const out = clips[k];
    const inc = clips[k + 1];
    if (!out.hasAudio || !inc.hasAudio || span.head + span.tail === 0) return null;
    const last = Math.max(span.head, span.tail);
    const preRoll = Math.min(span.head, Math.max(0, Math.floor(inc.preRollSec * JOIN_SAMPLE_RATE)));
    const mirrored = span.head - preRoll;
    return {
      outgoing: { input: out.input, fromSec: out.startSec + (out.samples - last) / JOIN_SAMPLE_RATE, samples: last },
      incoming: { input: inc.input, fromSec: inc.startSec - preRoll / JOIN_SAMPLE_RATE, samples: Math.max(mirrored, preRoll + span.tail) },
      preRoll,
    };
  });
}

/**
 * The two signals the crossfade mixes, sample for sample, as join-audio.ts builds them: the outgoing
 * clip's last `head` samples then a mirror of its last `tail`; the incoming clip's mirrored first
 * samples and pre-roll, then its first `tail` kept samples. Missing samples (a short decode) read 0.
 */
export function crossfadePair(outgoing: Float32Array, incoming: Float32Array, span: SeamSpan, preRoll: number): { x: Float32Array; y: Float32Array } {
  const n = span.head + span.tail;
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  const last = Math.max(span.head, span.tail);
  const mirrored = span.head - preRoll;
  const at = (a: Float32Array, i: number) => (i >= 0 && i < a.length ? a[i] : 0);
  for (let i = 0; i < span.head; i++) x[i] = at(outgoing, last - span.head + i);
  for (let j = 0; j < span.tail; j++) x[span.head + j] = at(outgoing, last - 1 - j);
  for (let i = 0; i < mirrored; i++) y[i] = at(incoming, mirrored - 1 - i);
  for (let i = mirrored; i < span.head; i++) y[i] = at(incoming, i - mirrored);
  for (let j = 0; j < span.tail; j++) y[span.head + j] = at(incoming, preRoll + j);
  return { x, y };
}

/**
 * Correlation of the two signals weighted by where the crossfade mixes them (sin·cos of an
 * equal-power fade): negative means the mix dips below either side. 0 for silence.
 */
export function crossfadeCorrelation(...channels: { x: Float32Array; y: Float32Array }[]): number {
  let xy = 0;
  let xx = 0;
  let yy = 0;
  // Channel by channel, summed: a downmix would let slightly detuned channels cancel each other.
  for (const { x, y } of channels) {
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
      const u = (i + 0.5) / n;
      const w = Math.sin((Math.PI / 2) * u) * Math.cos((Math.PI / 2) * u);
      xy += w * x[i] * y[i];
      xx += w * x[i] * x[i];
      yy += w * y[i] * y[i];
    }
  }
  return xx > 0 && yy > 0 ? xy / Math.sqrt(xx * yy) : 0;
}

/** Interleaved stereo samples as two channels. */
export function deinterleave(samples: Float32Array): [Float32Array, Float32Array] {
  const frames = Math.floor(samples.length / 2);
  const left = new Float32Array(frames);
  const right = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    left[i] = samples[2 * i];
    right[i] = samples[2 * i + 1];
  }
  return [left, right];
}

/** Clip by clip, from the first: invert a clip when its sound correlates negatively with the (possibly inverted) one before. */
export function polarities(correlations: (number | null)[]): boolean[] {
  const inverted = [false];
  correlations.forEach((r, k) => {
    const effective = (r ?? 0) * (inverted[k] ? -1 : 1);
    inverted.push(effective < 0);
  });
  return inverted;
}

/** One window of a clip's sound, stereo 32-bit float (interleaved) at the join's rate, on the clip's own clock. */
export function decodeWindowArgs(clip: string, window: AudioWindow, outRaw: string): string[] {
  const from = Number(Math.max(0, window.fromSec).toFixed(6));
  return [
    '-i', clip, '-map', '0:a:0', '-vn',
    '-af', `atrim=start=${from},asetpts=PTS-STARTPTS,aresample=${JOIN_SAMPLE_RATE},atrim=end_sample=${window.samples}`,
    '-ac', '2', '-f', 'f32le', outRaw,
  ];
}
