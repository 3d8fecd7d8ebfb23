// The shipped examples must parse and plan exactly as the README promises.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../functions/domain/plan';
import { clipDurations, parseStoryboard } from '../../functions/domain/storyboard';

const load = (file: string) => JSON.parse(readFileSync(new URL(`../../examples/${file}`, import.meta.url), 'utf8')) as unknown;
const runId = '20261125-1042-winter-ad-3f9c2a7be41d08c6';
const seed = (n: number) => `runs/${runId}/seeds/${n}.png`;

describe('examples/winter-ad.json', () => {
  const board = parseStoryboard(load('winter-ad.json'));
  const plan = buildPlan(runId, board);

  it('is a 3-scene chain on ltx-2-fast, 10 s each at 1080p 25 fps with audio', () => {
    expect(board.strategy).toBe('chain');
    expect(board.model).toBe('ltx-2-fast');
    expect(clipDurations(board)).toEqual([10, 10, 10]);
    expect(plan.maxConcurrency).toBe(1);
    for (const scene of plan.scenes) expect(scene).toMatchObject({ duration: 10, fps: 25, resolution: '1080p', generateAudio: true });
    expect(plan.scenes.map((s) => s.name)).toEqual(['summit at sunrise', 'forest trail', 'triumph']);
  });

  it('generates a 1344x768 SDXL anchor from scene 1’s prompt and chains seeds 0, 1, 2', () => {
    expect(plan.anchor).toMatchObject({ mode: 'generate', width: 1344, height: 768, prompt: board.scenes[0].prompt, seedKey: seed(0) });
    expect(plan.anchor.prompt).toMatch(/^A young woman stands atop a snowy cliff at sunrise/);
    expect(plan.scenes.map((s) => s.seedKey)).toEqual([seed(0), seed(1), seed(2)]);
  });

  it('estimates 30 s', () => {
    expect(plan.estimate).toEqual({ seconds: 30, usd: 1.204 });
    expect(plan.join).toEqual({ trimSeedFrame: true, extraTrimFrames: 0, fps: 25 });
  });
});

describe('examples/winter-ad-single.json', () => {
  const board = parseStoryboard(load('winter-ad-single.json'));
  const plan = buildPlan(runId, board);

  it('is one 20 s text-only clip on ltx-2-fast', () => {
    expect(board.strategy).toBe('single');
    expect(board.model).toBe('ltx-2-fast');
    expect(clipDurations(board)).toEqual([20]);
    expect(plan.anchor.mode).toBe('none');
    expect(plan.scenes).toHaveLength(1);
    expect(plan.scenes[0]).toMatchObject({ step: 'scene-1', duration: 20, fps: 25, resolution: '1080p', seedKey: null });
    expect(plan.scenes[0].prompt).toBe(board.scenes[0].prompt);
    expect(plan.estimate).toEqual({ seconds: 20, usd: 0.8 });
  });
});

describe('examples and overrides', () => {
  it('winter-ad also renders on ltx-2-pro (10 s clips are allowed)', () => {
    expect(() => parseStoryboard(load('winter-ad.json'), { model: 'ltx-2-pro' })).not.toThrow();
  });

  it('winter-ad-single’s 20 s clip is refused by ltx-2-pro, with the allowed lengths', () => {
    expect(() => parseStoryboard(load('winter-ad-single.json'), { model: 'ltx-2-pro' })).toThrow(
      'clip.duration: 20 s is not accepted by ltx-2-pro; allowed: 6, 8, 10 s',
    );
  });
});

describe('examples/winter-day.json', () => {
  const board = parseStoryboard(load('winter-day.json'));
  const plan = buildPlan(runId, board);

  it('is a 6-scene chain of 6 s clips with every continuity correction on by default', () => {
    expect(board.strategy).toBe('chain');
    expect(clipDurations(board)).toEqual([6, 6, 6, 6, 6, 6]);
    expect(plan.scenes.map((s) => s.seedKey)).toEqual([0, 1, 2, 3, 4, 5].map(seed));
    expect(plan.continuity).toEqual({ colorMatch: 'anchor', maxFrozenHeadFrames: 8, loudness: 'normalize', targetLufs: -16, crossfadeMs: 120 });
    expect(plan.estimate.seconds).toBe(36);
  });
});
