// Colour figures: CIELAB means, chroma and spread from rgb24 pixels, CIEDE2000 between means.
import { describe, expect, it } from 'vitest';
import { deltaE2000, driftFrom, lookOf, meanLook, rounded, type Look, type RgbFrame } from '../../functions/domain/colour';

const frameOf = (...colours: [number, number, number][]): RgbFrame => ({
  width: colours.length,
  height: 1,
  pixels: Uint8Array.from(colours.flat()),
});

describe('lookOf', () => {
  it.each([
    ['white', [255, 255, 255], { l: 100, a: 0, b: 0 }],
    ['black', [0, 0, 0], { l: 0, a: 0, b: 0 }],
    // sRGB red in CIELAB D65 (Bruce Lindbloom's calculator): 53.24, 80.09, 67.20
    ['red', [255, 0, 0], { l: 53.24, a: 80.09, b: 67.2 }],
  ] as const)('a %s frame has its colour as the mean, no spread', (_name, rgb, lab) => {
    const look = lookOf(frameOf([...rgb], [...rgb]));
    expect(look.l).toBeCloseTo(lab.l, 1);
    expect(look.a).toBeCloseTo(lab.a, 1);
    expect(look.b).toBeCloseTo(lab.b, 1);
    expect(look.chroma).toBeCloseTo(Math.hypot(lab.a, lab.b), 1);
    expect(look.contrast).toBeCloseTo(0, 6);
  });

  it('contrast is the spread of L*: half black, half white → 50', () => {
    const look = lookOf(frameOf([0, 0, 0], [255, 255, 255], [0, 0, 0], [255, 255, 255]));
    expect(look.l).toBeCloseTo(50, 3);
    expect(look.contrast).toBeCloseTo(50, 3);
  });

  it('saturation is the mean chroma of the pixels, not the chroma of the mean', () => {
    // Red and cyan average to a grey mean colour, but each pixel is saturated.
    const look = lookOf(frameOf([200, 60, 60], [60, 200, 200]));
    expect(look.chroma).toBeGreaterThan(2.5 * Math.hypot(look.a, look.b));
  });

  it('refuses a raster shorter than its size', () => {
    expect(() => lookOf({ width: 4, height: 4, pixels: new Uint8Array(10) })).toThrow(/expected 48 bytes/);
  });
});

describe('meanLook', () => {
  it('averages every figure', () => {
    const a: Look = { l: 10, a: 2, b: -4, chroma: 5, contrast: 8 };
    const b: Look = { l: 30, a: 4, b: 0, chroma: 7, contrast: 12 };
    expect(meanLook([a, b])).toEqual({ l: 20, a: 3, b: -2, chroma: 6, contrast: 10 });
  });
  it('refuses nothing to average', () => expect(() => meanLook([])).toThrow(/no looks/));
});

describe('deltaE2000', () => {
  // Sharma, Wu, Dalal (2005) test data, pairs 1, 7 and 17.
  it.each([
    [{ l: 50, a: 2.6772, b: -79.7751 }, { l: 50, a: 0, b: -82.7485 }, 2.0425],
    [{ l: 50, a: 0, b: 0 }, { l: 50, a: -1, b: 2 }, 2.3669],
    [{ l: 50, a: 2.5, b: 0 }, { l: 73, a: 25, b: -18 }, 27.1492],
  ])('%j vs %j = %d', (x, y, expected) => {
    const look = (lab: { l: number; a: number; b: number }): Look => ({ ...lab, chroma: 0, contrast: 0 });
    expect(deltaE2000(look(x), look(y))).toBeCloseTo(expected, 3);
  });
});

describe('driftFrom', () => {
  const reference: Look = { l: 50, a: 10, b: 10, chroma: 20, contrast: 10 };
  it('gives saturation and contrast as ratios minus one', () => {
    const drift = driftFrom(reference, { ...reference, chroma: 25, contrast: 9 });
    expect(drift.deltaE).toBe(0);
    expect(drift.saturation).toBeCloseTo(0.25, 9);
    expect(drift.contrast).toBeCloseTo(-0.1, 9);
  });
  it('treats a reference without chroma or spread as no change', () => {
    const flat = { ...reference, chroma: 0, contrast: 0 };
    expect(driftFrom(flat, reference)).toMatchObject({ saturation: 0, contrast: 0 });
  });
});

describe('rounded', () => {
  it('rounds every number, however deep, and keeps the rest', () => {
    expect(rounded({ a: 1.23456, b: [2.71828], c: { d: 'x', e: null } }, 2)).toEqual({ a: 1.23, b: [2.72], c: { d: 'x', e: null } });
  });
});
