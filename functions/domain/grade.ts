// Colour matching towards the anchor. The grade is fitted on the clip's first kept frame and its
// last frame against the anchor's statistics, in the Y'CbCr code values ffmpeg's `eq` works on, and
// applied by ffmpeg (lutyuv for the cast, eq for contrast, brightness and saturation) — in the join's
// one encode, and on the last frame before it seeds the next scene, so drift cannot compound.
import type { Look, RgbFrame } from './colour';
import { refineTowards, yuvPixelsOf, type GradeSettings, type YuvPixels } from './grade-simulation';

/** Y'CbCr statistics of the anchor that a clip is graded towards (8-bit code values, BT.601). */
export interface GradeTarget {
  y: number;
  ySd: number;
  u: number;
  v: number;
  /** Mean distance of (Cb, Cr) from neutral grey: what saturation scales. */
  chromaRadius: number;
}

/** One end of the ramp: ffmpeg `eq` parameters. */
export interface GradePoint {
  contrast: number;
  brightness: number;
  saturation: number;
}

export interface Grade {
  /** Fitted on the first kept frame; the grade moves linearly to `tail` over the kept frames. */
  head: GradePoint;
  /** Fitted on the last frame: what the next scene's seed gets. */
  tail: GradePoint;
  /** Code values added to Cb and Cr before `eq` (the mean of both ends: lutyuv cannot ramp). */
  cast: { u: number; v: number };
  /** True when a parameter hit its bound: the clip looks unlike the anchor, not merely drifted. */
  clamped: boolean;
}

/**
 * How far a grade may go. Matching removes drift; a scene that legitimately looks different (night
 * after day) must not be forced to the anchor's colours, so the correction is bounded.
 */
export const GRADE_BOUNDS = {
  contrast: [0.7, 1.4],
  brightness: [-0.15, 0.15],
  saturation: [0.5, 1.6],
  cast: 16,
} as const;

const mean = (values: Float64Array) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const sd = (values: Float64Array, m = mean(values)) => Math.sqrt(Math.max(0, values.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, values.length)));

function radius(px: YuvPixels, du: number, dv: number): number {
  let sum = 0;
  for (let i = 0; i < px.u.length; i++) sum += Math.hypot(px.u[i] - 128 + du, px.v[i] - 128 + dv);
  return sum / Math.max(1, px.u.length);
}

export function gradeTargetOf(frame: RgbFrame): GradeTarget {
  const px = yuvPixelsOf([frame]);
  const y = mean(px.y);
  return { y, ySd: sd(px.y, y), u: mean(px.u), v: mean(px.v), chromaRadius: radius(px, 0, 0) };
}

const clampTo = (value: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, value));

/**
 * ffmpeg's eq, on its lookup-table path (see EQ_EXACT), maps a luma code value i to
 * ⌊256·(c·(i/255 − ½) + ½ + b)⌋ and Cb/Cr to ⌊256·(s·(i/255 − ½) + ½)⌋. Contrast and brightness
 * match the anchor's luma spread and mean; saturation matches its mean chroma radius once the cast
 * (du, dv) has moved the mean chroma onto the anchor's. Truncation costs half a code value on average.
 */
function fitLuma(px: YuvPixels, target: GradeTarget): Pick<GradePoint, 'contrast' | 'brightness'> {
  const y = mean(px.y);
  const ySd = sd(px.y, y);
  const contrast = ySd > 0.5 ? (target.ySd * 255) / (256 * ySd) : 1;
  return { contrast, brightness: (target.y + 0.5) / 256 - 0.5 - contrast * (y / 255 - 0.5) };
}

function fitSaturation(px: YuvPixels, target: GradeTarget, du: number, dv: number): number {
  const r = radius(px, du, dv);
  return r > 0.5 ? ((target.chromaRadius / r) * 255) / 256 : 1;
}

/** The cast that, after saturation `s`, puts the mean chroma on the anchor's. */
function fitCast(px: YuvPixels, target: GradeTarget, s: number): { u: number; v: number } {
  const k = (s * 256) / 255;
  const shift = (targetMean: number, sourceMean: number) => (targetMean - 128 + 0.5) / k - (sourceMean - 127.5);
  return { u: shift(target.u, mean(px.u)), v: shift(target.v, mean(px.v)) };
}

