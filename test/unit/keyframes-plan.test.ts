// Strategy keyframes: which storyboards may use it (a model that ends on a given frame, an anchor),
// and the plan it makes: one keyframe per scene end from the anchor, scenes pinned between them.
import { describe, expect, it } from 'vitest';
import { LAST_FRAME_MODEL_IDS, VIDEO_MODELS } from '../../functions/domain/models';
import { buildPlan } from '../../functions/domain/plan';
import { parseStoryboard } from '../../functions/domain/storyboard';
import { retentionOf } from '../../functions/domain/run-keys';
import { KEYFRAME_PROMPT_STRENGTH, clipRequest, keyframeRequest } from '../../functions/domain/replicate-inputs';
import { SDXL } from '../../functions/domain/models';
import { problemsOf } from '../support/storyboard-problems';

const runId = '20261125-1042-winter-ad-3f9c2a7be41d08c6';
const key = (path: string) => `runs/${runId}/${path}`;
const board = (extra: Record<string, unknown> = {}) => ({
  title: 'Winter',
  strategy: 'keyframes',
  model: 'ltx-2.3-fast',
  scenes: [{ prompt: 'p1' }, { prompt: 'p2' }, { prompt: 'p3' }],
  ...extra,
});

describe('catalogue: last-frame models', () => {
  it('only the LTX-2.3 models accept a last frame', () => {
    expect(LAST_FRAME_MODEL_IDS).toEqual(['ltx-2.3-fast', 'ltx-2.3-pro']);
    expect(VIDEO_MODELS['ltx-2.3-pro'].replicateModel).toBe('lightricks/ltx-2.3-pro');
  });
});

describe('parseStoryboard: strategy keyframes', () => {
  it.each(['ltx-2.3-fast', 'ltx-2.3-pro'])('accepts %s with a generated anchor', (model) => {
    expect(parseStoryboard(board({ model })).strategy).toBe('keyframes');
  });

  it('accepts a provided anchor image', () => {
    expect(parseStoryboard(board({ anchor: { image: 'inbox/first.png' } })).anchor).toMatchObject({ image: 'inbox/first.png' });
  });

  it.each([
    ['ltx-2-fast', { model: 'ltx-2-fast' }, /^model: "ltx-2-fast" cannot end a clip on a given last frame, which strategy "keyframes" needs; models that can: ltx-2\.3-fast, ltx-2\.3-pro/],
    ['ltx-2-pro', { model: 'ltx-2-pro' }, /^model: "ltx-2-pro" cannot end .* models that can: ltx-2\.3-fast, ltx-2\.3-pro/],
    ['no anchor', { anchor: false }, /^anchor: strategy "keyframes" makes every keyframe from the anchor; give an anchor/],
  ])('refuses %s, naming the field and what is allowed', (_, extra, message) => {
    const problems = problemsOf(board(extra));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('lists both problems at once', () => {
    expect(problemsOf(board({ model: 'ltx-2-fast', anchor: false }))).toHaveLength(2);
  });

  it('refuses a resolution the LTX-2.3 entry does not list', () => {
    expect(problemsOf(board({ clip: { resolution: '2160p' } }))).toEqual([
      'clip.resolution: "2160p" is not accepted by ltx-2.3-fast; allowed: 1080p',
    ]);
  });
});

describe('buildPlan: strategy keyframes', () => {
  const plan = (extra: Record<string, unknown> = {}) => buildPlan(runId, parseStoryboard(board(extra)));

  it('scene n starts on keyframe n-1 (scene 1 on the anchor) and ends on keyframe n, all at once', () => {
    const p = plan();
    expect(p.scenes.map((s) => s.seedKey)).toEqual([key('seeds/0.png'), key('keyframes/1.png'), key('keyframes/2.png')]);
    expect(p.scenes.map((s) => s.endFrameKey)).toEqual([key('keyframes/1.png'), key('keyframes/2.png'), key('keyframes/3.png')]);
    expect(p.maxConcurrency).toBe(0);
  });

  it('one keyframe per scene end, from the stored anchor, with the prompt of the scene it ends', () => {
    const p = plan();
    expect(p.keyframes!.map((k) => [k.step, k.index, k.prompt, k.sourceKey, k.keyframeKey])).toEqual([
      ['keyframe-1', 1, 'p1', key('seeds/0.png'), key('keyframes/1.png')],
      ['keyframe-2', 2, 'p2', key('seeds/0.png'), key('keyframes/2.png')],
      ['keyframe-3', 3, 'p3', key('seeds/0.png'), key('keyframes/3.png')],
    ]);
    expect(p.keyframes!.every((k) => k.width === 1344 && k.height === 768)).toBe(true);
  });

  it('every keyframe uses one seed: the anchor’s when given', () => {
    expect(new Set(plan({ anchor: { prompt: 'ridge', seed: 42 } }).keyframes!.map((k) => k.seed))).toEqual(new Set([42]));
  });

  it('without an anchor seed, one seed derived from the run id (the same plan twice, never the clock)', () => {
    const seeds = plan().keyframes!.map((k) => k.seed);
    expect(new Set(seeds).size).toBe(1);
    expect(Number.isInteger(seeds[0])).toBe(true);
    expect(plan().keyframes!.map((k) => k.seed)).toEqual(seeds);
  });

  it('estimates the keyframes as SDXL images', () => {
    // 3 × 10 s × $0.04 + anchor + 3 keyframes × $0.004
    expect(plan().estimate).toEqual({ seconds: 30, usd: 1.216 });
  });

  it.each(['chain', 'independent', 'single'])('%s plans no keyframes and no end frames', (strategy) => {
    const p = buildPlan(runId, parseStoryboard(board({ strategy, model: 'ltx-2-fast' })));
    expect(p.keyframes).toBeUndefined();
    expect(p.scenes.every((s) => s.endFrameKey === undefined)).toBe(true);
  });

  it('keyframes are intermediate objects, expired with seeds', () => {
    expect(retentionOf(key('keyframes/2.png'))).toBe('intermediate');
  });
});

describe('what Replicate is sent for keyframes', () => {
  const p = buildPlan(runId, parseStoryboard(board({ anchor: { prompt: 'ridge', seed: 42, negativePrompt: 'blur' } })));
  const url = (name: string) => `https://bucket.example/${name}?X-Amz-Signature=x`;

  it('a keyframe is SDXL image-to-image from the anchor with the run seed and its scene prompt', () => {
    expect(keyframeRequest(p.keyframes![1], url('seeds/0.png'))).toEqual({
      version: SDXL.version,
      input: {
        prompt: 'p2', image: url('seeds/0.png'), prompt_strength: KEYFRAME_PROMPT_STRENGTH,
        width: 1344, height: 768, num_outputs: 1, seed: 42, negative_prompt: 'blur',
      },
    });
  });

  it('a keyframes scene names its first and last frame; other scenes never send last_frame_image', () => {
    const request = clipRequest(p.scenes[1], url('keyframes/1.png'), url('keyframes/2.png'));
    expect(request).toMatchObject({ model: 'lightricks/ltx-2.3-fast', input: { image: url('keyframes/1.png'), last_frame_image: url('keyframes/2.png') } });
    expect(clipRequest(p.scenes[1], url('seeds/1.png')).input).not.toHaveProperty('last_frame_image');
  });
});
