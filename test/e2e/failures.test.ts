// Faults through the real state machine: retries that recover, failures that are recorded in the
// manifest with state and cause (and cancel what is still running), and a Task that throws must
// never be hidden (the Node 20 trap; test/local/engine-node20.test.ts checks the polyfill itself).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { waitFor } from '../handlers/helpers';
import { render, type RenderResult } from '../../local/render';
import { shortStoryboard } from './short-storyboard';
import { HANDLERS } from '../../local/handlers';
import { SDXL } from '../../functions/domain/models';

type Rendered = Extract<RenderResult, { runId: string }>;
let dir: string;
let stack: LocalStack;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-e2e-faults-'));
  // Retry intervals of 600 ms: long enough for the 1 s Retry-After cooldown to pass within 6 attempts.
  stack = await startLocalStack({ retryIntervalMs: 600 });
});
afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  for (const key of Object.keys(stack.emulator!.faults)) delete (stack.emulator!.faults as Record<string, unknown>)[key];
});

async function renderShort(title: string, on = stack): Promise<Rendered> {
  const result = await render({ storyboard: shortStoryboard(title), outDir: dir, on, progress: false });
  if (result.outcome === 'invalid') throw new Error(result.problems.join('; '));
  return result;
}

const retried = (result: Rendered, state: string) => result.history.filter((e) => e.type === 'StateRetried' && e.state === state).length;

describe('recoverable faults', () => {
  it('generates a failed anchor again (PredictionFailedError) and records the second attempt', async () => {
    stack.emulator!.faults.failNext = 1; // the anchor's first prediction fails
    const result = await renderShort('Retry once');
    expect(result.exitCode).toBe(0);
    expect(result.history.filter((e) => e.type === 'StateEntered' && e.state === 'NextAnchorAttempt')).toHaveLength(1);
    expect(result.manifest.steps.find((s) => s.step === 'anchor')).toMatchObject({ attempts: 2, status: 'stored' });
  });

  it('backs off on Replicate 429s (RateLimitedError) and then succeeds', async () => {
    stack.emulator!.faults.rateLimitCreates = 2;
    const result = await renderShort('Rate limited');
    expect(result.exitCode).toBe(0);
    expect(retried(result, 'Anchor')).toBeGreaterThanOrEqual(1);
    expect(result.history.some((e) => e.type === 'StateFailed' && e.error === 'RateLimitedError')).toBe(true);
  });

  it('answers duplicate webhooks 2xx and resumes nothing twice', async () => {
    stack.emulator!.faults.duplicateWebhooks = true;
    const result = await renderShort('Duplicate webhooks');
    expect(result.exitCode).toBe(0);
    await stack.emulator!.idle();
    const ids = result.manifest.steps.map((s) => s.predictionId);
    const deliveries = stack.emulator!.webhookDeliveries().filter((d) => ids.includes(d.predictionId));
    expect(deliveries).toHaveLength(6);
    expect(deliveries.every((d) => d.status === 200)).toBe(true);
    expect(result.history.filter((e) => e.type === 'StateExited' && e.state === 'StoreClip')).toHaveLength(2);
  });
});

describe('failures are recorded with state and cause', () => {
  it('fails the run after bounded retries of a failing scene and names the scene in the manifest', async () => {
    // Text-only (no anchor prediction), so every prediction of this run is a scene-1 attempt.
    stack.emulator!.faults.failNext = 3;
    const storyboard = { ...shortStoryboard('Always failing scene'), anchor: false };
    const result = (await render({ storyboard, outDir: dir, on: stack, progress: false })) as Rendered;
    expect(result.exitCode).toBe(1);
    expect(result.execution).toMatchObject({ status: 'FAILED', error: 'PredictionFailedError' });
    expect(result.history.filter((e) => e.type === 'StateEntered' && e.state === 'NextAttempt')).toHaveLength(2);
    expect(result.manifest.status).toBe('failed');
    expect(result.manifest.failure).toMatchObject({ state: 'Scenes', error: 'PredictionFailedError' });
    expect(result.manifest.failure!.cause).toMatch(/scene-1: prediction \w+ failed/);
    expect(result.manifest.steps.find((s) => s.step === 'scene-1')).toMatchObject({ attempts: 3 });
  });

  it('generates a scene again when its clip does not decode (OutputInvalidError)', async () => {
    stack.emulator!.faults.corruptOutputs = 1; // text-only: the first prediction is scene 1's clip
    const result = (await render({ storyboard: { ...shortStoryboard('Corrupt clip'), anchor: false }, outDir: dir, on: stack, progress: false })) as Rendered;
    expect(result.exitCode).toBe(0);
    expect(result.history.some((e) => e.type === 'StateFailed' && e.state === 'StoreClip' && e.error === 'OutputInvalidError')).toBe(true);
    expect(result.manifest.steps.find((s) => s.step === 'scene-1')).toMatchObject({ attempts: 2, status: 'stored' });
  });

  it('fails on a corrupt anchor image (OutputInvalidError) instead of passing it on', async () => {
    stack.emulator!.faults.corruptOutputs = 1; // the anchor image
    const result = await renderShort('Corrupt output');
    expect(result.exitCode).toBe(1);
    expect(result.manifest.failure).toMatchObject({ state: 'StoreAnchor', error: 'OutputInvalidError' });
  });

  it('cancels predictions still running when the run fails', async () => {
    // Two parallel scenes on an emulator that renders one at a time: when the first clip's store
    // step fails, the second prediction is still queued or processing and must be canceled.
    const failing = await startLocalStack({
      retryIntervalMs: 50,
      emulator: { faults: { processingDelayMs: 1500 } },
      handlers: {
        'store-output': async (event: { kind: string; step: string }) => {
          if (event.kind === 'video') throw Object.assign(new Error(`${event.step}: disk full`), { name: 'MediaToolError' });
          return HANDLERS['store-output'](event);
        },
      },
    });
    try {
      const storyboard = { ...shortStoryboard('Cancel on failure', 2), strategy: 'independent' };
      const result = (await render({ storyboard, outDir: dir, on: failing, progress: false })) as Rendered;
      expect(result.exitCode).toBe(1);
      expect(result.manifest.failure).toMatchObject({ state: 'Scenes', error: 'MediaToolError' });
      const canceled = result.manifest.failure!.canceledPredictions;
      expect(canceled).toHaveLength(1);
      const [prediction] = failing.emulator!.predictions().filter((p) => p.id === canceled[0]);
      expect(prediction.status).toBe('canceled');
    } finally {
      await failing.stop();
    }
  });
});

