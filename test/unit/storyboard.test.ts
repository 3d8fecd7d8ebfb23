// Storyboard validation: every problem named by its field path and what is allowed, all at once.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidStoryboardError } from '../../functions/domain/errors';
import { SDXL, VIDEO_MODELS } from '../../functions/domain/models';
import {
  LIMITS,
  clipDurations,
  estimateOf,
  parseStoryboard,
  storyboardJsonSchema,
} from '../../functions/domain/storyboard';
import { problemsOf } from '../support/storyboard-problems';

const scenes = (n: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({ prompt: `scene ${i + 1} prompt`, ...extra }));
const board = (extra: Record<string, unknown> = {}) => ({ title: 'Winter', scenes: scenes(3), ...extra });

/** The problems parseStoryboard reports (fails the test if it accepts the input). */
describe('parseStoryboard: defaults', () => {
  it('fills every default for a minimal storyboard', () => {
    const b = parseStoryboard({ title: 'Winter', scenes: [{ prompt: 'snow' }] });
    expect(b.strategy).toBe('chain');
    expect(b.model).toBe('ltx-2-fast');
    expect(b.clip).toEqual({ duration: 10, fps: 25, resolution: '1080p', generateAudio: true });
    expect(b.join).toEqual({ trimSeedFrame: true, extraTrimFrames: 0 });
    expect(b.anchor).toBeUndefined();
  });

  it('fills defaults inside partially given objects', () => {
    const b = parseStoryboard(board({ clip: { fps: 50 }, continuity: { crossfadeMs: 0 }, anchor: { prompt: 'a ridge' } }));
    expect(b.clip).toEqual({ duration: 10, fps: 50, resolution: '1080p', generateAudio: true });
    expect(b.continuity).toEqual({ colorMatch: 'anchor', maxFrozenHeadFrames: 8, loudness: 'normalize', targetLufs: -16, crossfadeMs: 0 });
    expect(b.anchor).toEqual({ prompt: 'a ridge', width: 1344, height: 768 });
  });

  it('trims titles and prompts and keeps $schema for editors', () => {
    const b = parseStoryboard({ $schema: '../docs/storyboard.schema.json', title: '  Winter  ', scenes: [{ prompt: ' snow\n' }] });
    expect(b.title).toBe('Winter');
    expect(b.scenes[0].prompt).toBe('snow');
  });

  it('accepts anchor: false and an own image under inbox/, images/ or https', () => {
    expect(parseStoryboard(board({ anchor: false })).anchor).toBe(false);
    for (const image of ['inbox/me.png', 'images/a/b-c_1.JPG', 'images/x.webp', 'https://example.com/a.png?x=1']) {
      expect(parseStoryboard(board({ anchor: { image } })).anchor).toMatchObject({ image });
    }
  });

  it('does not mutate its input', () => {
    const raw = board();
    const copy = structuredClone(raw);
    parseStoryboard(raw, { model: 'ltx-2-pro', strategy: 'independent' });
    expect(raw).toEqual(copy);
  });
});

