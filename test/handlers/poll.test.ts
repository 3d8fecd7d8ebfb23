// The poll fallback: a prediction still running, succeeded, failed, canceled by us or by its deadline,
// and no record at all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { handler as poll } from '../../functions/handlers/poll';
import { handler as prepare } from '../../functions/handlers/prepare';
import { startAnchor, startClip } from '../../functions/workflow/start-prediction';
import { cancelPrediction } from '../../functions/adapters/replicate';
import { loadCallback } from '../../functions/adapters/run-store';
import { newRunId } from '../../functions/domain/run-keys';
import type { RunPlan } from '../../functions/domain/plan';
import { tinyStoryboard } from './helpers';

let stack: LocalStack;

// No webhooks: nothing but the poll may touch the callback records here.
beforeAll(async () => {
  stack = await startLocalStack({ retryIntervalMs: 5, webhooks: false });
});
afterAll(async () => {
  await stack?.stop();
});

async function plannedRun(storyboard: Record<string, unknown>): Promise<RunPlan> {
  const runId = newRunId(String(storyboard.title));
  return (await prepare({ runId, request: { storyboard } })) as RunPlan;
}

const terminal = (predictionId: string) => stack.emulator!.settled(predictionId, 20_000);

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the poll to throw');
}

describe('poll handler', () => {
  it('still processing → {done: false} (a normal result, not a Lambda error); succeeded → {done: true, prediction}, resumedBy poll', async () => {
    const plan = await plannedRun({ ...tinyStoryboard('Poll anchor'), anchor: { width: 512, height: 288 } });
    expect(plan.anchor.mode).toBe('generate');
    stack.emulator!.faults.processingDelayMs = 1500;
    const started = await startAnchor(stack.config, plan.anchor, 'local-token-poll-1');
    stack.emulator!.faults.processingDelayMs = 0;

    const running = await poll({ runId: plan.runId, step: 'anchor' });
    expect(running).toMatchObject({ done: false, prediction: { id: started.predictionId, status: expect.stringMatching(/^(starting|processing)$/), output: null } });
    const untouched = await loadCallback(stack.config, plan.runId, 'anchor');
    expect(untouched?.resumedAt).toBeUndefined();

    expect((await terminal(started.predictionId)).status).toBe('succeeded');
    const result = await poll({ runId: plan.runId, step: 'anchor' });
    expect(result.done).toBe(true);
    expect(result.prediction.id).toBe(started.predictionId);
    expect(result.prediction.status).toBe('succeeded');
    expect(result.prediction.output).toEqual([expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/files\/.+\.png$/)]);
    // The task result stays small: no logs, no input.
    expect(Object.keys(result.prediction).sort()).toEqual(['completedAt', 'createdAt', 'error', 'id', 'output', 'predictTimeSec', 'startedAt', 'status']);

    const callback = await loadCallback(stack.config, plan.runId, 'anchor');
    expect(callback?.resumedBy).toBe('poll');
    expect(callback?.outcome).toBe('succeeded');
    expect(callback?.resumedAt).toBeTruthy();

    // Polling again returns the same result and keeps the first resume record.
    const again = await poll({ runId: plan.runId, step: 'anchor' });
    expect(again).toMatchObject({ done: true, prediction: { status: 'succeeded' } });
    expect((await loadCallback(stack.config, plan.runId, 'anchor'))?.resumedAt).toBe(callback?.resumedAt);
  });

  it('a failed prediction → PredictionFailedError naming the step and prediction', async () => {
    const plan = await plannedRun(tinyStoryboard('Poll failure'));
    expect(plan.scenes[0].seedKey).toBeNull();
    stack.emulator!.faults.failNext = 1;
    const started = await startClip(stack.config, plan.scenes[0], 'local-token-poll-2');
    expect((await terminal(started.predictionId)).status).toBe('failed');

    const error = await rejection(poll({ runId: plan.runId, step: 'scene-1' }));
    expect(error.name).toBe('PredictionFailedError');
    expect(error.message).toContain('scene-1');
    expect(error.message).toContain(started.predictionId);
    expect(error.message).toMatch(/emulated model error/);
    const callback = await loadCallback(stack.config, plan.runId, 'scene-1');
    expect(callback).toMatchObject({ resumedBy: 'poll', outcome: 'failed' });
  });

  it('a prediction we canceled (the run ended) → PredictionCanceledError (not generated again)', async () => {
    const plan = await plannedRun(tinyStoryboard('Poll cancel'));
    stack.emulator!.faults.processingDelayMs = 30_000;
    const started = await startClip(stack.config, plan.scenes[0], 'local-token-poll-3');
    stack.emulator!.faults.processingDelayMs = 0;
    await cancelPrediction(stack.config, started.predictionId);
    expect((await terminal(started.predictionId)).status).toBe('canceled');

    const error = await rejection(poll({ runId: plan.runId, step: 'scene-1' }));
    expect(error.name).toBe('PredictionCanceledError');
  });

  // The same mapping as the webhook path (test/handlers/webhook.test.ts).
  it.each([
    ['canceled', 'running when Cancel-After fired'],
    ['aborted', 'still queued when Cancel-After fired'],
  ])('Replicate’s deadline → %s (%s) → PredictionTimedOutError (generated again)', async (status, _when) => {
    const deadline = { ...stack.config, cancelAfter: '2s' };
    process.env.PREDICTION_CANCEL_AFTER = '2s'; // what the poll function is deployed with
    try {
      const plan = await plannedRun(tinyStoryboard(`Poll deadline ${status}`));
      stack.emulator!.faults.processingDelayMs = 30_000;
      // The emulator renders one prediction at a time: a blocker keeps the second one queued.
      const blocker = status === 'aborted' ? await startClip(stack.config, plan.scenes[0], 'local-token-poll-blocker') : null;
      const other = status === 'aborted' ? (await plannedRun(tinyStoryboard('Poll deadline queued'))).scenes[0] : plan.scenes[0];
      const started = await startClip(deadline, other, 'local-token-poll-4');
      stack.emulator!.faults.processingDelayMs = 0;
      expect((await terminal(started.predictionId)).status).toBe(status);
      if (blocker) await cancelPrediction(stack.config, blocker.predictionId);

      const error = await rejection(poll({ runId: other.runId, step: 'scene-1' }));
      expect(error.name).toBe('PredictionTimedOutError');
      expect(error.message).toMatch(/Cancel-After deadline \(2 s\)/);
    } finally {
      delete process.env.PREDICTION_CANCEL_AFTER;
    }
  });

  it('no callback record → MissingObjectError', async () => {
    const error = await rejection(poll({ runId: newRunId('Poll nothing'), step: 'scene-1' }));
    expect(error.name).toBe('MissingObjectError');
    expect(error.message).toMatch(/no prediction was recorded/);
  });
});
