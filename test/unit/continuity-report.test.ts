// continuity.json from measurements: per clip, per seam and film figures.
import { describe, expect, it } from 'vitest';
import { buildContinuityReport, continuitySummary, slope, type SceneMeasurement } from '../../functions/domain/continuity-report';
import { CONTINUITY_DEFAULTS } from '../../functions/domain/continuity-settings';
import type { Look } from '../../functions/domain/colour';
import type { ClipCorrections } from '../../functions/domain/continuity';

const anchor: Look = { l: 50, a: 10, b: 10, chroma: 20, contrast: 10 };
const shifted = (dl: number, k = 1): Look => ({ ...anchor, l: anchor.l + dl, chroma: anchor.chroma * k, contrast: anchor.contrast * k });
const corrections = (more: Partial<ClipCorrections> = {}): ClipCorrections => ({
  headTrimFrames: 1,
  frozenHeadFrames: 0,
  grade: null,
  gainDb: 0,
  gainCapped: false,
  loudness: { integratedLufs: -20, truePeakDbtp: -6 },
  onsetLevelling: null,
  looks: { head: shifted(1), tail: shifted(4, 1.2) },
  ...more,
});
const scene = (i: number, first: Look, last: Look, more: Partial<ClipCorrections> = {}): SceneMeasurement => ({
  span: { step: `scene-${i}`, name: `name ${i}`, startFrame: (i - 1) * 100, frames: 100 },
  first,
  last,
  corrections: corrections(more),
});
const meta = { runId: 'r', strategy: 'chain' as const, settings: CONTINUITY_DEFAULTS };
const audio = (jumpLu: number, dipDb: number) => ({ beforeLufs: -16, afterLufs: -16 + jumpLu, jumpLu, dipDb });

describe('slope', () => {
  it.each([
    [[1, 2, 3], 1],
    [[3, 3, 3], 0],
    [[2, 0], -2],
  ])('%j → %d', (values, expected) => expect(slope(values)).toBeCloseTo(expected, 9));
  it('needs two points', () => expect(slope([4])).toBeNull());
});

describe('buildContinuityReport', () => {
  const report = buildContinuityReport(meta, {
    anchor,
    scenes: [scene(1, shifted(0), shifted(2)), scene(2, shifted(2.5), shifted(4), { frozenHeadFrames: 3, headTrimFrames: 4 }), scene(3, shifted(4), shifted(6, 1.3))],
    seams: [
      { ssimSeedToFirstFrame: 0.95, stillRun: 1, audio: audio(0.4, -0.2) },
      { ssimSeedToFirstFrame: 0.9, stillRun: 2, audio: audio(-1.5, -2.5) },
    ],
  });

  it('places each clip and compares its ends with the anchor', () => {
    expect(report.clips.map((c) => [c.step, c.startFrame, c.frames])).toEqual([['scene-1', 0, 100], ['scene-2', 100, 100], ['scene-3', 200, 100]]);
    expect(report.clips[2].last.vsAnchor).toMatchObject({ saturation: 0.3, contrast: 0.3 });
    expect(report.clips[0].generated.last).toMatchObject({ saturation: 0.2 });
  });

  it('measures each seam from the last frames of one scene to the first kept frames of the next', () => {
    expect(report.seams[0]).toMatchObject({ from: 'scene-1', to: 'scene-2', atFrame: 100, trimmedFrames: 4, frozenHeadFrames: 3 });
    expect(report.seams[1]).toMatchObject({ from: 'scene-2', to: 'scene-3', atFrame: 200, trimmedFrames: 1, frozenHeadFrames: 0 });
    expect(report.seams[0].deltaE).toBeGreaterThan(0);
    expect(report.seams[0].deltaE).toBeLessThan(report.clips[2].last.vsAnchor!.deltaE);
  });

  it('sums the film up: drift of the last scene, per hop, and the worst seam', () => {
    expect(report.film.lastSceneVsAnchor).toEqual(report.clips[2].last.vsAnchor);
    expect(report.film.deltaEPerHop).toBeGreaterThan(0);
    expect(report.film.maxSeamDeltaE).toBe(Math.max(...report.seams.map((s) => s.deltaE)));
    expect(report.film.maxLoudnessJumpLu).toBe(1.5);
    expect(report.film.worstDipDb).toBe(-2.5);
    expect(report.film.maxStillRun).toBe(2);
  });

  it('without an anchor (text-to-video) there is nothing to drift from', () => {
    const plain = buildContinuityReport(meta, { anchor: null, scenes: [scene(1, anchor, anchor)], seams: [] });
    expect(plain.clips[0].last.vsAnchor).toBeNull();
    expect(plain.film).toEqual({ lastSceneVsAnchor: null, deltaEPerHop: null, maxSeamDeltaE: null, maxLoudnessJumpLu: null, worstDipDb: null, maxStillRun: null });
  });

  it('refuses seams that do not match the scenes', () => {
    expect(() => buildContinuityReport(meta, { anchor, scenes: [scene(1, anchor, anchor)], seams: [{ ssimSeedToFirstFrame: null, stillRun: null, audio: null }] })).toThrow(/need 0 seams/);
  });
});

describe('continuitySummary', () => {
  it('prints the last scene against the anchor, drift per scene and the worst seam', () => {
    expect(
      continuitySummary({
        lastSceneVsAnchor: { deltaE: 1.234, saturation: 0.052, contrast: -0.031 },
        deltaEPerHop: 0.12, maxSeamDeltaE: 0.876, maxLoudnessJumpLu: 0.44, worstDipDb: -0.21, maxStillRun: 1,
      }),
    ).toEqual([
      'last scene vs anchor: ΔE 1.2, saturation +5 %, contrast -3 %; drift +0.12 ΔE per scene',
      'seams: ΔE ≤ 0.9, loudness jump ≤ 0.4 LU, level dip -0.2 dB, identical frames in a row ≤ 1',
    ]);
  });
  it('says when there is no anchor and no seam', () => {
    expect(
      continuitySummary({ lastSceneVsAnchor: null, deltaEPerHop: null, maxSeamDeltaE: null, maxLoudnessJumpLu: null, worstDipDb: null, maxStillRun: null }),
    ).toEqual(['last scene vs anchor: n/a (no anchor)']);
  });
  it('shows what was not measured as n/a', () => {
    const lines = continuitySummary({ lastSceneVsAnchor: { deltaE: 1, saturation: 0, contrast: 0 }, deltaEPerHop: null, maxSeamDeltaE: 1, maxLoudnessJumpLu: null, worstDipDb: null, maxStillRun: null });
    expect(lines[1]).toBe('seams: ΔE ≤ 1.0, loudness jump ≤ n/a, level dip n/a, identical frames in a row ≤ n/a');
  });
});