function fitEnd(px: YuvPixels, target: GradeTarget): { point: GradePoint; cast: { u: number; v: number } } {
  let cast = { u: 0, v: 0 };
  let saturation = 1;
  // Saturation and cast depend on each other; three rounds settle them to well under a code value.
  for (let round = 0; round < 3; round++) {
    saturation = fitSaturation(px, target, cast.u, cast.v);
    cast = fitCast(px, target, saturation);
  }
  return { point: { ...fitLuma(px, target), saturation }, cast };
}

const settingsOf = (fit: { point: GradePoint; cast: { u: number; v: number } }): GradeSettings => ({ ...fit.point, castU: fit.cast.u, castV: fit.cast.v });

/**
 * The grade that takes a clip from its own look to the anchor's: `head` and `tail` are its first
 * kept frames and its last frames. Each end is fitted in closed form on Y'CbCr statistics, then
 * refined on CIELAB (what the figures measure); the two ends share one cast, since lutyuv cannot
 * ramp, and keep their own contrast, brightness and saturation.
 */
export function fitGrade(head: RgbFrame[], tail: RgbFrame[], target: GradeTarget, targetLook: Look): Grade {
  const headPx = yuvPixelsOf(head);
  const tailPx = yuvPixelsOf(tail);
  const headFit = refineTowards(headPx, settingsOf(fitEnd(headPx, target)), targetLook, false);
  const tailFit = refineTowards(tailPx, settingsOf(fitEnd(tailPx, target)), targetLook, false);
  let clamped = false;
  const bound = (value: number, range: readonly [number, number]) => {
    const kept = clampTo(value, range);
    if (Math.abs(kept - value) > 1e-9) clamped = true;
    return kept;
  };
  const castBound = (value: number) => bound(value, [-GRADE_BOUNDS.cast, GRADE_BOUNDS.cast]);
  const cast = { u: castBound((headFit.castU + tailFit.castU) / 2), v: castBound((headFit.castV + tailFit.castV) / 2) };
  // With the shared cast fixed, refine each end's contrast, brightness and saturation again.
  const end = (px: YuvPixels, fit: GradeSettings): GradePoint => {
    const g = refineTowards(px, { ...fit, castU: cast.u, castV: cast.v }, targetLook, true, 2);
    return {
      contrast: bound(g.contrast, GRADE_BOUNDS.contrast),
      brightness: bound(g.brightness, GRADE_BOUNDS.brightness),
      saturation: bound(g.saturation, GRADE_BOUNDS.saturation),
    };
  };
  return { head: end(headPx, headFit), tail: end(tailPx, tailFit), cast, clamped };
}

const num = (value: number) => Number(value.toFixed(5)).toString();

/**
 * With every gamma exactly 1, eq takes an integer path whose brightness moves in steps of 0.01
 * (2.5 code values, about 1 ΔE); a gamma a hair off 1 selects its exact lookup table instead.
 */
const EQ_EXACT = 'gamma=1.0001:gamma_r=1.0001:gamma_b=1.0001';

function castFilter(cast: Grade['cast']): string {
  return `lutyuv=u='clip(round(val+${num(cast.u)}),minval,maxval)':v='clip(round(val+${num(cast.v)}),minval,maxval)'`;
}

/**
 * The grade as ffmpeg filters for a clip's kept frames (their clock starting at 0): the eq
 * parameters move from head to tail over `spanSec` (first to last kept frame).
 */
export function gradeFilters(grade: Grade, spanSec: number): string {
  const ramp = (from: number, to: number) =>
    Math.abs(to - from) < 1e-6 || spanSec <= 0 ? num(to) : `'${num(from)}+(${num(to - from)})*min(t/${num(spanSec)},1)'`;
  return [
    castFilter(grade.cast),
    `eq=contrast=${ramp(grade.head.contrast, grade.tail.contrast)}` +
      `:brightness=${ramp(grade.head.brightness, grade.tail.brightness)}` +
      `:saturation=${ramp(grade.head.saturation, grade.tail.saturation)}:${EQ_EXACT}:eval=frame`,
  ].join(',');
}

/** The tail of the grade, for a single image (the last frame that becomes the next seed). */
export function gradeImageFilters(grade: Grade): string {
  const { contrast, brightness, saturation } = grade.tail;
  return ['format=yuv444p', castFilter(grade.cast), `eq=contrast=${num(contrast)}:brightness=${num(brightness)}:saturation=${num(saturation)}:${EQ_EXACT}`, 'format=rgb24'].join(',');
}
