// The ffmpeg filter graphs of the LTX-2 stand-in, built from a ClipDrift (pure strings, no I/O).
// Time-dependent parts use τ = seconds since motion started (after the static head), so the head
// frames are identical. Motion that returns: the picture sways on a small circle that closes at the
// last frame, and a soft "flurry" layer drifts over it, fading in after the head and out by the last
// frame, so every frame after the head moves while the last frame keeps the input's geometry.
import type { ClipDrift, Timbre } from './drift';
import { filterValue } from './util';

export interface ClipGeometry {
  width: number;
  height: number;
  fps: number;
  frames: number;
}

export interface VideoGraphRequest extends ClipGeometry {
  drift: ClipDrift;
  /** Scales/pads the input to width×height (see fitFilter). */
  fit: string;
  fontFile: string;
  textFile: string;
  /** Per-generation bytes for motion phases and the flurry pattern. */
  hash: Buffer;
}

/** Opacity of the flurry layer: visible, yet the picture stays readable under it. */
const FLURRY_OPACITY = 0.3;

const fixed = (n: number, digits = 4) => n.toFixed(digits);

/** Seconds: when motion starts and when the last frame shows. */
export function clipTimes(g: ClipGeometry, drift: ClipDrift) {
  const head = drift.staticHeadFrames / g.fps;
  const last = (g.frames - 1) / g.fps;
  return { head, last, span: Math.max(last - head, 1 / g.fps) };
}

/** eq: saturation and contrast from `atFirstFrame` of the creep at frame 0 to all of it at the last frame. */
export function gradeFilter(drift: ClipDrift, head: number, span: number): string | undefined {
  if (drift.saturation === 1 && drift.contrast === 1) return undefined;
  const share = `(${fixed(drift.atFirstFrame)}+${fixed(1 - drift.atFirstFrame)}*clip((t-${fixed(head)})/${fixed(span)},0,1))`;
  const toward = (end: number) => `'1+${fixed(end - 1, 5)}*${share}'`;
  return `eq=eval=frame:saturation=${toward(drift.saturation)}:contrast=${toward(drift.contrast)}`;
}

/**
 * Constant offsets, present from frame 0: brightness on luma and the cast on chroma. eq's table darkens
 * luma by one level (floor rounding), so one level is given back whenever eq runs.
 */
export function offsetFilter(drift: ClipDrift, graded: boolean): string | undefined {
  const y = drift.brightness + (graded ? 1 : 0);
  const { u, v } = drift.cast;
  if (y === 0 && u === 0 && v === 0) return undefined;
  const plus = (n: number) => (n < 0 ? `${n}` : `+${n}`);
  return `lutyuv=y='val${plus(y)}':u='val${plus(u)}':v='val${plus(v)}'`;
}

/**
 * Crop position of the picture: frame 0 displaced by `shift`, easing out over settleSec, plus a sway
 * on a circle of radius `sway` px that closes exactly at the last frame (whole turns).
 */
function swayCrop(g: VideoGraphRequest, margin: number, sway: number): string {
  const { head, span } = clipTimes(g, g.drift);
  const tau = `max(0,t-${fixed(head)})`;
  const ease = `pow(max(0,1-${tau}/${fixed(g.drift.settleSec)}),2)`;
  const turns = Math.max(1, Math.round(span / 3));
  const angle = `${fixed((2 * Math.PI * turns) / span, 6)}*${tau}`;
  const turn = g.hash[0] & 1 ? 1 : -1; // clockwise or not, per generation
  const { x, y } = g.drift.shift;
  return (
    `crop=${g.width}:${g.height}:exact=1` +
    `:x='${margin}+round(${x}*${ease}+${sway}*(cos(${angle})-1))'` +
    `:y='${margin}+round(${y}*${ease}+${turn * sway}*sin(${angle}))'`
  );
}

/** The flurry layer: soft grey blobs drifting on a circle, fading in after the head and out by the last frame. */
function flurryLayer(g: VideoGraphRequest): { source: string; overlay: string } {
  const { width: w, height: h, fps, frames } = g;
  const travel = Math.round(w * 0.05);
  const speed = w / 50; // px per frame: 3.2 px per frame at the detector's 160 px
  const omega = (speed * fps) / travel;
  const { head } = clipTimes(g, g.drift);
  const gridW = 20;
  const gridH = Math.max(2, Math.round((gridW * h) / w));
  const seed = g.hash.readUInt32BE(4) % 2 ** 31;
  const fadeIn = g.drift.staticHeadFrames;
  const source =
    `color=c=gray:s=${gridW}x${gridH}:d=1:r=1,format=gray,noise=alls=100:all_seed=${seed},` +
    `scale=${w + 2 * travel}:${h + 2 * travel}:flags=bicubic,gblur=sigma=${fixed(w / gridW / 2, 1)},` +
    `format=yuva420p,lutyuv=a='maxval*${FLURRY_OPACITY}',` +
    `loop=loop=${frames - 1}:size=1:start=0,settb=AVTB,setpts=N/(${fps}*TB),` +
    `fade=t=in:s=${fadeIn}:n=3:alpha=1,fade=t=out:s=${frames - 5}:n=4:alpha=1`;
  const tau = `max(0,t-${fixed(head)})`;
  const overlay =
    `overlay=eof_action=pass:x='-${travel}+round(${travel}*cos(${fixed(omega, 5)}*${tau}))'` +
    `:y='-${travel}+round(${travel}*sin(${fixed(omega, 5)}*${tau}))'`;
  return { source, overlay };
}

