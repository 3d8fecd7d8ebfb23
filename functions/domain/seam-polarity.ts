// Which clips' sound to play in inverted polarity so that no crossfade cancels. Over a 120 ms window
// two sound tracks can be correlated by chance (low tones hold only a few cycles), and an
// equal-power crossfade of negatively correlated sound dips by several dB. Absolute polarity is
// inaudible, so a clip whose sound would cancel against the outgoing one is simply inverted; with the
// correlation then zero or positive, the crossfade holds or slightly lifts the level.
import type { SeamSpan } from './join-audio';
import { JOIN_SAMPLE_RATE } from './join-audio';

/** The stretch of one clip's sound, on its own clock (onset.ts reads a clip's first second). */
export interface AudioWindow {
  input: number;
  fromSec: number;
  samples: number;
}

/** A stretch of a sound piece (segment-recipe.ts), in samples from the piece's start. */
export interface PieceWindow {
  segment: number;
  offset: number;
  samples: number;
}

/**
 * What each seam's crossfade mixes, sample for sample: the outgoing piece's last `head` kept samples
 * and its `tail` extension, against the incoming piece's `head` extension and first `tail` kept
 * samples. Null where either side is silent or the seam is a hard cut.
 */
export function pieceWindows(
  pieces: { hasAudio: boolean; samples: number; extensionSamples: number }[],
  spans: SeamSpan[],
): ({ outgoing: PieceWindow; incoming: PieceWindow } | null)[] {
  return spans.map((span, k) => {
    const [out, inc] = [pieces[k], pieces[k + 1]];
    const length = span.head + span.tail;
    if (!out.hasAudio || !inc.hasAudio || length === 0) return null;
    return {
      outgoing: { segment: k, offset: out.extensionSamples + out.samples - span.head, samples: length },
      incoming: { segment: k + 1, offset: inc.extensionSamples - span.head, samples: length },
    };
  });
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
