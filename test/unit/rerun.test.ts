// Regenerate and resume: what the request may say, which runs can be rerun, and the new storyboard.
import { describe, expect, it } from 'vitest';
import { assertRerunnable, readRegenerateRequest, readResumeRequest, regeneratedStoryboard, resumedStoryboard } from '../../functions/domain/rerun';
import { buildPlan } from '../../functions/domain/plan';
import { parseStoryboard } from '../../functions/domain/storyboard';
import { InvalidRequestError, RunStateConflictError } from '../../functions/domain/errors';
import type { RunStatus } from '../../functions/domain/manifest';

const runId = '20261125-1042-winter-ad-3f9c2a7be41d08c6';
const parent = parseStoryboard({ title: 'Winter ad', scenes: [{ prompt: 'dawn' }, { prompt: 'noon' }, { prompt: 'dusk' }] });

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidRequestError) return error.problems;
    throw error;
  }
  throw new Error('no problem was found');
};

describe('readRegenerateRequest', () => {
  it('takes a scene, and optionally a prompt and a budget', () => {
    expect(readRegenerateRequest({ scene: 2, prompt: ' noon, snowing ', maxUsd: 3 })).toEqual({ scene: 2, prompt: 'noon, snowing', maxUsd: 3 });
  });

  it.each([
    [{}, /^scene: /],
    [{ scene: 0 }, /^scene: /],
    [{ scene: 1.5 }, /^scene: /],
    [{ scene: 1, prompt: '' }, /^prompt: /],
    [{ scene: 1, maxUsd: 0 }, /^maxUsd: /],
    [{ scene: 1, maxUsd: 20_000 }, /^maxUsd: /],
    [{ scene: 1, seed: 3 }, /seed/],
  ])('names the field that is wrong in %j', (body, problem) => {
    expect(problemsOf(() => readRegenerateRequest(body))).toEqual([expect.stringMatching(problem)]);
  });
});

describe('readResumeRequest', () => {
  it.each([[undefined], [{}]])('takes an empty body (%j)', (body) => expect(readResumeRequest(body)).toEqual({}));

  it('takes a new budget', () => expect(readResumeRequest({ maxUsd: 2.5 })).toEqual({ maxUsd: 2.5 }));

  it('names the body when it is not an object', () => expect(problemsOf(() => readResumeRequest('resume'))).toEqual([expect.stringMatching(/^\(body\): /)]));

  it('refuses what it does not know', () => expect(problemsOf(() => readResumeRequest({ scene: 2 }))).toEqual([expect.stringMatching(/scene/)]));
});

describe('assertRerunnable', () => {
  it.each([
    ['regenerate', 'running', /still running/],
    ['resume', 'running', /still running/],
    ['resume', 'succeeded', /nothing is missing/],
  ] as const)('refuses to %s a %s run', (kind, status, message) => {
    expect(() => assertRerunnable(kind, runId, status)).toThrow(RunStateConflictError);
    expect(() => assertRerunnable(kind, runId, status)).toThrow(message);
  });

  it.each([
    ['regenerate', 'succeeded'],
    ['regenerate', 'failed'],
    ['resume', 'failed'],
    ['resume', 'canceled'],
  ] as [string, RunStatus][])('lets you %s a %s run', (kind, status) => {
    expect(() => assertRerunnable(kind as 'regenerate' | 'resume', runId, status)).not.toThrow();
  });
});

describe('regeneratedStoryboard', () => {
  it('gives the scene its new prompt and leaves the others alone', () => {
    const board = regeneratedStoryboard(parent, 3, { scene: 2, prompt: 'noon, snowing' });
    expect(board.scenes.map((s) => s.prompt)).toEqual(['dawn', 'noon, snowing', 'dusk']);
  });

  it('keeps the storyboard as it was without a new prompt, and sets a new budget', () => {
    expect(regeneratedStoryboard(parent, 3, { scene: 3, maxUsd: 4 })).toEqual({ ...parent, budget: { maxUsd: 4 } });
  });

  it.each([
    [4, 3, 'scene: run has 3 scenes; allowed values: 1–3 (got 4)'],
    [2, 1, 'scene: run has 1 scene; allowed values: 1 (got 2)'],
  ])('refuses scene %s of a run with %s', (scene, count, problem) => {
    expect(problemsOf(() => regeneratedStoryboard(parent, count, { scene }))).toEqual([problem]);
  });

  it('refuses a new prompt for a single shot, whose one prompt is every scene’s', () => {
    const single = parseStoryboard({ ...parent, strategy: 'single' });
    expect(problemsOf(() => regeneratedStoryboard(single, 1, { scene: 1, prompt: 'x' }))).toEqual([expect.stringMatching(/^prompt: a single-shot run/)]);
  });

  it('marks only that scene fresh in the new plan', () => {
    const plan = buildPlan(runId, regeneratedStoryboard(parent, 3, { scene: 2 }), { kind: 'regenerate', parentRunId: runId, scene: 2 });
    expect(plan.scenes.map((s) => s.fresh ?? false)).toEqual([false, true, false]);
    expect(plan.origin).toEqual({ kind: 'regenerate', parentRunId: runId, scene: 2 });
  });
});

describe('resumedStoryboard', () => {
  it('is the parent’s, with the new budget if one is given', () => {
    expect(resumedStoryboard(parent, {})).toBe(parent);
    expect(buildPlan(runId, resumedStoryboard(parent, { maxUsd: 9 })).budgetUsd).toBe(9);
  });

  it('marks nothing fresh: a resume only makes what is missing', () => {
    const plan = buildPlan(runId, resumedStoryboard(parent, {}), { kind: 'resume', parentRunId: runId });
    expect(plan.scenes.some((s) => s.fresh)).toBe(false);
  });
});
