// Runs that end outside the state machine's failure path (stopped from the console, timed out) are
// still recorded in their manifest, through the Step Functions status-change event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import type { Execution, ProgressEvent } from '../../local/step-functions';
import { findManifest, loadCallback } from '../../functions/adapters/run-store';
import { nextEvent, waitUntil } from '../support/wait';
import { shortStoryboard } from './short-storyboard';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ emulator: { faults: { processingDelayMs: 4000 } } });
});
afterAll(() => stack?.stop());

async function startRun(title: string): Promise<string> {
  const response = await fetch(`${stack.apiUrl}/runs`, { method: 'POST', body: JSON.stringify({ ...shortStoryboard(title), anchor: false }) });
  return ((await response.json()) as { runId: string }).runId;
}

/** The run's execution once it has entered `state` (its progress event, or its history if already past). */
async function waitForState(runId: string, state: string): Promise<Execution> {
  const execution = stack.engine.list().find((e) => e.name === runId)!;
  const entered = (e: ProgressEvent) => e.type === 'StateEntered' && e.state === state;
  // Checked and subscribed in the same tick: no event can slip in between.
  if (!execution.history.some(entered)) {
    await nextEvent<[Execution, ProgressEvent]>(stack.engine, 'progress', (x, e) => x === execution && entered(e), `${runId} to enter ${state}`);
  }
  return execution;
}

/** The scene's prediction exists and the run knows its id (so a cancel can reach it). */
const predictionRecorded = (runId: string) =>
  waitUntil(`${runId} scene-1 prediction id`, async () => (await loadCallback(stack.config, runId, 'scene-1'))?.predictionId);

describe('execution status change', () => {
  it('records a run stopped from outside (the console) as canceled and cancels its prediction', async () => {
    const runId = await startRun('Stopped from console');
    const execution = await waitForState(runId, 'Clip');
    await predictionRecorded(runId);
    stack.engine.stopExecution(execution.executionArn); // no error or cause, as the console does
    await execution.done;
    await Promise.all(stack.statusChanges);
    const manifest = await findManifest(stack.config, runId);
    expect(manifest).toMatchObject({ status: 'canceled', failure: { state: 'Execution', error: 'ExecutionAborted' } });
    expect(manifest!.failure!.cause).toMatch(/ABORTED/);
    const [predictionId] = manifest!.failure!.canceledPredictions;
    expect(stack.emulator!.predictions().find((p) => p.id === predictionId)?.status).toBe('canceled');
  }, 30_000);

  it('leaves a run that recorded its own ending alone (DELETE)', async () => {
    const runId = await startRun('Deleted run');
    await waitForState(runId, 'Clip');
    await predictionRecorded(runId);
    const response = await fetch(`${stack.apiUrl}/runs/${runId}`, { method: 'DELETE' });
    expect(response.status).toBe(202);
    await stack.engine.list().find((e) => e.name === runId)!.done;
    await Promise.all(stack.statusChanges);
    const manifest = await findManifest(stack.config, runId);
    expect(manifest?.failure).toMatchObject({ state: 'Canceled', error: 'RunCanceled', cause: expect.stringMatching(/DELETE/) });
  }, 30_000);
});
