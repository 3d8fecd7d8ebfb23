// Colour matching: a grade fitted in eq's own arithmetic takes a drifted clip back to the anchor,
// measured through ffmpeg itself (the filters the join and the seed grade run).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../functions/adapters/binaries';
import { gradeImage, imageFrame, sampleFrames } from '../../functions/adapters/looks';
import { driftFrom, lookOf, type RgbFrame } from '../../functions/domain/colour';
import { fitGrade, GRADE_BOUNDS, gradeFilters, gradeImageFilters, gradeTargetOf, type Grade } from '../../functions/domain/grade';

const uniform = (rgb: [number, number, number], n = 4): RgbFrame => ({ width: n, height: 1, pixels: Uint8Array.from(Array.from({ length: n }, () => rgb).flat()) });

describe('gradeTargetOf', () => {
  it('reads BT.601 limited-range code values: mid grey is Y 126, neutral chroma', () => {
    const target = gradeTargetOf(uniform([128, 128, 128]));
    expect(target.y).toBeCloseTo(16 + (219 * 128) / 255, 6);
    expect(target.u).toBeCloseTo(128, 6);
    expect(target.v).toBeCloseTo(128, 6);
    expect(target.ySd).toBeCloseTo(0, 6);
    expect(target.chromaRadius).toBeCloseTo(0, 6);
  });
});

describe('fitGrade bounds', () => {
  it('clamps a grade that would have to force a very different picture onto the anchor', () => {
    const anchor = gradeTargetOf({ width: 2, height: 1, pixels: Uint8Array.from([20, 20, 20, 230, 230, 230]) });
    const flatBlue = uniform([40, 60, 200]);
    const grade = fitGrade([flatBlue], [flatBlue], anchor, lookOf({ width: 2, height: 1, pixels: Uint8Array.from([20, 20, 20, 230, 230, 230]) }));
    expect(grade.clamped).toBe(true);
    expect(grade.tail.contrast).toBeLessThanOrEqual(GRADE_BOUNDS.contrast[1]);
    expect(Math.abs(grade.cast.u)).toBeLessThanOrEqual(GRADE_BOUNDS.cast);
    expect(Math.abs(grade.cast.v)).toBeLessThanOrEqual(GRADE_BOUNDS.cast);
  });
});

describe('gradeFilters', () => {
  const grade: Grade = {
    head: { contrast: 1, brightness: 0.01, saturation: 0.9 },
    tail: { contrast: 0.95, brightness: 0.01, saturation: 0.8 },
    cast: { u: 1.5, v: -2 },
    clamped: false,
  };
  it('ramps what changes from head to tail over the kept frames, holds what does not', () => {
    const filters = gradeFilters(grade, 9.96);
    expect(filters).toContain("lutyuv=u='clip(round(val+1.5),minval,maxval)':v='clip(round(val+-2),minval,maxval)'");
    expect(filters).toContain("contrast='1+(-0.05)*min(t/9.96,1)'");
    expect(filters).toContain(':brightness=0.01:');
    expect(filters).toContain("saturation='0.9+(-0.1)*min(t/9.96,1)'");
    expect(filters).toMatch(/eval=frame$/);
  });
  it('a one-frame clip takes the tail grade', () => {
    expect(gradeFilters(grade, 0)).toContain('contrast=0.95:');
  });
  it('the seed image gets the tail grade, in full-chroma Y′CbCr and back', () => {
    expect(gradeImageFilters(grade)).toMatch(/^format=yuv444p,lutyuv=.*eq=contrast=0.95:brightness=0.01:saturation=0.8:gamma=1.0001.*,format=rgb24$/);
  });
});

describe('a drifted clip graded back to its anchor (real ffmpeg)', () => {
  let dir: string;
  let anchor: RgbFrame;
  let grade: Grade;
  const raster = () => join(dir, 'x.rgb');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'grade-test-'));
    // A natural-looking picture (gradient, waves), then a clip whose saturation and contrast creep
    // up over 4 s, with a red cast and a brightness shift, as chained models do.
    await runFfmpeg(['-f', 'lavfi', '-i', "nullsrc=s=320x180:d=1,geq=r='clip(60+120*X/W+24*sin(X/15),0,255)':g='clip(90+60*Y/H,0,255)':b='clip(150-80*X/W+20*cos(Y/10),0,255)',format=rgb24", '-frames:v', '1', join(dir, 'anchor.png')]);
    await runFfmpeg(['-loop', '1', '-i', join(dir, 'anchor.png'), '-vf', "format=yuv420p,hue=s='1.03+0.08*t/4',eq=contrast='1.02+0.05*t/4':brightness=0.01:eval=frame,colorchannelmixer=rr=1.03:bb=0.97", '-t', '4', '-r', '25', '-c:v', 'libx264', '-crf', '12', '-pix_fmt', 'yuv420p', join(dir, 'clip.mp4')]);
    anchor = await imageFrame(join(dir, 'anchor.png'), raster());
    const frames = await sampleFrames(join(dir, 'clip.mp4'), [0, 99], raster());
    grade = fitGrade([frames.get(0)!], [frames.get(99)!], gradeTargetOf(anchor), lookOf(anchor));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('drifted before: saturation and contrast up at the end', async () => {
    const tail = (await sampleFrames(join(dir, 'clip.mp4'), [99], raster())).get(99)!;
    const drift = driftFrom(lookOf(anchor), lookOf(tail));
    expect(drift.saturation).toBeGreaterThan(0.1);
    expect(drift.contrast).toBeGreaterThan(0.07);
  });

  it.each([
    ['first', 0, 0.03],
    ['middle (the ramp between two fitted ends)', 50, 0.03],
    ['last', 99, 0.03],
  ])('graded: the %s frame is within 0.5 ΔE and %d of the anchor’s saturation and contrast', async (_which, n, tolerance) => {
    const graded = join(dir, 'graded.mp4');
    await runFfmpeg(['-i', join(dir, 'clip.mp4'), '-vf', gradeFilters(grade, 99 / 25), '-c:v', 'libx264', '-crf', '12', graded]);
    const drift = driftFrom(lookOf(anchor), lookOf((await sampleFrames(graded, [n], raster())).get(n)!));
    expect(drift.deltaE).toBeLessThan(0.5);
    expect(Math.abs(drift.saturation)).toBeLessThan(tolerance);
    expect(Math.abs(drift.contrast)).toBeLessThan(tolerance);
  });

  it('the graded last frame (the next seed) is back on the anchor', async () => {
    await runFfmpeg(['-sseof', '-0.3', '-i', join(dir, 'clip.mp4'), '-sws_flags', 'bicubic+accurate_rnd+full_chroma_int', '-update', '1', join(dir, 'last.png')]);
    await gradeImage(join(dir, 'last.png'), gradeImageFilters(grade), join(dir, 'seed.png'));
    const drift = driftFrom(lookOf(anchor), lookOf(await imageFrame(join(dir, 'seed.png'), raster())));
    expect(drift.deltaE).toBeLessThan(0.5);
    expect(Math.abs(drift.saturation)).toBeLessThan(0.02);
  });
});
