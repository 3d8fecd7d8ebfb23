// `--emulator-fault` through the real state machine: the stack options the CLI builds
// (withEmulatorFaults) hit one step of a run and leave the others alone.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack, type StackOptions } from '../../local/stack';
import { render, type RenderResult } from '../../local/render';
import { withEmulatorFaults } from '../../local/emulator-faults';
import { listCallbacks } from '../../functions/adapters/run-store';
import { shortStoryboard } from './short-storyboard';

type Rendered = Extract<RenderResult, { runId: string }>;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-e2e-step-faults-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Renders `storyboard` on a stack started with the options `--emulator-fault <faults>` gives. */
async function renderWithFaults(storyboard: unknown, faults: string[], stack: StackOptions): Promise<{ result: Rendered; on: LocalStack }> {
  const on = await startLocalStack(withEmulatorFaults({ retryIntervalMs: 200, ...stack }, faults, [{ storyboard }]));
  const result = await render({ storyboard, outDir: dir, on, progress: false });
  if (result.outcome === 'invalid') throw new Error(result.problems.join('; '));
  return { result, on };
}

const attemptsByStep = (result: Rendered) => Object.fromEntries(result.manifest.steps.map((s) => [s.step, s.attempts]));

describe('scene-2:fail without webhooks (the step is recognised by its request)', () => {
  let stack: LocalStack | undefined;
  afterAll(() => stack?.stop());

  it('fails the run at scene 2 after its regenerate attempts; the anchor and scenes 1 and 3 are not hit', async () => {
    const storyboard = { ...shortStoryboard('Scene two refused', 3), strategy: 'independent' };
    const { result, on } = await renderWithFaults(storyboard, ['scene-2:fail'], { webhooks: false });
    stack = on;
    expect(result.exitCode).toBe(1);
    expect(result.manifest.failure).toMatchObject({ state: 'Scenes', error: 'PredictionFailedError' });
    expect(result.manifest.failure!.cause).toMatch(/scene-2: prediction \w+ failed: The input or output was flagged as sensitive \(E005; emulator fault scene-2:fail\)/);
    expect(attemptsByStep(result)).toMatchObject({ anchor: 1, 'scene-1': 1, 'scene-2': 3 });
    // Scene 3 ran beside scene 2: its predictions (if it got that far) are none of the failed ones.
    const failed = on.emulator!.predictions().filter((p) => p.status === 'failed');
    expect(failed).toHaveLength(3);
    expect(new Set(failed.map((p) => p.input.prompt))).toEqual(new Set([storyboard.scenes[1].prompt]));
  }, 120_000);
});

describe('scene-1:drop-webhook with webhooks', () => {
  let stack: LocalStack | undefined;
  afterAll(() => stack?.stop());

  it('succeeds: scene 1 is finished by the poll path, the anchor and scene 2 by their webhooks', async () => {
    // The CLI's own webhook wait (faultTiming: 10 s at latency 0): long enough for the other steps' webhooks on a busy machine.
    const { result, on } = await renderWithFaults(shortStoryboard('Scene one unheard', 2), ['scene-1:drop-webhook'], {});
    stack = on;
    expect(result.exitCode).toBe(0);
    expect(result.history.filter((e) => e.type === 'StateEntered' && e.state === 'StartClipPolls')).toHaveLength(1);
    const callbacks = await listCallbacks(on.config, result.runId);
    expect(callbacks.find((c) => c.step === 'scene-1')!.resumedBy).toBe('poll');
    await on.emulator!.idle();
    const delivered = new Set(on.emulator!.webhookDeliveries().filter((d) => d.status === 200).map((d) => d.predictionId));
    const hooked = Object.fromEntries(result.manifest.steps.map((s) => [s.step, delivered.has(s.predictionId!)]));
    expect(hooked).toEqual({ anchor: true, 'scene-1': false, 'scene-2': true });
  }, 120_000);
});
