// buildPlan: which frame each scene starts from, the anchor step, concurrency and the estimate.
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../functions/domain/plan';
import { parseStoryboard } from '../../functions/domain/storyboard';

const runId = '20261125-1042-winter-ad-3f9c2a7be41d08c6';
const seed = (n: number) => `runs/${runId}/seeds/${n}.png`;
const plan = (raw: Record<string, unknown>) =>
  buildPlan(runId, parseStoryboard({ title: 'Winter ad', scenes: [{ prompt: 'p1' }, { prompt: 'p2' }, { prompt: 'p3' }], ...raw }));

describe('buildPlan: seeds per strategy', () => {
  it('chain: scene n starts from the last frame of scene n-1, scene 1 from the anchor', () => {
    const p = plan({ strategy: 'chain' });
    expect(p.anchor.seedKey).toBe(seed(0));
    expect(p.scenes.map((s) => s.seedKey)).toEqual([seed(0), seed(1), seed(2)]);
    expect(p.scenes.map((s) => s.lastFrameKey)).toEqual([seed(1), seed(2), seed(3)]);
    expect(p.maxConcurrency).toBe(1);
  });

  it('chain without an anchor: scene 1 is text-to-video, the rest still chain', () => {
    const p = plan({ strategy: 'chain', anchor: false });
    expect(p.anchor.mode).toBe('none');
    expect(p.scenes.map((s) => s.seedKey)).toEqual([null, seed(1), seed(2)]);
  });

  it('independent: every scene starts from the anchor, all at once', () => {
    const p = plan({ strategy: 'independent' });
    expect(p.scenes.map((s) => s.seedKey)).toEqual([seed(0), seed(0), seed(0)]);
    expect(p.maxConcurrency).toBe(0);
  });

  it('independent without an anchor: every scene is text-to-video', () => {
    expect(plan({ strategy: 'independent', anchor: false }).scenes.map((s) => s.seedKey)).toEqual([null, null, null]);
  });

  it('single: one clip named after the title telling every scene, text-only unless an anchor is given', () => {
    const p = plan({ strategy: 'single' });
    expect(p.anchor.mode).toBe('none');
    expect(p.scenes).toHaveLength(1);
    expect(p.scenes[0]).toMatchObject({ step: 'scene-1', index: 1, name: 'Winter ad', prompt: 'p1\n\np2\n\np3', seedKey: null, duration: 20 });
    expect(p.maxConcurrency).toBe(1);

    const anchored = plan({ strategy: 'single', anchor: {} });
    expect(anchored.anchor).toMatchObject({ mode: 'generate', prompt: 'p1' });
    expect(anchored.scenes[0].seedKey).toBe(seed(0));
  });
});

describe('buildPlan: who finishes each segment', () => {
  it('chain: scene n+1 finishes segment n while its clip generates; only the last scene finishes its own', () => {
    expect(plan({ strategy: 'chain' }).scenes.map((s) => [s.finishAlongside, s.finishOwnSegment])).toEqual([
      [null, false],
      ['scene-1', false],
      ['scene-2', true],
    ]);
  });

  it.each(['independent', 'single'])('%s: every scene finishes its own segment', (strategy) => {
    for (const scene of plan({ strategy }).scenes) expect([scene.finishAlongside, scene.finishOwnSegment]).toEqual([null, true]);
  });
});

describe('buildPlan: anchor modes', () => {
  it('generate by default from scene 1’s prompt at 1344x768', () => {
    const { anchor } = plan({});
    expect(anchor).toEqual({
      mode: 'generate',
      runId,
      step: 'anchor',
      prompt: 'p1',
      width: 1344,
      height: 768,
      seedKey: seed(0),
      anchorKey: `runs/${runId}/anchor.png`,
    });
  });

  it('generate from the anchor’s own prompt, size, seed and negative prompt', () => {
    const { anchor } = plan({ anchor: { prompt: 'a ridge', width: 1024, height: 1024, seed: 0, negativePrompt: 'blur' } });
    expect(anchor).toMatchObject({ mode: 'generate', prompt: 'a ridge', width: 1024, height: 1024, seed: 0, negativePrompt: 'blur' });
  });

  it('provided: uses the image, generates nothing', () => {
    const { anchor } = plan({ anchor: { image: 'inbox/me.png' } });
    expect(anchor.mode).toBe('provided');
    expect(anchor.image).toBe('inbox/me.png');
    expect(anchor).not.toHaveProperty('prompt');
    expect(anchor.seedKey).toBe(seed(0));
  });

  it('none: no prompt or image', () => {
    const { anchor } = plan({ anchor: false });
    expect(anchor.mode).toBe('none');
    expect(anchor).not.toHaveProperty('prompt');
    expect(anchor).not.toHaveProperty('image');
  });
});

describe('buildPlan: scenes', () => {
  it('carries model, clip settings, keys and names', () => {
    const p = plan({
      model: 'ltx-2-pro',
      clip: { duration: 8, fps: 50, resolution: '1440p', generateAudio: false },
      scenes: [{ prompt: 'p1', name: 'summit' }, { prompt: 'p2', duration: 6 }],
    });
    expect(p.scenes[0]).toEqual({
      runId,
      step: 'scene-1',
      index: 1,
      name: 'summit',
      prompt: 'p1',
      model: 'ltx-2-pro',
      duration: 8,
      fps: 50,
      resolution: '1440p',
      generateAudio: false,
      seedKey: seed(0),
      clipKey: `runs/${runId}/scenes/1/clip.mp4`,
      lastFrameKey: seed(1),
      finishAlongside: null,
      finishOwnSegment: false,
    });
    expect(p.scenes[1]).toMatchObject({ step: 'scene-2', index: 2, name: 'scene 2', duration: 6 });
    expect(p.join).toEqual({ trimSeedFrame: true, extraTrimFrames: 0, fps: 50 });
  });

  it('refuses a bad run id', () => {
    expect(() => buildPlan('../x', parseStoryboard({ title: 'x', scenes: [{ prompt: 'a' }] }))).toThrow(/not a run id/);
  });
});

describe('buildPlan: estimate', () => {
  it('prices seconds at the model rate plus one SDXL image when generating', () => {
    expect(plan({}).estimate).toEqual({ seconds: 30, usd: 1.204 }); // 30 × 0.04 + 0.004
    expect(plan({ anchor: { image: 'images/a.png' } }).estimate).toEqual({ seconds: 30, usd: 1.2 });
    expect(plan({ anchor: false, model: 'ltx-2-pro', scenes: [{ prompt: 'a', duration: 6 }, { prompt: 'b' }] }).estimate).toEqual({
      seconds: 16,
      usd: 0.96,
    });
    expect(plan({ strategy: 'single' }).estimate).toEqual({ seconds: 20, usd: 0.8 });
  });

  it('rounds away floating-point noise to a tenth of a cent', () => {
    // 14 × 0.04 + 0.004 is 0.5640000000000001 in floating point.
    expect(plan({ scenes: [{ prompt: 'a', duration: 6 }, { prompt: 'b', duration: 8 }] }).estimate).toEqual({ seconds: 14, usd: 0.564 });
  });
});

describe('buildPlan: size', () => {
  it('stays far below the 256 KiB state limit at the largest storyboard', () => {
    const prompt = 'x'.repeat(2500);
    const p = plan({ clip: { duration: 6 }, anchor: { prompt }, scenes: Array.from({ length: 10 }, () => ({ prompt })) });
    expect(JSON.stringify(p).length).toBeLessThan(64 * 1024);
  });
});
