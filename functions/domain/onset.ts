// Sound that fades in from near silence at the start of a clip (facts.md: a known seam problem of
// image-to-video models) would leave a dip at every seam that no crossfade can fill: the incoming
// sound is not there yet. The join levels such an onset instead: from the clip's measured envelope,
// a gain that lifts its first blocks to its own steady level, so the clip sounds from its first
// kept frame as it does a moment later. The film's first clip keeps its fade-in.

/** Seconds of a clip's start that are examined; onsets longer than ~0.7 s are left alone. */
export const ONSET_WINDOW_SEC = 1.0;
const BLOCK_SEC = 0.01;
const STEADY_FROM_SEC = 0.75;
/** Never lift by more than this: near-silence stays quiet rather than turning into amplified noise. */
export const MAX_LIFT_DB = 24;

/** A gain curve on the clip's own clock: [seconds, dB] points, linear in between, 0 dB after the last. */
export type OnsetLevelling = [number, number][];

const db = (ratio: number) => 20 * Math.log10(ratio);

/**
 * The levelling for a clip whose sound starts below its steady level, or null when it starts at it
 * (within 1 dB after 20 ms) or is silent. Points every 20 ms until the onset has risen to 1 dB under
 * the steady level (the median block RMS after 0.75 s). `samples` are interleaved: per channel, not a mono downmix, because slightly detuned channels beat
 * against each other in a downmix and fake a dip in the envelope.
 */
export function onsetLevelling(samples: Float32Array, sampleRate: number, channels = 2): OnsetLevelling | null {
  const block = Math.round(sampleRate * BLOCK_SEC) * channels;
  const rms: number[] = [];
  for (let start = 0; start + block <= samples.length; start += block) {
    let sum = 0;
    for (let i = start; i < start + block; i++) sum += samples[i] * samples[i];
    rms.push(Math.sqrt(sum / block));
  }
  const steadyBlocks = rms.slice(Math.round(STEADY_FROM_SEC / BLOCK_SEC)).sort((a, b) => a - b);
  if (steadyBlocks.length === 0) return null;
  const steady = steadyBlocks[Math.floor(steadyBlocks.length / 2)];
  if (!(steady > 1e-4)) return null;
  const risen = rms.findIndex((r) => db(r / steady) >= -1);
  if (risen <= 2) return null;
  // Smooth over three blocks so the curve follows the envelope, not single-block noise.
  const smooth = (i: number) => (rms[Math.max(0, i - 1)] + rms[i] + rms[Math.min(rms.length - 1, i + 1)]) / 3;
  const points: OnsetLevelling = [];
  for (let i = 0; i <= risen; i += 2) {
    const lift = Math.min(MAX_LIFT_DB, Math.max(0, db(steady / Math.max(smooth(i), 1e-9))));
    points.push([Number(((i + 0.5) * BLOCK_SEC).toFixed(3)), Number(lift.toFixed(2))]);
  }
  points.push([Number(((risen + 2) * BLOCK_SEC).toFixed(3)), 0]);
  return points;
}

/**
 * An ffmpeg `volume` expression for the curve, on a clock that starts `offsetSec` into the clip's
 * sound (the join cuts each clip's sound from its kept start, or a little before it).
 */
export function levellingVolume(curve: OnsetLevelling, offsetSec: number): string {
  const t = (i: number) => (curve[i][0] - offsetSec).toFixed(4);
  const g = (i: number) => curve[i][1];
  let rest = '1';
  for (let i = curve.length - 2; i >= 0; i--) {
    const slope = (g(i + 1) - g(i)) / (curve[i + 1][0] - curve[i][0]);
    rest = `if(lt(t,${t(i + 1)}),pow(10,(${g(i).toFixed(3)}+${slope.toFixed(4)}*(t-${t(i)}))/20),${rest})`;
  }
  const expr = `if(lt(t,${t(0)}),pow(10,${g(0).toFixed(3)}/20),${rest})`;
  // 5 ms frames: eval=frame holds one gain per frame, so the curve moves in small steps.
  return `asetnsamples=n=240:p=0,volume='${expr}':eval=frame`;
}
