// The state machine's first task: validate the storyboard and write storyboard, plan and manifest.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { handler as prepare } from '../../functions/handlers/prepare';
import { findJson, listKeys, putJson } from '../../functions/adapters/s3';
import { newRunId, runKeys } from '../../functions/domain/run-keys';
import type { RunPlan } from '../../functions/domain/plan';
import { runIdForExecution } from '../../functions/domain/execution';
import { tinyStoryboard } from './helpers';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ retryIntervalMs: 5 });
});
afterAll(async () => {
  await stack?.stop();
});

async function rejection(promise: Promise<unknown>): Promise<Error & { problems?: string[] }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { problems?: string[] };
  }
  throw new Error('expected prepare to throw');
}

describe('prepare handler', () => {
  it('an invalid storyboard → InvalidStoryboardError with every problem, nothing written', async () => {
    const runId = newRunId('Prepare bad');
    const error = await rejection(
      prepare({ runId, request: { storyboard: { title: 'x', clip: { duration: 7, fps: 30 }, scenes: [{ prompt: 'a' }] } } }),
    );
    expect(error.name).toBe('InvalidStoryboardError');
    expect(error.problems).toHaveLength(2);
    expect(error.problems?.some((p) => p.startsWith('clip.duration:'))).toBe(true);
    expect(error.problems?.some((p) => p.startsWith('clip.fps:'))).toBe(true);
    expect(await listKeys(stack.config, runKeys(runId).prefix)).toEqual([]);
  });

  it('an override the model list does not know → InvalidStoryboardError naming it', async () => {
    const error = await rejection(prepare({ runId: newRunId('t'), request: { storyboard: tinyStoryboard(), overrides: { model: 'ltx-3' } } }));
    expect(error.name).toBe('InvalidStoryboardError');
    expect(error.problems?.join('\n')).toMatch(/^model:.*ltx-2-fast/m);
  });

  it.each([[{}], [{ hello: 1 }], ['a string'], [null], [[1]], [{ source: 'inbox/a.json' }]])(
    'an execution input of the wrong shape (%j) → InvalidStoryboardError naming the expected shape, nothing written',
    async (request) => {
      const runId = newRunId('Wrong shape');
      const error = await rejection(prepare({ runId, request }));
      expect(error.name).toBe('InvalidStoryboardError');
      expect(error.problems?.join('\n')).toMatch(/^(\(execution input\): the execution input must be|source: must be)/);
      expect(await listKeys(stack.config, runKeys(runId).prefix)).toEqual([]);
    },
  );

  it('overrides: null is no overrides', async () => {
    const plan = (await prepare({ runId: newRunId('t'), request: { storyboard: tinyStoryboard(), overrides: null } })) as RunPlan;
    expect(plan.model).toBe('ltx-2-fast');
  });

  it('an execution started by hand (generated name) is planned under its derived run id, and the manifest keeps the name', async () => {
    const name = randomUUID();
    const startedAt = '2026-11-25T10:42:13.192Z';
    const plan = (await prepare({ runId: name, startedAt, request: { storyboard: tinyStoryboard('By hand') } })) as RunPlan;
    expect(plan.runId).toBe(runIdForExecution(name, startedAt));
    expect(plan.runId).toMatch(/^20261125-1042-console-/);
    expect(await findJson(stack.config, runKeys(plan.runId).manifest)).toMatchObject({ runId: plan.runId, executionName: name, status: 'running', title: 'By hand' });
  });

  it('a valid storyboard → the plan, and storyboard.json, plan.json, manifest.json (running) under runs/{runId}/', async () => {
    const runId = newRunId('Prepare good');
    const board = tinyStoryboard('Prepare good', 2);
    const plan = (await prepare({ runId, request: { storyboard: board } })) as RunPlan;

    expect(plan.runId).toBe(runId);
    expect(plan.strategy).toBe('chain');
    expect(plan.maxConcurrency).toBe(1);
    expect(plan.anchor.mode).toBe('none');
    expect(plan.scenes.map((s) => [s.step, s.seedKey, s.lastFrameKey])).toEqual([
      ['scene-1', null, runKeys(runId).seed(1)],
      ['scene-2', runKeys(runId).seed(1), runKeys(runId).seed(2)],
    ]);
    expect(plan.estimate.seconds).toBe(12);

    const keys = runKeys(runId);
    expect((await listKeys(stack.config, keys.prefix)).sort()).toEqual([keys.manifest, keys.plan, keys.spend, keys.storyboard].sort());
    expect(await findJson(stack.config, keys.spend)).toEqual({ runId, budgetUsd: null, entries: [] });
    const stored = await findJson<Record<string, any>>(stack.config, keys.storyboard);
    expect(stored).toMatchObject({ title: 'Prepare good', model: 'ltx-2-fast', strategy: 'chain' });
    // Stored normalised: defaults filled in.
    expect(stored?.join).toEqual({ trimSeedFrame: true, extraTrimFrames: 0 });
    expect(await findJson(stack.config, keys.plan)).toEqual(plan);
    const manifest = await findJson<Record<string, any>>(stack.config, keys.manifest);
    expect(manifest).toMatchObject({ runId, executionName: runId, status: 'running', scenesTotal: 2, scenesDone: 0, film: null, failure: null, endedAt: null });
  });

  it('an uploaded storyboard is read from source.key, with overrides applied', async () => {
    await putJson(stack.config, 'inbox/prepare-source.json', tinyStoryboard('From the bucket'));
    const runId = newRunId('From the bucket');
    const plan = (await prepare({ runId, request: { source: { key: 'inbox/prepare-source.json' }, overrides: { model: 'ltx-2-pro' } } })) as RunPlan;
    expect(plan.title).toBe('From the bucket');
    expect(plan.model).toBe('ltx-2-pro');
    expect(plan.scenes[0].model).toBe('ltx-2-pro');
  });

  it('a source key that does not exist → MissingObjectError', async () => {
    const error = await rejection(prepare({ runId: newRunId('t'), request: { source: { key: 'inbox/nope.json' } } }));
    expect(error.name).toBe('MissingObjectError');
  });
});