describe('parseStoryboard: shape errors name the field and the allowed values', () => {
  it.each([null, undefined, 'a string', 42, [], [{ title: 'x' }]])('rejects a non-object %j', (raw) => {
    expect(problemsOf(raw)).toEqual(['(storyboard): must be a JSON object with "title" and "scenes"']);
  });

  it('requires title and scenes', () => {
    const problems = problemsOf({});
    expect(problems.some((p) => p.startsWith('title:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('scenes:'))).toBe(true);
  });

  it('rejects empty or blank title and prompts', () => {
    expect(problemsOf({ title: '   ', scenes: [{ prompt: 'ok' }, { prompt: ' \n ' }] })).toEqual([
      'title: must not be empty',
      'scenes[1].prompt: must not be empty',
    ]);
    expect(problemsOf({ title: 'x', scenes: [] })).toEqual(['scenes: needs at least one scene']);
  });

  it('rejects too many scenes and too long text', () => {
    expect(problemsOf(board({ scenes: scenes(LIMITS.maxScenes + 1, { duration: 6 }) }))[0]).toMatch(/^scenes: .*12/);
    expect(problemsOf(board({ title: 'x'.repeat(LIMITS.maxTitleChars + 1) }))[0]).toMatch(/^title: .*120/);
    const long = 'x'.repeat(LIMITS.maxPromptChars + 1);
    expect(problemsOf(board({ scenes: [{ prompt: 'ok' }, { prompt: long }] }))[0]).toMatch(/^scenes\[1\]\.prompt: .*2500/);
  });

  it('names the allowed values of enums', () => {
    expect(problemsOf(board({ strategy: 'parallel' }))).toEqual([
      'strategy: Invalid option: expected one of "chain"|"single"|"independent"|"keyframes"',
    ]);
    expect(problemsOf(board({ model: 'ltx-1' }))).toEqual(['model: Invalid option: expected one of "ltx-2-fast"|"ltx-2-pro"|"ltx-2.3-fast"|"ltx-2.3-pro"']);
    expect(problemsOf(board({ clip: { resolution: '720p' } }))).toEqual([
      'clip.resolution: Invalid option: expected one of "1080p"|"1440p"|"2160p"',
    ]);
  });

  it('rejects unknown keys at every level', () => {
    expect(problemsOf(board({ titel: 'typo' }))).toEqual(['(storyboard): Unrecognized key: "titel"']);
    expect(problemsOf(board({ clip: { durations: 10 } }))).toEqual(['clip: Unrecognized key: "durations"']);
    expect(problemsOf(board({ join: { fade: 1 } }))).toEqual(['join: Unrecognized key: "fade"']);
    expect(problemsOf(board({ anchor: { promt: 'x' } }))).toEqual(['anchor: Unrecognized key: "promt"']);
    expect(problemsOf(board({ scenes: [{ prompt: 'a' }, { prompt: 'b', seconds: 6 }] }))).toEqual([
      'scenes[1]: Unrecognized key: "seconds"',
    ]);
  });

  it('checks number types and ranges', () => {
    const problems = problemsOf(
      board({
        clip: { duration: 7.5, fps: -25, generateAudio: 'yes' },
        join: { extraTrimFrames: 11 },
        continuity: { crossfadeMs: 301, maxFrozenHeadFrames: 13, targetLufs: -5 },
        scenes: [{ prompt: 'a', duration: 0 }],
      }),
    );
    for (const field of ['clip.duration', 'clip.fps', 'clip.generateAudio', 'join.extraTrimFrames', 'continuity.crossfadeMs', 'continuity.maxFrozenHeadFrames', 'continuity.targetLufs', 'scenes[0].duration']) {
      expect(problems.some((p) => p.startsWith(`${field}:`)), `${field} in ${problems.join(' | ')}`).toBe(true);
    }
  });

  it.each([
    ['colorMatch', 'sometimes', '"anchor"|"off"'],
    ['loudness', 'loud', '"normalize"|"off"'],
  ])('names continuity.%s and its allowed values', (field, value, allowed) => {
    const problems = problemsOf(board({ continuity: { [field]: value } }));
    expect(problems.join('\n')).toContain(`continuity.${field}`);
    expect(problems.join('\n')).toContain(allowed);
  });

  it('checks anchor sizes, seed and image references', () => {
    expect(problemsOf(board({ anchor: { width: 1001, height: 128 } }))).toEqual([
      'anchor.width: must be a multiple of 8',
      expect.stringMatching(/^anchor\.height: .*256/),
    ]);
    expect(problemsOf(board({ anchor: { seed: -1 } }))[0]).toMatch(/^anchor\.seed:/);
    expect(problemsOf(board({ anchor: { seed: 2 ** 32 } }))[0]).toMatch(/^anchor\.seed:/);
    for (const image of ['http://example.com/a.png', 'runs/x/anchor.png', 'inbox/../secret.txt', 'inbox/a.gif', 'file:///etc/passwd']) {
      expect(problemsOf(board({ anchor: { image } })), image).toEqual([
        'anchor.image: must be an https:// URL or a key in this bucket under inbox/ or images/ ending in .png, .jpg, .jpeg or .webp',
      ]);
    }
  });

  it('explains what anchor may be when it is neither false nor an object', () => {
    for (const anchor of [true, 'summit.png', 0]) {
      const [problem] = problemsOf(board({ anchor }));
      expect(problem).toMatch(/^anchor: must be false .*"prompt" or "image"/);
    }
  });

  it('rejects an anchor with both prompt and image', () => {
    expect(problemsOf(board({ anchor: { prompt: 'a ridge', image: 'inbox/me.png' } }))).toEqual([
      'anchor: give either "prompt" (generate with SDXL) or "image" (your own), not both',
    ]);
  });
});

describe('parseStoryboard: reports every problem at once', () => {
  it('lists all shape problems in one error', () => {
    const error = (() => {
      try {
        parseStoryboard({ title: '', model: 'sora', strategy: 'x', extra: 1, scenes: [{ prompt: '' }, {}] });
      } catch (e) {
        return e as InvalidStoryboardError;
      }
    })();
    expect(error?.name).toBe('InvalidStoryboardError');
    const fields = error!.problems.map((p) => p.split(':')[0]);
    expect(fields).toEqual(expect.arrayContaining(['title', 'model', 'strategy', '(storyboard)', 'scenes[0].prompt', 'scenes[1].prompt']));
    expect(error!.problems.length).toBeGreaterThanOrEqual(6);
    // The message shows them all, one a line.
    for (const p of error!.problems) expect(error!.message).toContain(`\n- ${p}`);
  });

  it('lists all model-rule problems in one error', () => {
    const problems = problemsOf({
      title: 'x',
      model: 'ltx-2-pro',
      clip: { duration: 12, fps: 30 },
      scenes: [{ prompt: 'a', duration: 7 }, { prompt: 'b' }, { prompt: 'c', duration: 14 }],
    });
    expect(problems).toEqual([
      'clip.duration: 12 s is not accepted by ltx-2-pro; allowed: 6, 8, 10 s',
      'clip.fps: 30 is not accepted by ltx-2-pro; allowed: 25, 50',
      'scenes[0].duration: 7 s is not accepted by ltx-2-pro; allowed: 6, 8, 10 s',
      'scenes[2].duration: 14 s is not accepted by ltx-2-pro; allowed: 6, 8, 10 s',
    ]);
  });

  it('does not repeat a problem', () => {
    const problems = problemsOf(board({ clip: { fps: 50, duration: 20 }, scenes: scenes(2, { duration: 20 }) }));
    expect(new Set(problems).size).toBe(problems.length);
  });
});

describe('parseStoryboard: model rules', () => {
  const withDuration = (model: string, duration: number, clip: Record<string, unknown> = {}) =>
    ({ title: 'x', model, clip, scenes: [{ prompt: 'a', duration }] });

  it('ltx-2-pro accepts only 6, 8 and 10 s', () => {
    for (const d of [6, 8, 10]) expect(() => parseStoryboard(withDuration('ltx-2-pro', d))).not.toThrow();
    for (const d of [4, 5, 7, 9, 12, 20]) {
      expect(problemsOf(withDuration('ltx-2-pro', d))).toEqual([
        `scenes[0].duration: ${d} s is not accepted by ltx-2-pro; allowed: 6, 8, 10 s`,
      ]);
    }
  });

  it('ltx-2-fast accepts even lengths from 6 to 20 s', () => {
    for (const d of [6, 8, 10, 12, 14, 16, 18, 20]) expect(() => parseStoryboard(withDuration('ltx-2-fast', d))).not.toThrow();
    for (const d of [4, 7, 11, 21, 22]) {
      expect(problemsOf(withDuration('ltx-2-fast', d))).toEqual([
        `scenes[0].duration: ${d} s is not accepted by ltx-2-fast; allowed: 6, 8, 10, 12, 14, 16, 18, 20 s`,
      ]);
    }
  });

  it('ltx-2-fast allows more than 10 s only at 1080p and 25 fps', () => {
    expect(problemsOf(withDuration('ltx-2-fast', 12, { fps: 50 }))).toEqual([
      'scenes[0].duration: 12 s at 50 fps is too long for ltx-2-fast; at 50 fps the maximum is 10 s (use fps 25 for longer clips)',
    ]);
    expect(problemsOf(withDuration('ltx-2-fast', 12, { resolution: '1440p' }))).toEqual([
      'scenes[0].duration: 12 s at 1440p is too long for ltx-2-fast; above 1080p the maximum is 10 s',
    ]);
    expect(problemsOf(withDuration('ltx-2-fast', 20, { resolution: '2160p', fps: 50 }))).toHaveLength(2);
    expect(() => parseStoryboard(withDuration('ltx-2-fast', 10, { resolution: '2160p', fps: 50 }))).not.toThrow();
  });

  it('checks clip.duration too, naming clip as the field', () => {
    expect(problemsOf(board({ clip: { duration: 9 } }))).toEqual([
      'clip.duration: 9 s is not accepted by ltx-2-fast; allowed: 6, 8, 10, 12, 14, 16, 18, 20 s',
    ]);
    expect(problemsOf(board({ clip: { duration: 12, fps: 50 }, scenes: scenes(2) }))).toEqual([
      'clip.duration: 12 s at 50 fps is too long for ltx-2-fast; at 50 fps the maximum is 10 s (use fps 25 for longer clips)',
    ]);
  });

  it('reports fps problems once, under clip, even with per-scene durations', () => {
    expect(problemsOf(board({ clip: { fps: 24 }, scenes: scenes(2, { duration: 6 }) }))).toEqual([
      'clip.fps: 24 is not accepted by ltx-2-fast; allowed: 25, 50',
    ]);
  });
});

describe('parseStoryboard: film length', () => {
  it('accepts exactly 60 s and rejects longer films', () => {
    expect(() => parseStoryboard(board({ scenes: scenes(6) }))).not.toThrow();
    expect(problemsOf(board({ scenes: scenes(7) }))).toEqual([
      'scenes: the film would last 70 s; the maximum is 60 s (fewer or shorter scenes)',
    ]);
    expect(problemsOf(board({ scenes: [...scenes(3, { duration: 20 }), { prompt: 'd', duration: 6 }] }))).toEqual([
      'scenes: the film would last 66 s; the maximum is 60 s (fewer or shorter scenes)',
    ]);
  });

  it('counts per-scene durations and the clip default', () => {
    expect(() => parseStoryboard(board({ clip: { duration: 6 }, scenes: [...scenes(9), { prompt: 'x', duration: 6 }] }))).not.toThrow();
  });
});

describe('budget', () => {
  // 3 × 10 s of ltx-2-fast and one SDXL anchor.
  const estimate = 30 * VIDEO_MODELS['ltx-2-fast'].usdPerSecond + SDXL.usdPerImage;

  it('accepts a run estimated at exactly its budget', () => {
    expect(estimateOf(parseStoryboard(board())).usd).toBeCloseTo(estimate, 3);
    expect(() => parseStoryboard(board({ budget: { maxUsd: estimateOf(parseStoryboard(board())).usd } }))).not.toThrow();
  });

  it('refuses a run estimated over its budget, naming the field, the estimate and the budget', () => {
    expect(problemsOf(board({ budget: { maxUsd: 0.5 } }))).toEqual([
      `budget.maxUsd: the run is estimated at $${estimate.toFixed(3)} at list prices, over the budget of $0.5 (raise maxUsd, or use fewer or shorter scenes or a cheaper model)`,
    ]);
  });

  it.each([
    ['zero', { maxUsd: 0 }, /budget\.maxUsd/],
    ['a typo-sized budget', { maxUsd: 1e9 }, /budget\.maxUsd/],
    ['an unknown field', { maxUsd: 5, currency: 'EUR' }, /budget/],
  ])('refuses %s', (_what, budget, field) => {
    expect(problemsOf(board({ budget })).join('\n')).toMatch(field);
  });

  it.each([
    ['a provided anchor costs no image', { anchor: { image: 'images/first.png' } }, 30 * VIDEO_MODELS['ltx-2-fast'].usdPerSecond],
    ['keyframes add one image per scene', { strategy: 'keyframes', model: 'ltx-2.3-fast' }, 30 * VIDEO_MODELS['ltx-2.3-fast'].usdPerSecond + 4 * SDXL.usdPerImage],
    ['text-to-video costs no image', { anchor: false }, 30 * VIDEO_MODELS['ltx-2-fast'].usdPerSecond],
  ])('estimate: %s', (_what, extra, usd) => {
    expect(estimateOf(parseStoryboard(board(extra))).usd).toBeCloseTo(usd, 3);
  });
});

describe('parseStoryboard: overrides', () => {
  it('applies model and strategy overrides over the file', () => {
    const b = parseStoryboard(board({ model: 'ltx-2-fast', strategy: 'chain' }), { model: 'ltx-2-pro', strategy: 'independent' });
    expect(b.model).toBe('ltx-2-pro');
    expect(b.strategy).toBe('independent');
  });

  it('leaves the file alone when overrides are undefined', () => {
    const b = parseStoryboard(board({ model: 'ltx-2-pro', strategy: 'independent' }), { model: undefined });
    expect(b.model).toBe('ltx-2-pro');
    expect(b.strategy).toBe('independent');
  });

  it('validates overridden values like file values', () => {
    expect(problemsOf(board(), { model: 'ltx-3', strategy: 'all' })).toEqual([
      'strategy: Invalid option: expected one of "chain"|"single"|"independent"|"keyframes"',
      'model: Invalid option: expected one of "ltx-2-fast"|"ltx-2-pro"|"ltx-2.3-fast"|"ltx-2.3-pro"',
    ]);
  });

  it('checks model rules against the overridden model', () => {
    const fastOnly = board({ scenes: [{ prompt: 'a', duration: 16 }] });
    expect(() => parseStoryboard(fastOnly)).not.toThrow();
    expect(problemsOf(fastOnly, { model: 'ltx-2-pro' })).toEqual([
      'scenes[0].duration: 16 s is not accepted by ltx-2-pro; allowed: 6, 8, 10 s',
    ]);
  });

  it('checks the film length against the overridden strategy', () => {
    const long = board({ clip: { duration: 20 }, scenes: scenes(4) });
    expect(problemsOf(long)[0]).toMatch(/^scenes: the film would last 80 s/);
    expect(clipDurations(parseStoryboard(long, { strategy: 'single' }))).toEqual([20]);
  });
});

describe('single strategy', () => {
  it('a single scene keeps its own duration, checked under scenes[0]', () => {
    expect(clipDurations(parseStoryboard({ title: 'x', strategy: 'single', scenes: [{ prompt: 'a', duration: 16 }] }))).toEqual([16]);
    expect(problemsOf({ title: 'x', strategy: 'single', model: 'ltx-2-pro', scenes: [{ prompt: 'a', duration: 12 }] })).toEqual([
      'scenes[0].duration: 12 s is not accepted by ltx-2-pro; allowed: 6, 8, 10 s',
    ]);
    expect(problemsOf({ title: 'x', strategy: 'single', clip: { duration: 7 }, scenes: [{ prompt: 'a' }] })).toEqual([
      'clip.duration: 7 s is not accepted by ltx-2-fast; allowed: 6, 8, 10, 12, 14, 16, 18, 20 s',
    ]);
  });

  it('several scenes become the longest clip the model allows within their total', () => {
    const single = (extra: Record<string, unknown>) => clipDurations(parseStoryboard(board({ strategy: 'single', ...extra })));
    expect(single({ scenes: scenes(2) })).toEqual([20]);
    expect(single({ scenes: scenes(3) })).toEqual([20]); // 30 s total: capped at the model's 20 s
    expect(single({ scenes: [{ prompt: 'a', duration: 6 }, { prompt: 'b', duration: 7 }] })).toEqual([12]);
    expect(single({ model: 'ltx-2-pro', scenes: scenes(2) })).toEqual([10]);
  });

  it('the picked length respects the 50 fps and above-1080p limits', () => {
    // Bug fixed in storyboard.ts clipDurations: it picked 20 s and then rejected its own pick
    // ("clip.duration: 20 s at 50 fps is too long") although the user never wrote 20.
    expect(clipDurations(parseStoryboard(board({ strategy: 'single', scenes: scenes(2), clip: { fps: 50 } })))).toEqual([10]);
    expect(clipDurations(parseStoryboard(board({ strategy: 'single', scenes: scenes(2), clip: { resolution: '1440p' } })))).toEqual([10]);
  });

  it('reports fps problems under clip even when the one scene sets its duration', () => {
    // Bug fixed in storyboard.ts crossFieldProblems: this used to say "scenes[0].fps".
    expect(problemsOf({ title: 'x', strategy: 'single', clip: { fps: 30 }, scenes: [{ prompt: 'a', duration: 8 }] })).toEqual([
      'clip.fps: 30 is not accepted by ltx-2-fast; allowed: 25, 50',
    ]);
  });
});

describe('clipDurations', () => {
  it('gives one length per scene for chain and independent, defaulting to clip.duration', () => {
    for (const strategy of ['chain', 'independent']) {
      const b = parseStoryboard(board({ strategy, clip: { duration: 8 }, scenes: [{ prompt: 'a' }, { prompt: 'b', duration: 14 }, { prompt: 'c' }] }));
      expect(clipDurations(b)).toEqual([8, 14, 8]);
    }
  });
});

describe('storyboardJsonSchema', () => {
  const schema = storyboardJsonSchema() as {
    $schema: string;
    type: string;
    required: string[];
    additionalProperties: boolean;
    properties: Record<string, any>;
  };

  it('is the committed docs/storyboard.schema.json', () => {
    const committed = readFileSync(new URL('../../docs/storyboard.schema.json', import.meta.url), 'utf8');
    expect(committed, 'docs/storyboard.schema.json is stale: run `node bin/write-schema.mjs`').toBe(
      `${JSON.stringify(schema, null, 2)}\n`,
    );
  });

  it('is a draft 2020-12 input schema with the enums, defaults and limits', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(['title', 'scenes']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.strategy).toMatchObject({ enum: ['chain', 'single', 'independent', 'keyframes'], default: 'chain' });
    expect(schema.properties.model).toMatchObject({ enum: ['ltx-2-fast', 'ltx-2-pro', 'ltx-2.3-fast', 'ltx-2.3-pro'], default: 'ltx-2-fast' });
    expect(schema.properties.clip.properties.resolution.enum).toEqual(['1080p', '1440p', '2160p']);
    expect(schema.properties.clip.additionalProperties).toBe(false);
    expect(schema.properties.scenes).toMatchObject({ minItems: 1, maxItems: LIMITS.maxScenes });
    expect(schema.properties.scenes.items).toMatchObject({ required: ['prompt'], additionalProperties: false });
    expect(schema.properties.anchor.anyOf).toEqual([
      expect.objectContaining({ const: false }),
      expect.objectContaining({ type: 'object', additionalProperties: false }),
    ]);
  });

  it.each(['winter-ad.json', 'winter-ad-single.json'])('describes examples/%s (keys, enums, types)', (file) => {
    const example = JSON.parse(readFileSync(new URL(`../../examples/${file}`, import.meta.url), 'utf8'));
    for (const key of schema.required) expect(example).toHaveProperty(key);
    for (const key of Object.keys(example)) expect(schema.properties, `schema lacks "${key}"`).toHaveProperty(key);
    expect(schema.properties.strategy.enum).toContain(example.strategy);
    expect(schema.properties.model.enum).toContain(example.model);
    expect(schema.properties.clip.properties.resolution.enum).toContain(example.clip.resolution);
    for (const key of Object.keys(example.clip)) expect(schema.properties.clip.properties).toHaveProperty(key);
    for (const scene of example.scenes) {
      for (const key of Object.keys(scene)) expect(schema.properties.scenes.items.properties).toHaveProperty(key);
      expect(typeof scene.prompt).toBe('string');
    }
    if (example.anchor) {
      for (const key of Object.keys(example.anchor)) expect(schema.properties.anchor.anyOf[1].properties).toHaveProperty(key);
    }
  });
});

describe('parseStoryboard: unsafe image references', () => {
  it.each([
    ['inbox/../runs/20261125-1042-other-3f9c2a7be41d08c6/seeds/1.png', /^anchor\.image: contains a "\." or "\.\." path segment; keys must stay inside inbox\/ or images\/$/],
    ['images/./a.png', /"\." or "\.\." path segment/],
    ['inbox//a.png', /contains "\/\/"/],
    ['https://127.0.0.1:8443/a.png', /^anchor\.image: points at 127\.0\.0\.1, a loopback address; only public addresses are fetched$/],
    ['https://169.254.169.254/latest/meta-data/x.png', /the cloud metadata address/],
    ['https://[fd00:ec2::254]/x.png', /the cloud metadata address/],
    ['https://10.0.0.7/a.png', /a private address/],
    ['https://100.64.0.1/a.png', /carrier-grade NAT/],
    ['https://[::ffff:127.0.0.1]/a.png', /IPv4-mapped/],
    ['https://2130706433/a.png', /points at 127\.0\.0\.1, a loopback address/],
    ['https://user:secret@example.com/a.png', /user name or password/],
  ])('refuses %j naming anchor.image', (image, problem) => {
    const problems = problemsOf(board({ anchor: { image } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it('accepts public https URLs, including presigned ones', () => {
    for (const image of ['https://93.184.215.14/a.png', 'https://cdn.example.com/a.png?X-Amz-Signature=abc&X-Amz-Expires=60']) {
      expect(parseStoryboard(board({ anchor: { image } })).anchor).toMatchObject({ image });
    }
  });
});

describe('parseStoryboard: every string and the whole storyboard are bounded', () => {
  it.each([
    ['$schema', { $schema: 'x'.repeat(LIMITS.maxSchemaRefChars + 1) }],
    ['anchor.image', { anchor: { image: `https://example.com/${'a'.repeat(LIMITS.maxImageRefChars)}.png` } }],
    ['anchor.negativePrompt', { anchor: { negativePrompt: 'n'.repeat(LIMITS.maxPromptChars + 1) } }],
    ['scenes[0].name', { scenes: [{ prompt: 'p', name: 'n'.repeat(LIMITS.maxNameChars + 1) }] }],
    ['title', { title: 't'.repeat(LIMITS.maxTitleChars + 1) }],
  ])('%s has a length limit', (field, extra) => {
    const problems = problemsOf(board(extra));
    expect(problems.some((p) => p.startsWith(`${field}: `)), problems.join(' | ')).toBe(true);
  });

  it.each([
    ['$schema', { $schema: 'x'.repeat(20 * 1024 * 1024) }],
    ['anchor.negativePrompt', { anchor: { negativePrompt: 'n'.repeat(200_000) } }],
    ['scenes[1].prompt', { scenes: [{ prompt: 'a' }, { prompt: 'p'.repeat(100_000) }] }],
    ['scenes', { scenes: Array.from({ length: 20_000 }, () => ({ prompt: 'x' })) }],
    ['colour', { colour: 'red'.repeat(30_000) }],
  ])('a storyboard over 64 KiB as JSON is refused before validation, naming %s', (field, extra) => {
    const problems = problemsOf(board(extra));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${field.replace(/[[\]$.]/g, '\\$&')}: too long \\(\\d+ KiB\\); a storyboard is at most 64 KiB as JSON`));
  });

  it('the largest storyboard the fields allow fits the limit', () => {
    const biggest = {
      $schema: 's'.repeat(LIMITS.maxSchemaRefChars),
      title: 't'.repeat(LIMITS.maxTitleChars),
      model: 'ltx-2-fast',
      strategy: 'single',
      anchor: { prompt: 'p'.repeat(LIMITS.maxPromptChars), negativePrompt: 'n'.repeat(LIMITS.maxPromptChars) },
      scenes: Array.from({ length: LIMITS.maxScenes }, () => ({ name: 'n'.repeat(LIMITS.maxNameChars), prompt: 'p'.repeat(LIMITS.maxPromptChars), duration: 6 })),
      clip: { duration: 6 },
    };
    expect(JSON.stringify(biggest).length).toBeLessThan(LIMITS.maxStoryboardBytes);
    expect(parseStoryboard(biggest).scenes).toHaveLength(LIMITS.maxScenes);
  });

  it('lists at most LIMITS.maxProblems problems and says how many more there were', () => {
    const wrongScenes = Array.from({ length: LIMITS.maxScenes }, () => ({ prompt: '', name: '', duration: -1, colour: 'red' }));
    const problems = problemsOf(board({ scenes: wrongScenes }));
    expect(problems).toHaveLength(LIMITS.maxProblems + 1);
    expect(problems.at(-1)).toMatch(/^\(storyboard\): \d+ more problems not listed$/);
  });
});
