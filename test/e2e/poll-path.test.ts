// Runs that finish without webhooks: the way a laptop on live Replicate completes (webhooks off),
// and the fallback when a webhook is lost (the wait times out, then the poll path).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { render, type RenderResult } from '../../local/render';
import { listCallbacks } from '../../functions/adapters/run-store';
import { probeVideo } from './film-checks';
import { shortStoryboard } from './short-storyboard';

type Rendered = Extract<RenderResult, { runId: string }>;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-e2e-poll-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function renderOn(stack: LocalStack, title: string): Promise<Rendered> {
  const result = await render({ storyboard: shortStoryboard(title), outDir: dir, on: stack, progress: false });
  if (result.outcome === 'invalid') throw new Error(result.problems.join('; '));
  return result;
}

const entered = (result: Rendered, state: string) => result.history.filter((e) => e.type === 'StateEntered' && e.state === state).length;

describe('webhooks switched off (how --replicate live completes on a laptop)', () => {
  let stack: LocalStack;
  let result: Rendered;
  beforeAll(async () => {
    // Slow predictions so the first poll finds them still processing.
    stack = await startLocalStack({ webhooks: false, retryIntervalMs: 200, emulator: { faults: { processingDelayMs: 2000 } } });
    result = await renderOn(stack, 'Poll only');
  }, 120_000);
  afterAll(() => stack?.stop());

  it('creates predictions without a webhook and completes every task through the poll path', async () => {
    expect(result.exitCode).toBe(0);
    // Two 6 s clips less the head frames store-output decided to drop (seed frame, frozen frames).
    const trims = result.manifest.steps.flatMap((s) => (s.corrections ? [s.corrections.headTrimFrames] : []));
    expect(trims).toHaveLength(2);
    expect((await probeVideo(result.film!)).frames).toBe(300 - trims[0] - trims[1]);
    // With no webhook URL in the create request, the emulator has nowhere to deliver to.
    expect(stack.emulator!.webhookDeliveries()).toEqual([]);
    expect(entered(result, 'StartAnchorPolls')).toBe(1);
    expect(entered(result, 'StartClipPolls')).toBe(2);
    // A running prediction is a normal poll result: the ASL waits and polls again, no Lambda error, no Retry.
    expect(entered(result, 'WaitBeforeClipPoll')).toBeGreaterThanOrEqual(1);
    expect(entered(result, 'PollClip')).toBe(2 + entered(result, 'WaitBeforeClipPoll'));
    expect(result.history.filter((e) => e.type === 'StateRetried' || (e.type === 'StateFailed' && e.state?.startsWith('Poll')))).toEqual([]);
    for (const callback of await listCallbacks(stack.config, result.runId)) expect(callback.resumedBy).toBe('poll');
  });
});

describe('webhook lost (emulator drops it): the wait times out and the poll finishes the task', () => {
  let stack: LocalStack;
  let result: Rendered;
  beforeAll(async () => {
    stack = await startLocalStack({ callbackTimeoutMs: 2500, retryIntervalMs: 200, emulator: { faults: { dropWebhooks: true } } });
    result = await renderOn(stack, 'Lost webhooks');
  }, 120_000);
  afterAll(() => stack?.stop());

  it('succeeds through PollAnchor/PollClip although webhooks were requested', async () => {
    expect(result.exitCode).toBe(0);
    expect(entered(result, 'StartClipPolls')).toBe(2);
    const callbacks = await listCallbacks(stack.config, result.runId);
    expect(callbacks.map((c) => c.resumedBy)).toEqual(['poll', 'poll', 'poll']);
    expect(stack.emulator!.webhookDeliveries()).toEqual([]);
  });
});

describe('a prediction that fails on the poll path', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ webhooks: false, retryIntervalMs: 200 });
  });
  afterAll(() => stack?.stop());

  it('generates the scene again, as a webhook-reported failure would', async () => {
    stack.emulator!.faults.failNext = 1;
    const storyboard = { ...shortStoryboard('Poll finds a failure', 1), anchor: false };
    const result = (await render({ storyboard, outDir: dir, on: stack, progress: false })) as Rendered;
    expect(result.exitCode).toBe(0);
    expect(result.history.some((e) => e.type === 'StateFailed' && e.state === 'PollClip' && e.error === 'PredictionFailedError')).toBe(true);
    expect(entered(result, 'NextAttempt')).toBe(1);
    expect(result.manifest.steps[0]).toMatchObject({ step: 'scene-1', attempts: 2, status: 'stored' });
  });
});
