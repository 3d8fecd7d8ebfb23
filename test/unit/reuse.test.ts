// Output hashes: the same inputs (frames by content) give the same hash; anything that changes the
// output changes it; where the result is delivered does not.
import { describe, expect, it } from 'vitest';
import { frameByContent, outputHash, reusableKey, reusedKeyOf, reusedResult } from '../../functions/domain/reuse';
import { clipRequest, withWebhook } from '../../functions/domain/replicate-inputs';
import { buildPlan } from '../../functions/domain/plan';
import { parseStoryboard } from '../../functions/domain/storyboard';

const runId = '20261125-1042-winter-ad-3f9c2a7be41d08c6';
const otherRun = '20261126-0900-winter-ad-0123456789abcdef';
const board = { title: 'Winter ad', scenes: [{ prompt: 'a skier at dawn' }, { prompt: 'the skier at noon' }] };
const scene = (id = runId, changes: object = {}) => buildPlan(id, parseStoryboard({ ...board, ...changes })).scenes[1];
const seed = frameByContent('a'.repeat(64));
const hashOf = (s = scene(), frame: string | null = seed) => outputHash(clipRequest(s, frame));

describe('outputHash', () => {
  it('is the same for the same inputs in another run (keys and run ids are not inputs)', () => {
    expect(hashOf(scene(otherRun))).toBe(hashOf(scene()));
  });

  it('ignores where the result is delivered', () => {
    expect(outputHash(withWebhook(clipRequest(scene(), seed), 'https://api.example/webhooks/replicate?run=x&step=scene-2'))).toBe(hashOf());
  });

  it.each([
    ['the prompt', scene(runId, { scenes: [{ prompt: 'a skier at dawn' }, { prompt: 'the skier at dusk' }] }), seed],
    ['the model', scene(runId, { model: 'ltx-2-pro' }), seed],
    ['the duration', scene(runId, { clip: { duration: 8 } }), seed],
    ['the fps', scene(runId, { clip: { fps: 50 } }), seed],
    ['the audio', scene(runId, { clip: { generateAudio: false } }), seed],
    ['the seed frame’s content', scene(), frameByContent('b'.repeat(64))],
    ['having no seed frame', scene(), null],
  ])('changes with %s', (_what, changed, frame) => {
    expect(hashOf(changed, frame)).not.toBe(hashOf());
  });
});

describe('reusableKey', () => {
  it.each([
    ['video', 'mp4'],
    ['image', 'png'],
  ] as const)('keeps a %s as reusable/<hash>.%s', (kind, ext) => {
    expect(reusableKey('f'.repeat(64), kind)).toBe(`reusable/${'f'.repeat(64)}.${ext}`);
  });

  it.each(['../runs/x', `x${'f'.repeat(64)}`, `${'f'.repeat(64)}/x`])('refuses %j: only a sha256 hex digest names a kept output', (hash) => {
    expect(() => reusableKey(hash, 'video')).toThrow(/not an output hash/);
  });
});

describe('reusedResult', () => {
  it('is a succeeded result that names the stored output and cost no model time', () => {
    const key = reusableKey('c'.repeat(64), 'video');
    const result = reusedResult('c'.repeat(64), key, '2026-11-27T10:00:00.000Z');
    expect(result).toMatchObject({ id: `reused-${'c'.repeat(16)}`, status: 'succeeded', output: null, predictTimeSec: 0 });
    expect(reusedKeyOf(result)).toBe(key);
  });

  it('is not a prediction’s own result', () => {
    const { reusedKey: _key, ...prediction } = reusedResult('c'.repeat(64), 'x', 'now');
    expect(reusedKeyOf(prediction)).toBeNull();
  });

  it('is not mistaken for a key outside reusable/', () => {
    expect(reusedKeyOf({ ...reusedResult('c'.repeat(64), 'x', 'now'), reusedKey: 'runs/other/final.mp4' })).toBeNull();
  });
});