// Each test runs its own stack (the environment then points at it): keep these after the shared-stack tests.
describe('a retried start reuses its prediction (Lambda.ServiceException after the create)', () => {
  it.each(['clip', 'anchor'])(
    'a Lambda.ServiceException after the %s start created its prediction: the retry reuses it (one billed prediction)',
    async (failing) => {
      let failed = false;
      const flaky = await startLocalStack({
        retryIntervalMs: 50,
        handlers: {
          // The invoke fails after the handler did its work, as Lambda's service errors can.
          [failing]: async (event: unknown) => {
            const started = await HANDLERS[failing](event);
            if (!failed) {
              failed = true;
              throw Object.assign(new Error('Lambda service error after the create (injected)'), { name: 'Lambda.ServiceException' });
            }
            return started;
          },
        },
      });
      try {
        const storyboard = { ...shortStoryboard(`Retried ${failing} start`, 1), ...(failing === 'clip' && { anchor: false }) };
        const result = (await render({ storyboard, outDir: dir, on: flaky, progress: false })) as Rendered;
        expect(result.exitCode).toBe(0);
        const state = failing === 'clip' ? 'Clip' : 'Anchor';
        expect(retried(result, state)).toBe(1);
        const step = failing === 'clip' ? 'scene-1' : 'anchor';
        const predictions = flaky.emulator!.predictions().filter((p) => (p.model === SDXL.replicateModel) === (failing === 'anchor'));
        expect(predictions.map((p) => p.status)).toEqual(['succeeded']);
        expect(result.manifest.steps.find((s) => s.step === step)).toMatchObject({ attempts: 1, status: 'stored', predictionId: predictions[0].id });
      } finally {
        await flaky.stop();
      }
    },
  );

  it('the webhook of a reused prediction fired into the closed token: answered 409, and its retry resumes the re-pointed task', async () => {
    let calls = 0;
    const flaky: LocalStack = await startLocalStack({
      retryIntervalMs: 50,
      callbackTimeoutMs: 10_000, // without the retry, the poll would finish the task after 10 s
      handlers: {
        clip: async (event: unknown) => {
          if (++calls === 1) {
            await HANDLERS.clip(event);
            throw Object.assign(new Error('Lambda service error after the create (injected)'), { name: 'Lambda.ServiceException' });
          }
          // The retried invoke starts only after the prediction's webhook hit the closed token.
          await waitFor('the first webhook delivery', () => flaky.emulator!.webhookDeliveries().length > 0, 30_000);
          return HANDLERS.clip(event);
        },
      },
    });
    try {
      const storyboard = { ...shortStoryboard('Webhook before the retry', 1), anchor: false };
      const result = (await render({ storyboard, outDir: dir, on: flaky, progress: false })) as Rendered;
      expect(result.exitCode).toBe(0);
      expect(flaky.emulator!.predictions()).toHaveLength(1);
      const statuses = flaky.emulator!.webhookDeliveries().map((d) => d.status);
      expect(statuses[0]).toBe(409);
      expect(statuses.at(-1)).toBe(200);
      expect(result.history.some((e) => e.state === 'PollClip')).toBe(false);
    } finally {
      await flaky.stop();
    }
  });
});

describe('a Task that throws is never hidden', () => {
  it('fails the run with the handler’s own error name when a Task throws a TypeError', async () => {
    const broken = await startLocalStack({
      handlers: {
        clip: async () => {
          throw new TypeError('Promise.withResolvers is not a function');
        },
      },
    });
    try {
      const result = await renderShort('Broken task', broken);
      expect(result.exitCode).toBe(1);
      expect(result.execution.error).toBe('TypeError');
      expect(result.manifest.failure).toMatchObject({ state: 'Scenes', error: 'TypeError' });
      expect(result.film).toBeNull();
    } finally {
      await broken.stop();
    }
  });
});
