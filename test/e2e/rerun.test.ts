// Iterating without paying twice, through the real state machine: regenerating a scene makes only
// that scene and the ones whose seeds change, reusing the rest; a budget stops a run before the
// prediction that would cross it, and the run resumes with a higher one, making only what is missing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { render, rerunLocally, type RenderResult, type RerunResult } from '../../local/render';
import { waitFor } from '../handlers/helpers';
import { shortStoryboard } from './short-storyboard';

type Rendered = Extract<RenderResult, { runId: string }>;
let dir: string;
let stack: LocalStack;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-e2e-rerun-'));
  stack = await startLocalStack({ retryIntervalMs: 50 });
});
afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

const rendered = (result: RenderResult | RerunResult): Rendered => {
  if (!('runId' in result)) throw new Error(JSON.stringify(result));
  return result;
};
const predictionsSince = (count: number) => stack.emulator!.predictions().slice(count);

describe('regenerate', () => {
  const board = shortStoryboard('Regenerate a chain', 3);
  let parent: Rendered;
  let child: Rendered;
  let made: ReturnType<typeof predictionsSince>;

  beforeAll(async () => {
    parent = rendered(await render({ storyboard: board, outDir: dir, on: stack, progress: false }));
    const before = stack.emulator!.predictions().length;
    child = rendered(
      await rerunLocally({ kind: 'regenerate', parentRunId: parent.runId, body: { scene: 2, prompt: 'The lighthouse in a snowstorm' }, outDir: dir, on: stack, progress: false }),
    );
    made = predictionsSince(before);
  }, 120_000);

  it('makes exactly scene 2 (with its new prompt) and scene 3, whose seed changed', () => {
    expect(child.outcome).toBe('succeeded');
    expect(made.map((p) => p.input.prompt)).toEqual(['The lighthouse in a snowstorm', board.scenes[2].prompt]);
  });

  it('reuses the anchor and scene 1 at no cost, and says so in the manifest', () => {
    const reused = Object.fromEntries(child.manifest.steps.map((s) => [s.step, s.reused]));
    expect(reused).toEqual({ anchor: true, 'scene-1': true, 'scene-2': false, 'scene-3': false });
    expect(child.manifest.cost).toMatchObject({ reusedSteps: 2, usd: 0.48 });
    expect(child.manifest.predictions.map((p) => p.step)).toEqual(['scene-2', 'scene-3']);
  });

  it('makes the scene again without a new prompt (a new take), and nothing else of a last scene', async () => {
    const before = stack.emulator!.predictions().length;
    const again = rendered(await rerunLocally({ kind: 'regenerate', parentRunId: parent.runId, body: { scene: 3 }, outDir: dir, on: stack, progress: false }));
    expect(again.outcome).toBe('succeeded');
    expect(predictionsSince(before).map((p) => p.input.prompt)).toEqual([board.scenes[2].prompt]);
  }, 60_000);

  it('names its parent, which keeps its own film and ending', () => {
    expect(child.manifest.origin).toEqual({ kind: 'regenerate', parentRunId: parent.runId, scene: 2 });
    expect(child.runId).not.toBe(parent.runId);
    expect(parent.manifest.status).toBe('succeeded');
  });
});

