// What a grade does to a frame, computed the way ffmpeg does it (lutyuv, then eq's lookup table,
// then BT.601 back to RGB), so a grade can be refined against the anchor's CIELAB figures before
// ffmpeg ever runs it. Checked against ffmpeg's own output in test/unit/grade.test.ts.
import { lookOf, type Look, type RgbFrame } from './colour';

/** Y'CbCr code values (BT.601 limited range) of pooled pixels. */
export interface YuvPixels {
  y: Float64Array;
  u: Float64Array;
  v: Float64Array;
}

/** BT.601 limited-range Y'CbCr, the matrix ffmpeg's swscale uses for untagged video. */
export function yuvPixelsOf(frames: RgbFrame[]): YuvPixels {
  const n = frames.reduce((sum, f) => sum + f.width * f.height, 0);
  const px = { y: new Float64Array(n), u: new Float64Array(n), v: new Float64Array(n) };
  let i = 0;
  for (const frame of frames) {
    for (let k = 0; k < frame.width * frame.height; k++, i++) {
      const r = frame.pixels[k * 3] / 255;
      const g = frame.pixels[k * 3 + 1] / 255;
      const b = frame.pixels[k * 3 + 2] / 255;
      px.y[i] = 16 + 65.481 * r + 128.553 * g + 24.966 * b;
      px.u[i] = 128 - 37.797 * r - 74.203 * g + 112.0 * b;
      px.v[i] = 128 + 112.0 * r - 93.786 * g - 18.214 * b;
    }
  }
  return px;
}

/** One end of a grade: eq's parameters and the Cb/Cr offsets lutyuv adds first. */
export interface GradeSettings {
  contrast: number;
  brightness: number;
  saturation: number;
  castU: number;
  castV: number;
}

/** eq's table (gamma a hair off 1): ⌊256·(c·(i/255 − ½) + ½ + b)⌋, 0 and 255 at the ends. */
function eqTable(c: number, b: number): Uint8Array {
  const table = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    const v = c * (i / 255 - 0.5) + 0.5 + b;
    table[i] = v <= 0 ? 0 : v >= 1 ? 255 : Math.floor(256 * v);
  }
  return table;
}

const clampCode = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(v)));

/** The look of `px` after the grade, as ffmpeg would render and then decode it to RGB. */
export function simulateLook(px: YuvPixels, g: GradeSettings): Look {
  const luma = eqTable(g.contrast, g.brightness);
  const chroma = eqTable(g.saturation, 0);
  const n = px.y.length;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const y = (luma[clampCode(px.y[i], 0, 255)] - 16) / 219;
    const cb = (chroma[clampCode(px.u[i] + g.castU, 16, 240)] - 128) / 224;
    const cr = (chroma[clampCode(px.v[i] + g.castV, 16, 240)] - 128) / 224;
    rgb[i * 3] = clampCode(255 * (y + 1.402 * cr), 0, 255);
    rgb[i * 3 + 1] = clampCode(255 * (y - 0.344136 * cb - 0.714136 * cr), 0, 255);
    rgb[i * 3 + 2] = clampCode(255 * (y + 1.772 * cb), 0, 255);
  }
  return lookOf({ width: n, height: 1, pixels: rgb });
}

/**
 * Moves a grade until the simulated look meets `target`: contrast and saturation scale the spread of
 * L* and the mean chroma, brightness moves mean L*, and (unless `fixedCast`) the Cb/Cr offsets move
 * mean a*, b* through their measured effect. A few rounds settle it well under 0.1 ΔE.
 */
export function refineTowards(px: YuvPixels, start: GradeSettings, target: Look, fixedCast: boolean, rounds = 4): GradeSettings {
  let g = { ...start };
  for (let round = 0; round < rounds; round++) {
    const now = simulateLook(px, g);
    g = {
      ...g,
      contrast: now.contrast > 0.05 ? g.contrast * (target.contrast / now.contrast) : g.contrast,
      saturation: now.chroma > 0.05 ? g.saturation * (target.chroma / now.chroma) : g.saturation,
      // One L* is about 2.19 code values of luma; eq's brightness counts in 256ths.
      brightness: g.brightness + ((target.l - now.l) * 2.19) / 256,
    };
    if (fixedCast) continue;
    const base = simulateLook(px, g);
    const du = simulateLook(px, { ...g, castU: g.castU + 2 });
    const dv = simulateLook(px, { ...g, castV: g.castV + 2 });
    // Solve [∂a/∂u ∂a/∂v; ∂b/∂u ∂b/∂v]·d = (Δa, Δb).
    const [j11, j12, j21, j22] = [(du.a - base.a) / 2, (dv.a - base.a) / 2, (du.b - base.b) / 2, (dv.b - base.b) / 2];
    const det = j11 * j22 - j12 * j21;
    if (Math.abs(det) < 1e-6) continue;
    const ea = target.a - base.a;
    const eb = target.b - base.b;
    g.castU += (j22 * ea - j12 * eb) / det;
    g.castV += (j11 * eb - j21 * ea) / det;
  }
  return g;
}
