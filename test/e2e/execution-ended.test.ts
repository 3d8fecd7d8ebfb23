// Runs that end outside the state machine's failure path (stopped from the console, timed out) are
// still recorded in their manifest, through the Step Functions status-change event; executions
// started by hand in the console (generated name, any input) are recorded under a derived run id.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { HANDLERS } from '../../local/handlers';
import { findEnding, findManifest } from '../../functions/adapters/run-store';
import { runIdForExecution } from '../../functions/domain/execution';
import { shortStoryboard } from './short-storyboard';
import { gatedHandler, within } from './gates';

const clip = gatedHandler(HANDLERS.clip);
let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ emulator: { faults: { processingDelayMs: 4000 } }, handlers: { clip: clip.handler } });
});
afterAll(() => stack?.stop());

const storyboard = (title: string) => ({ ...shortStoryboard(title), anchor: false });

async function startRun(title: string): Promise<string> {
  const response = await fetch(`${stack.apiUrl}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(storyboard(title)) });
  return ((await response.json()) as { runId: string }).runId;
}

const execution = (name: string) => stack.engine.list().find((e) => e.name === name)!;

/** Waits until the clip task of `start()`'s run has created its prediction. */
async function withClipStarted(start: () => Promise<string> | string): Promise<string> {
  const pass = clip.arm('after');
  const name = await start();
  await within(pass.arrived, 'the clip prediction to be created');
  pass.open();
  return name;
}

/** The run id of a console execution: the same derivation Prepare and RecordFailure use. */
const consoleRunId = (name: string) => runIdForExecution(name, execution(name).startDate);

describe('execution status change', () => {
  it('records a run stopped from outside (the console) as canceled and cancels its prediction', async () => {
    const runId = await withClipStarted(() => startRun('Stopped from console'));
    stack.engine.stopExecution(execution(runId).executionArn); // no error or cause, as the console does
    await execution(runId).done;
    await Promise.all(stack.statusChanges);
    const manifest = await findManifest(stack.config, runId);
    expect(manifest).toMatchObject({ status: 'canceled', endedBy: 'execution-ended', failure: { state: 'Execution', error: 'ExecutionAborted' } });
    expect(manifest!.failure!.cause).toMatch(/ABORTED/);
    const [predictionId] = manifest!.failure!.canceledPredictions;
    expect(stack.emulator!.predictions().find((p) => p.id === predictionId)?.status).toBe('canceled');
  }, 30_000);

  it('leaves a run that recorded its own ending alone (DELETE)', async () => {
    const runId = await withClipStarted(() => startRun('Deleted run'));
    const response = await fetch(`${stack.apiUrl}/runs/${runId}`, { method: 'DELETE' });
    expect(response.status).toBe(202);
    await execution(runId).done;
    const ending = await findEnding(stack.config, runId);
    await Promise.all(stack.statusChanges);
    expect(await findEnding(stack.config, runId)).toEqual(ending);
    const manifest = await findManifest(stack.config, runId);
    expect(manifest).toMatchObject({ status: 'canceled', endedBy: 'cancel-request' });
    expect(manifest?.failure).toMatchObject({ state: 'Canceled', error: 'RunCanceled', cause: expect.stringMatching(/DELETE/) });
  }, 30_000);
});

describe('an execution started by hand (generated name, any input)', () => {
  it.each([['{}'], ['{"hello":1}'], ['{"source":"inbox/x.json"}'], ['{"storyboard":{"title":"no scenes"}}']])(
    'with input %s fails with a recorded manifest under a derived run id and a clear cause',
    async (input) => {
      const name = randomUUID();
      stack.engine.startExecution(name, input);
      await within(execution(name).done, 'the execution to end');
      await Promise.all(stack.statusChanges);

      expect(execution(name)).toMatchObject({ status: 'FAILED', error: 'InvalidStoryboardError' });
      const runId = consoleRunId(name);
      const manifest = await findManifest(stack.config, runId);
      expect(manifest).toMatchObject({ runId, executionName: name, status: 'failed', endedBy: 'record-failure', failure: { state: 'Prepare', error: 'InvalidStoryboardError' } });
      expect(manifest!.failure!.cause).toMatch(/^Invalid storyboard:\n- /);
      expect(execution(name).cause).toMatch(/^Prepare: Invalid storyboard/);
    },
  );

  it.each([['"text"'], ['[1]'], ['null'], ['42']])(
    'with input %s (the Catch cannot even hold the error) is recorded by the status-change event, saying what the input should be',
    async (input) => {
      const name = randomUUID();
      stack.engine.startExecution(name, input);
      await within(execution(name).done, 'the execution to end');
      await Promise.all(stack.statusChanges);
      const manifest = await findManifest(stack.config, consoleRunId(name));
      expect(manifest).toMatchObject({ executionName: name, status: 'failed', endedBy: 'execution-ended', failure: { state: 'Execution' } });
      expect(manifest!.failure!.cause).toMatch(/^\(execution input\): the execution input must be .*; got /);
    },
  );

  it('names what the input should have been and what it was', async () => {
    const name = randomUUID();
    stack.engine.startExecution(name, '{"hello":1}');
    await within(execution(name).done, 'the execution to end');
    const manifest = await findManifest(stack.config, consoleRunId(name));
    expect(manifest!.failure!.cause).toMatch(/the execution input must be \{"storyboard": \{…\}\} or \{"source": \{"key": "<object key>"\}\}.*; got \{"hello":1\}/);
  });

  it('GET /runs/{derived id} finds the run and its execution', async () => {
    const name = randomUUID();
    stack.engine.startExecution(name, '{}');
    await within(execution(name).done, 'the execution to end');
    const response = await fetch(`${stack.apiUrl}/runs/${consoleRunId(name)}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'failed', execution: { status: 'FAILED' }, manifest: { executionName: name }, error: { error: 'InvalidStoryboardError' } });
  });

  it('with a valid storyboard runs under the derived id; a stop is recorded on it through the status-change event', async () => {
    const name = await withClipStarted(() => {
      const id = randomUUID();
      stack.engine.startExecution(id, JSON.stringify({ storyboard: storyboard('Console storyboard') }));
      return id;
    });
    stack.engine.stopExecution(execution(name).executionArn);
    await execution(name).done;
    await Promise.all(stack.statusChanges);
    const manifest = await findManifest(stack.config, consoleRunId(name));
    expect(manifest).toMatchObject({ executionName: name, title: 'Console storyboard', status: 'canceled', endedBy: 'execution-ended' });
    expect(manifest!.failure!.canceledPredictions).toHaveLength(1);
  }, 30_000);
});
