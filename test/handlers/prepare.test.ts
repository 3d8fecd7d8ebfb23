// The state machine's first task: validate the storyboard and write storyboard, plan and manifest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { handler as prepare } from '../../functions/handlers/prepare';
import { findJson, listKeys, putJson } from '../../functions/adapters/s3';
import { newRunId, runKeys } from '../../functions/domain/run-keys';
import type { RunPlan } from '../../functions/domain/plan';
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

  it('neither storyboard nor source → InvalidStoryboardError', async () => {
    const error = await rejection(prepare({ runId: newRunId('t'), request: {} }));
    expect(error.name).toBe('InvalidStoryboardError');
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
    expect((await listKeys(stack.config, keys.prefix)).sort()).toEqual([keys.manifest, keys.plan, keys.storyboard].sort());
    const stored = await findJson<Record<string, any>>(stack.config, keys.storyboard);
    expect(stored).toMatchObject({ title: 'Prepare good', model: 'ltx-2-fast', strategy: 'chain' });
    // Stored normalised: defaults filled in.
    expect(stored?.join).toEqual({ trimSeedFrame: true, extraTrimFrames: 0, seamFadeMs: 40 });
    expect(await findJson(stack.config, keys.plan)).toEqual(plan);
    const manifest = await findJson<Record<string, any>>(stack.config, keys.manifest);
    expect(manifest).toMatchObject({ runId, status: 'running', scenesTotal: 2, scenesDone: 0, film: null, failure: null });
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
