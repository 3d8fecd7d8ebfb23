// How a prediction's end decides a run, through the real stack, on the webhook and the poll path
// alike: Replicate's Cancel-After deadline and a prediction still running after the last poll
// generate the step again (and the earlier attempt is canceled); a cancel because the run ended
// generates nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { render, type RenderResult } from '../../local/render';
import { handler as api } from '../../functions/handlers/api';
import { SDXL } from '../../functions/domain/models';
import { shortStoryboard } from './short-storyboard';
import { apiEvent, bodyOf, waitFor, waitForStep } from '../handlers/helpers';

type Rendered = Extract<RenderResult, { runId: string }>;
type Path = 'webhook' | 'poll';
type Step = 'anchor' | 'scene-1';

let dir: string;
const stacks: LocalStack[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-e2e-outcomes-'));
});
afterAll(async () => {
  for (const stack of stacks) await stack.stop();
  await rm(dir, { recursive: true, force: true });
});

async function stackFor(path: Path, options: { pollIntervalMs?: number } = {}): Promise<LocalStack> {
  const stack = await startLocalStack({ retryIntervalMs: 50, webhooks: path === 'webhook', ...options });
  stacks.push(stack);
  return stack;
}

/** A one-scene storyboard whose first prediction is the given step's. */
const storyboardFor = (step: Step, title: string) => ({ ...shortStoryboard(title, 1), ...(step === 'scene-1' && { anchor: false }) });

/** Keeps the first prediction processing for a minute; every later one renders at once. */
function slowFirstPrediction(stack: LocalStack): Promise<void> {
  const emulator = stack.emulator!;
  emulator.faults.processingDelayMs = 60_000;
  return waitFor('the first prediction to start', () => emulator.predictions().some((p) => p.status === 'processing'), 30_000).then(() => {
    emulator.faults.processingDelayMs = 0;
  });
}

const entered = (result: Rendered, state: string) => result.history.filter((e) => e.type === 'StateEntered' && e.state === state).length;
const predictionsOf = (stack: LocalStack, step: Step) => stack.emulator!.predictions().filter((p) => (p.model === SDXL.replicateModel) === (step === 'anchor'));
const nextAttempt = (step: Step) => (step === 'anchor' ? 'NextAnchorAttempt' : 'NextAttempt');

describe.each(['webhook', 'poll'] as Path[])('%s path', (path) => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await stackFor(path);
  });

  it.each(['anchor', 'scene-1'] as Step[])('%s canceled by Replicate at its Cancel-After deadline → generated again, the run succeeds', async (step) => {
    process.env.PREDICTION_CANCEL_AFTER = '5s'; // every prediction; the first one stays busy past it
    try {
      const unblocked = slowFirstPrediction(stack);
      const result = (await render({ storyboard: storyboardFor(step, `Deadline ${path} ${step}`), outDir: dir, on: stack, progress: false })) as Rendered;
      await unblocked;
      expect(result.exitCode).toBe(0);
      expect(predictionsOf(stack, step).slice(-2).map((p) => p.status)).toEqual(['canceled', 'succeeded']);
      expect(entered(result, nextAttempt(step))).toBe(1);
      expect(result.manifest.steps.find((s) => s.step === step)).toMatchObject({ attempts: 2, status: 'stored' });
      expect(result.history.some((e) => e.error === 'PredictionTimedOutError')).toBe(true);
    } finally {
      delete process.env.PREDICTION_CANCEL_AFTER;
    }
  });

  it('a cancel because the run ended (DELETE while the scene waits) generates nothing again', async () => {
    stack.emulator!.faults.processingDelayMs = 60_000;
    try {
      const started = await api(apiEvent('POST', '/runs', { body: JSON.stringify(storyboardFor('scene-1', `Run ended ${path}`)), headers: { 'content-type': 'application/json' } }));
      const { runId } = bodyOf(started);
      const execution = stack.engine.list().find((e) => e.name === runId)!;
      const waiting = await waitForStep(stack.config, runId, 'scene-1', 'waiting');
      if (path === 'poll') await waitFor('the poll loop', () => execution.history.some((e) => e.state === 'WaitBeforeClipPoll'));
      const deleted = await api(apiEvent('DELETE', `/runs/${runId}`));
      expect(deleted.statusCode).toBe(202);
      expect((await execution.done).status).toBe('ABORTED');
      const prediction = await waitFor('the cancel', () => stack.emulator!.predictions().find((p) => p.id === waiting.predictionId && p.status === 'canceled'));
      expect(prediction).toBeDefined();
      await stack.emulator!.idle();
      expect(stack.emulator!.predictions().filter((p) => p.created_at >= prediction.created_at)).toHaveLength(1);
      expect(execution.history.some((e) => e.state === 'NextAttempt')).toBe(false);
    } finally {
      stack.emulator!.faults.processingDelayMs = 0;
    }
  });
});

describe('still running after the last poll', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    // The poll window shrunk to seconds (MAX_POLLS polls 200 ms apart): long enough for a render, not for a minute.
    stack = await stackFor('poll', { pollIntervalMs: 200 });
  });

  it.each([
    ['anchor', 'AnchorPollsExhausted'],
    ['scene-1', 'ClipPollsExhausted'],
  ] as [Step, string][])('%s → PredictionTimedOutError: generated again, and the next attempt cancels the one still running', async (step, exhausted) => {
    const unblocked = slowFirstPrediction(stack);
    const result = (await render({ storyboard: storyboardFor(step, `Exhausted ${step}`), outDir: dir, on: stack, progress: false })) as Rendered;
    await unblocked;
    expect(result.exitCode, JSON.stringify(result.manifest.failure)).toBe(0);
    expect(entered(result, exhausted)).toBe(1);
    expect(entered(result, nextAttempt(step))).toBe(1);
    // The first prediction was still processing: the second attempt's start canceled it.
    expect(predictionsOf(stack, step).slice(-2).map((p) => p.status)).toEqual(['canceled', 'succeeded']);
    expect(result.manifest.steps.find((s) => s.step === step)).toMatchObject({ attempts: 2, status: 'stored' });
  });
});
