// The model table and clipProblems: what each LTX-2 model refuses, phrased with what it allows.
import { describe, expect, it } from 'vitest';
import { RESOLUTION_SIZE, SDXL, VIDEO_MODELS, VIDEO_MODEL_IDS, clipProblems, isVideoModelId } from '../../functions/domain/models';

const ok = { duration: 10, fps: 25, resolution: '1080p' as const };

describe('VIDEO_MODELS', () => {
  it('lists fast and pro with their official Replicate names', () => {
    expect(VIDEO_MODEL_IDS).toEqual(['ltx-2-fast', 'ltx-2-pro', 'ltx-2.3-fast', 'ltx-2.3-pro']);
    expect(VIDEO_MODELS['ltx-2-fast'].replicateModel).toBe('lightricks/ltx-2-fast');
    expect(VIDEO_MODELS['ltx-2-pro'].replicateModel).toBe('lightricks/ltx-2-pro');
    for (const id of VIDEO_MODEL_IDS) expect(VIDEO_MODELS[id].id).toBe(id);
  });

  it('fast allows even lengths 6..20 s, pro 6/8/10 s, both ascending', () => {
    expect(VIDEO_MODELS['ltx-2-fast'].durations).toEqual([6, 8, 10, 12, 14, 16, 18, 20]);
    expect(VIDEO_MODELS['ltx-2-pro'].durations).toEqual([6, 8, 10]);
  });

  it('renders 16:9 frames and SDXL anchors default to 16:9 within its bounds', () => {
    for (const { width, height } of Object.values(RESOLUTION_SIZE)) expect(width / height).toBeCloseTo(16 / 9, 5);
    expect(SDXL.defaultWidth / SDXL.defaultHeight).toBeCloseTo(16 / 9, 1);
    for (const side of [SDXL.defaultWidth, SDXL.defaultHeight]) {
      expect(side % 8).toBe(0);
      expect(side).toBeGreaterThanOrEqual(SDXL.minSide);
      expect(side).toBeLessThanOrEqual(SDXL.maxSide);
    }
    expect(SDXL.version).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('clipProblems', () => {
  it('accepts every listed duration at 1080p 25 fps', () => {
    for (const id of VIDEO_MODEL_IDS) {
      for (const duration of VIDEO_MODELS[id].durations) expect(clipProblems(id, { ...ok, duration }), `${id} ${duration}`).toEqual([]);
    }
  });

  it('names the field, the value, the model and the allowed values', () => {
    expect(clipProblems('ltx-2-pro', { ...ok, duration: 12 }, 'scenes[1]')).toEqual([
      'scenes[1].duration: 12 s is not accepted by ltx-2-pro; allowed: 6, 8, 10 s',
    ]);
    expect(clipProblems('ltx-2-fast', { ...ok, fps: 30 })).toEqual(['clip.fps: 30 is not accepted by ltx-2-fast; allowed: 25, 50']);
    expect(clipProblems('ltx-2-fast', { ...ok, resolution: '720p' as never })).toEqual([
      'clip.resolution: "720p" is not accepted by ltx-2-fast; allowed: 1080p, 1440p, 2160p',
    ]);
  });

  it('limits fast to 10 s at 50 fps and above 1080p, reporting each reason', () => {
    expect(clipProblems('ltx-2-fast', { ...ok, duration: 12, fps: 50 })).toEqual([
      'clip.duration: 12 s at 50 fps is too long for ltx-2-fast; at 50 fps the maximum is 10 s (use fps 25 for longer clips)',
    ]);
    expect(clipProblems('ltx-2-fast', { ...ok, duration: 20, resolution: '2160p' })).toEqual([
      'clip.duration: 20 s at 2160p is too long for ltx-2-fast; above 1080p the maximum is 10 s',
    ]);
    expect(clipProblems('ltx-2-fast', { duration: 14, fps: 50, resolution: '1440p' })).toHaveLength(2);
    expect(clipProblems('ltx-2-fast', { duration: 10, fps: 50, resolution: '2160p' })).toEqual([]);
  });

  it('reports every problem of one clip together', () => {
    const problems = clipProblems('ltx-2-pro', { duration: 7, fps: 24, resolution: '4k' as never }, 'x');
    expect(problems.map((p) => p.split(':')[0])).toEqual(['x.duration', 'x.fps', 'x.resolution']);
  });
});

describe('isVideoModelId', () => {
  it('accepts only known ids', () => {
    expect(isVideoModelId('ltx-2-fast')).toBe(true);
    expect(isVideoModelId('ltx-2-pro')).toBe(true);
    for (const value of ['ltx-2', 'sdxl', '', 'toString', 'constructor', undefined, null, 2]) expect(isVideoModelId(value), String(value)).toBe(false);
  });
});
