// The emulator's drift model (pure): per-generation parameters in the documented ranges, derived only
// from the generation's inputs, and the graph pieces that apply them.
import { describe, expect, it } from 'vitest';
import { clipTimes, gradeFilter, offsetFilter, videoGraph } from '../../local/replicate-emulator/clip-graph';
import {
  MAX_LOUDNESS_OFFSET_LU,
  clipDrift,
  compoundedCreep,
  creepShare,
  isEmulatorDrift,
  type GenerationInputs,
} from '../../local/replicate-emulator/drift';

const base: GenerationInputs = {
  prompt: 'Snow falls on the lighthouse',
  image: Buffer.from('image bytes'),
  duration: 6,
  fps: 25,
  width: 640,
  height: 360,
};
const many = Array.from({ length: 300 }, (_, i) => clipDrift('realistic', { ...base, prompt: `scene ${i}` }));

describe('emulator drift model', () => {
  it('is deterministic: the same inputs give the same drift', () => {
    expect(clipDrift('realistic', { ...base, image: Buffer.from('image bytes') })).toEqual(clipDrift('realistic', base));
  });

  it.each<[string, Partial<GenerationInputs>]>([
    ['prompt', { prompt: 'Snow falls on the harbour' }],
    ['input image bytes', { image: Buffer.from('image bytez') }],
    ['duration', { duration: 8 }],
    ['fps', { fps: 50 }],
    ['size', { width: 1920, height: 1080 }],
    ['seed input', { seed: 7 }],
  ])('changes with the %s', (_name, change) => {
    expect(clipDrift('realistic', { ...base, ...change })).not.toEqual(clipDrift('realistic', base));
  });

  it('keeps every parameter in its documented range', () => {
    for (const d of many) {
      expect(d.saturation).toBeGreaterThanOrEqual(1.07);
      expect(d.saturation).toBeLessThanOrEqual(1.11);
      expect(d.contrast).toBeGreaterThanOrEqual(1.04);
      expect(d.contrast).toBeLessThanOrEqual(1.07);
      expect([2, 3, 4]).toContain(Math.abs(d.brightness));
      expect(Math.abs(d.cast.u) + Math.abs(d.cast.v)).toBeGreaterThan(0);
      expect(Math.max(Math.abs(d.cast.u), Math.abs(d.cast.v))).toBe(1);
      expect([1, 2, 3]).toContain(Math.abs(d.shift.x));
      expect([0, 1, 2]).toContain(Math.abs(d.shift.y));
      expect(d.settleSec).toBeGreaterThanOrEqual(0.3);
      expect(d.settleSec).toBeLessThanOrEqual(0.5);
      expect(d.blurSigma).toBeGreaterThan(0);
      expect(Math.abs(d.loudnessOffsetLu)).toBeLessThanOrEqual(MAX_LOUDNESS_OFFSET_LU);
    }
  });

  it('spreads static heads over 0..6 frames and loudness over most of ±6 LU', () => {
    expect(new Set(many.map((d) => d.staticHeadFrames))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
    const offsets = many.map((d) => d.loudnessOffsetLu);
    expect(Math.min(...offsets)).toBeLessThan(-5);
    expect(Math.max(...offsets)).toBeGreaterThan(5);
    expect(new Set(many.map((d) => JSON.stringify(d.timbre))).size).toBe(many.length);
  });

  it('"none" leaves the picture alone: no creep, cast, shift, blur, static head or loudness offset', () => {
    expect(clipDrift('none', base)).toMatchObject({
      saturation: 1, contrast: 1, brightness: 0, cast: { u: 0, v: 0 }, shift: { x: 0, y: 0 },
      blurSigma: 0, staticHeadFrames: 0, loudnessOffsetLu: 0,
    });
  });

  it('compounds creep hop after hop: three of the weakest clips already add 22 % saturation', () => {
    const weakest = { saturation: 1.07, contrast: 1.04 };
    const three = compoundedCreep([weakest, weakest, weakest]);
    expect(three.saturation).toBeCloseTo(1.225, 3);
    expect(three.contrast).toBeCloseTo(1.125, 3);
  });

  it('ramps creep from its frame-0 share (held through the static head) to all of it at the last frame', () => {
    const d = many[0];
    expect(creepShare(d, 0, 0.2, 5.96)).toBe(d.atFirstFrame);
    expect(creepShare(d, 0.2, 0.2, 5.96)).toBe(d.atFirstFrame);
    expect(creepShare(d, 5.96, 0.2, 5.96)).toBe(1);
    expect(d.atFirstFrame).toBeGreaterThan(0);
    expect(d.atFirstFrame).toBeLessThan(1);
  });

  it.each(['realistic', 'none', 'wild', undefined])('isEmulatorDrift(%s)', (value) => {
    expect(isEmulatorDrift(value)).toBe(value === 'realistic' || value === 'none');
  });
});

describe('clip graph', () => {
  const geometry = { width: 640, height: 360, fps: 25, frames: 150 };
  const request = (mode: 'realistic' | 'none') => ({
    ...geometry, drift: clipDrift(mode, base), fit: 'scale=640:360', fontFile: '/f.ttf', textFile: '/t.txt', hash: Buffer.alloc(32, 7),
  });

  it('"none" grades nothing and blurs nothing', () => {
    const graph = videoGraph(request('none'));
    expect(graph).not.toMatch(/eq=|lutyuv=y|\[soft\]/);
  });

  it('"realistic" grades, offsets and softens frame 0', () => {
    const graph = videoGraph(request('realistic'));
    expect(graph).toMatch(/eq=eval=frame:saturation=/);
    expect(graph).toMatch(/lutyuv=y=/);
    expect(graph).toMatch(/gblur=sigma=[\d.]+,format=yuva420p,fade=t=out.*\[soft\]/);
  });

  it('gives back the level eq takes from luma, only when eq runs', () => {
    const d = { ...clipDrift('none', base), brightness: -3 };
    expect(offsetFilter(d, true)).toBe("lutyuv=y='val-2':u='val+0':v='val+0'");
    expect(offsetFilter(d, false)).toBe("lutyuv=y='val-3':u='val+0':v='val+0'");
    expect(offsetFilter({ ...d, brightness: 0 }, false)).toBeUndefined();
    expect(gradeFilter(clipDrift('none', base), 0, 6)).toBeUndefined();
  });

  it('starts motion after the static head and ends on the last frame', () => {
    const d = { ...clipDrift('none', base), staticHeadFrames: 4 };
    expect(clipTimes(geometry, d)).toEqual({ head: 0.16, last: 5.96, span: 5.8 });
  });
});