describe('resume', () => {
  const board = shortStoryboard('Resume after scene 3 failed', 3);
  let failed: Rendered;
  let resumed: Rendered;
  let made: ReturnType<typeof predictionsSince>;

  beforeAll(async () => {
    // Every attempt of scene 3 fails at Replicate (a content filter), as `--emulator-fault scene-3:fail` does.
    stack.emulator!.faults.steps = [{ step: 'scene-3', kind: 'fail' }];
    try {
      failed = rendered(await render({ storyboard: board, outDir: dir, on: stack, progress: false }));
    } finally {
      stack.emulator!.faults.steps = [];
    }
    const before = stack.emulator!.predictions().length;
    resumed = rendered(await rerunLocally({ kind: 'resume', parentRunId: failed.runId, body: {}, outDir: dir, on: stack, progress: false }));
    made = predictionsSince(before);
  }, 120_000);

  it('makes only scene 3’s prediction, and the film', () => {
    expect(failed.manifest.failure).toMatchObject({ error: 'PredictionFailedError' });
    expect(resumed.outcome).toBe('succeeded');
    expect(made.map((p) => p.input.prompt)).toEqual([board.scenes[2].prompt]);
    expect(resumed.manifest.steps.filter((s) => s.reused).map((s) => s.step)).toEqual(['anchor', 'scene-1', 'scene-2']);
  });

  it('keeps the failed attempts on the failed run’s bill, not the resumed one’s', () => {
    expect(failed.manifest.predictions.filter((p) => p.step === 'scene-3').map((p) => p.status)).toEqual(['failed', 'failed', 'failed']);
    expect(resumed.manifest.predictions.map((p) => p.step)).toEqual(['scene-3']);
  });

  it('refuses to resume a run that succeeded: nothing is missing', async () => {
    const again = await rerunLocally({ kind: 'resume', parentRunId: resumed.runId, body: {}, outDir: dir, on: stack, progress: false });
    expect(again).toEqual({ outcome: 'refused', exitCode: 2, message: expect.stringMatching(/succeeded: nothing is missing to resume/) });
  });
});

describe('budget', () => {
  // One 6 s Fast clip: $0.24 at list prices, and a budget of exactly that.
  const board = { ...shortStoryboard('Budget stop', 1), anchor: false, budget: { maxUsd: 0.24 } };
  let stopped: Rendered;
  let resumed: Rendered;
  let stoppedPredictions: number;
  let resumedPredictions: number;

  beforeAll(async () => {
    // The first prediction stays busy past its 5 s Cancel-After: Replicate cancels it, and bills it.
    process.env.PREDICTION_CANCEL_AFTER = '5s';
    const emulator = stack.emulator!;
    emulator.faults.processingDelayMs = 60_000;
    const unblocked = waitFor('the first prediction to start', () => emulator.predictions().some((p) => p.status === 'processing'), 30_000).then(() => {
      emulator.faults.processingDelayMs = 0;
    });
    try {
      const before = emulator.predictions().length;
      stopped = rendered(await render({ storyboard: board, outDir: dir, on: stack, progress: false }));
      await unblocked;
      stoppedPredictions = predictionsSince(before).length;
    } finally {
      delete process.env.PREDICTION_CANCEL_AFTER;
      emulator.faults.processingDelayMs = 0;
    }
    const before = emulator.predictions().length;
    resumed = rendered(await rerunLocally({ kind: 'resume', parentRunId: stopped.runId, body: { maxUsd: 1 }, outDir: dir, on: stack, progress: false }));
    resumedPredictions = predictionsSince(before).length;
  }, 120_000);

  it('stops the run before the prediction that would cross it, recorded as BudgetExceeded', () => {
    expect(stopped.outcome).toBe('failed');
    expect(stopped.manifest.failure).toMatchObject({ error: 'BudgetExceeded', cause: expect.stringMatching(/over its budget of \$0\.240/) });
    expect(stoppedPredictions).toBe(1);
  });

  it('counts the canceled attempt as spent', () => {
    expect(stopped.manifest.predictions).toEqual([expect.objectContaining({ step: 'scene-1', attempt: 1, status: 'canceled', usd: 0.24 })]);
    expect(stopped.manifest.cost).toMatchObject({ usd: 0.24, budgetUsd: 0.24, runningUsd: 0 });
  });

  it('resumes with a higher budget, making only the missing clip', () => {
    expect(resumed.outcome).toBe('succeeded');
    expect(resumedPredictions).toBe(1);
    expect(resumed.manifest.origin).toEqual({ kind: 'resume', parentRunId: stopped.runId });
    expect(resumed.manifest.cost).toMatchObject({ usd: 0.24, budgetUsd: 1 });
  });
});
