// Colour figures of frames, from their pixels: CIELAB (D65) and CIEDE2000 come from culori, so the
// only arithmetic here is averaging. A frame's "look" is what drifts when clips are chained.
import { converter, differenceCiede2000 } from 'culori';

/** One frame (or the mean of a few): mean CIELAB, saturation and contrast. */
export interface Look {
  /** Mean CIELAB over the pixels (L* 0–100). */
  l: number;
  a: number;
  b: number;
  /** Saturation: mean chroma C*ab over the pixels. */
  chroma: number;
  /** Contrast: the spread (standard deviation) of L* over the pixels. */
  contrast: number;
}

/** Raw 8-bit RGB pixels (rgb24, row after row), as ffmpeg writes them. */
export interface RgbFrame {
  width: number;
  height: number;
  pixels: Uint8Array;
}

const toLab = converter('lab65');
const ciede2000 = differenceCiede2000();

/**
 * CIELAB of 8-bit sRGB colours, kept per colour: frames repeat colours, and a grade is refined by
 * measuring the same frame many times. Bounded (about 20 MB) by starting over when full.
 */
const LAB_CACHE = new Map<number, [number, number, number]>();
const LAB_CACHE_LIMIT = 1 << 18;

function labOf(r: number, g: number, b: number): [number, number, number] {
  const key = (r << 16) | (g << 8) | b;
  let lab = LAB_CACHE.get(key);
  if (!lab) {
    const c = toLab({ mode: 'rgb', r: r / 255, g: g / 255, b: b / 255 });
    lab = [c.l, c.a ?? 0, c.b ?? 0];
    if (LAB_CACHE.size >= LAB_CACHE_LIMIT) LAB_CACHE.clear();
    LAB_CACHE.set(key, lab);
  }
  return lab;
}

/** The look of one frame. */
export function lookOf(frame: RgbFrame): Look {
  const count = frame.width * frame.height;
  if (count <= 0 || frame.pixels.length < count * 3) throw new Error(`lookOf: expected ${count * 3} bytes of rgb24, got ${frame.pixels.length}`);
  let sl = 0, sa = 0, sb = 0, sc = 0, sll = 0;
  for (let i = 0; i < count; i++) {
    const [l, a, b] = labOf(frame.pixels[i * 3], frame.pixels[i * 3 + 1], frame.pixels[i * 3 + 2]);
    sl += l;
    sll += l * l;
    sa += a;
    sb += b;
    sc += Math.hypot(a, b);
  }
  const l = sl / count;
  return { l, a: sa / count, b: sb / count, chroma: sc / count, contrast: Math.sqrt(Math.max(0, sll / count - l * l)) };
}

/** The mean of several looks (e.g. the last three frames of a clip). */
export function meanLook(looks: Look[]): Look {
  if (looks.length === 0) throw new Error('meanLook: no looks');
  const mean = (pick: (l: Look) => number) => looks.reduce((acc, look) => acc + pick(look), 0) / looks.length;
  return { l: mean((x) => x.l), a: mean((x) => x.a), b: mean((x) => x.b), chroma: mean((x) => x.chroma), contrast: mean((x) => x.contrast) };
}

/** CIEDE2000 between the mean colours of two looks. */
export function deltaE2000(x: Look, y: Look): number {
  return ciede2000({ mode: 'lab65', l: x.l, a: x.a, b: x.b }, { mode: 'lab65', l: y.l, a: y.a, b: y.b });
}

/** How a look differs from a reference: ΔE2000 of the means, and saturation and contrast as ratios − 1. */
export interface LookDrift {
  deltaE: number;
  /** +0.2 = 20 % more saturated than the reference. */
  saturation: number;
  contrast: number;
}

export function driftFrom(reference: Look, look: Look): LookDrift {
  const ratio = (value: number, ref: number) => (ref > 1e-6 ? value / ref - 1 : 0);
  return {
    deltaE: deltaE2000(reference, look),
    saturation: ratio(look.chroma, reference.chroma),
    contrast: ratio(look.contrast, reference.contrast),
  };
}

/** Rounds every number of a record for reports (figures, not float noise). */
export function rounded<T extends object>(value: T, digits = 3): T {
  const factor = 10 ** digits;
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === 'number' ? Math.round(v * factor) / factor : v))) as T;
}