/** Title words fading in after the head and out well before the last frame, so captions never stack. */
function captionFilter(g: VideoGraphRequest): string {
  const { head, last } = clipTimes(g, g.drift);
  const size = Math.max(12, Math.round(g.height / 13));
  const from = head + 0.2;
  const to = Math.max(from + 0.4, last - 0.6);
  return (
    `drawtext=fontfile=${filterValue(g.fontFile)}:textfile=${filterValue(g.textFile)}:expansion=none` +
    `:fontsize=${size}:fontcolor=white:shadowx=2:shadowy=2:x=(w-tw)/2:y=h*0.1` +
    `:enable='between(t,${fixed(from)},${fixed(to)})'` +
    `:alpha='clip((t-${fixed(from)})/0.4,0,1)*clip((${fixed(to)}-t)/0.4,0,1)'`
  );
}

/** The whole video graph: input [0:v] → [v]. */
export function videoGraph(g: VideoGraphRequest): string {
  const { width: w, height: h, frames, fps, drift } = g;
  const { head, span } = clipTimes(g, drift);
  const sway = Math.max(2, Math.round(w * 0.008));
  const margin = sway * 2 + 4;
  const grade = gradeFilter(drift, head, span);
  const picture = [
    `[0:v]${g.fit}`, 'setsar=1', 'format=yuv420p',
    `pad=${w + 2 * margin}:${h + 2 * margin}:${margin}:${margin}`,
    `fillborders=left=${margin}:right=${margin}:top=${margin}:bottom=${margin}:mode=mirror`,
    `loop=loop=${frames - 1}:size=1:start=0`, `settb=AVTB`, `setpts=N/(${fps}*TB)`,
    swayCrop(g, margin, sway),
    grade, offsetFilter(drift, grade !== undefined),
  ].filter(Boolean).join(',');
  const parts = [`${picture}[pic]`];
  let current = '[pic]';
  if (drift.blurSigma > 0) {
    // Softness of frame 0, fading out with the shift; only the first frames are blurred.
    const settleFrames = drift.staticHeadFrames + Math.ceil(drift.settleSec * fps) + 1;
    const sigma = fixed(drift.blurSigma * (w / 640), 2);
    parts.push(
      `${current}split[sharp][b]`,
      `[b]trim=end_frame=${settleFrames},gblur=sigma=${sigma},format=yuva420p,` +
        `fade=t=out:st=${fixed(head)}:d=${fixed(drift.settleSec)}:alpha=1[soft]`,
      `[sharp][soft]overlay=eof_action=pass[settled]`,
    );
    current = '[settled]';
  }
  const flurry = flurryLayer(g);
  parts.push(`${flurry.source}[flurry]`, `${current}[flurry]${flurry.overlay},${captionFilter(g)},format=yuv420p[v]`);
  return parts.join(';');
}

/** Partials with tremolo, in one aevalsrc per channel (the right one detuned a little). */
function toneExpression(t: Timbre, detuneHz: number): string {
  const partials = Array.from({ length: t.overtones + 1 }, (_, i) => {
    const k = i + 1;
    return `${fixed(1 / k ** t.rolloff)}*sin(2*PI*${fixed(t.baseHz * k + detuneHz, 2)}*t+${fixed(t.phases[i] ?? 0)})`;
  });
  const tremolo = `(1-${fixed(t.tremoloDepth / 2)}+${fixed(t.tremoloDepth / 2)}*sin(2*PI*${fixed(t.tremoloHz)}*t))`;
  return `0.1*(${partials.join('+')})*${tremolo}`;
}

/** The audio graph → [a]; `gainDb` sets its loudness (measured once, then offset per generation). */
export function audioGraph(t: Timbre, duration: number, seed: number, gainDb = 0): string {
  const tone = `aevalsrc='${toneExpression(t, 0)}|${toneExpression(t, 1.5)}':s=48000:c=stereo:d=${duration}[tone]`;
  const tail = `afade=t=in:d=${fixed(t.attackSec, 3)},volume=${fixed(gainDb, 2)}dB[a]`;
  if (t.noiseLevel <= 0) return `${tone};[tone]${tail}`;
  const noise =
    `anoisesrc=c=${t.noise}:a=${fixed(0.1 * t.noiseLevel)}:seed=${seed}:d=${duration}:r=48000,` +
    'aformat=channel_layouts=stereo[noise]';
  return `${tone};${noise};[tone][noise]amix=inputs=2:duration=first,${tail}`;
}
