// A compare that ends outside its own paths (stopped from the console, timed out, a local Ctrl-C)
// still records its one ending: the Step Functions status change reaches execution-ended, which
// claims compares/{id}/ending.json create-only, like JoinComparison and RecordCompareFailure, and
// the winner asks for the compare notification. The variants' runs stop with their parent and are
// recorded by the run path. Emulated predictions are slowed down so the variants are still busy.
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { HANDLERS } from '../../local/handlers';
import { findJson } from '../../functions/adapters/s3';
import { findManifest } from '../../functions/adapters/run-store';
import { compareKeys, type CompareEnding, type CompareRequestRecord } from '../../functions/domain/compare';
import { newRunId } from '../../functions/domain/run-keys';
import type { CompareSummary } from '../../functions/domain/notification';
import type { Execution } from '../../local/step-functions';
import { waitFor } from '../handlers/helpers';
import { within } from './gates';
import { shortStoryboard } from './short-storyboard';
import { startNotifyReceiver, verified, type NotifyReceiver } from '../support/notify-receiver';

let stack: LocalStack;
let receiver: NotifyReceiver;

beforeAll(async () => {
  stack = await startLocalStack({ emulator: { faults: { processingDelayMs: 4000 } }, notifyRetryMs: 20, asyncRetryMs: 20 });
  receiver = await startNotifyReceiver();
});
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

const endingOf = (compareId: string) => findJson<CompareEnding>(stack.config, compareKeys(compareId).ending);
const compareIdOf = (payload: unknown) => (payload as { compareId?: string }).compareId;
const invocationsFor = (compareId: string) => stack.asyncInvocations.filter((i) => compareIdOf(i.payload) === compareId);
const eventsFor = (compareId: string) => stack.events.filter((e) => (e.detail as { compareId?: string }).compareId === compareId);
const runExecution = (runId: string) => stack.engine.list().find((e) => e.name === runId);

/** The "Execution Status Change" EventBridge delivers for an execution of `stateMachineArn`. */
const statusChange = (name: string, status: string, stateMachineArn: string, extra: { error?: string; cause?: string } = {}) => ({
  version: '0',
  id: `test-${name}-${status}`,
  'detail-type': 'Step Functions Execution Status Change',
  source: 'aws.states',
  time: new Date().toISOString(),
  region: 'us-east-1',
  resources: [],
  detail: { executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`, stateMachineArn, name, status, error: extra.error ?? null, cause: extra.cause ?? null },
});

/** Every status change and notification in flight is over (the list grows while they run). */
async function settled() {
  for (let seen = -1; seen !== stack.statusChanges.length + stack.asyncInvocations.length; ) {
    seen = stack.statusChanges.length + stack.asyncInvocations.length;
    await Promise.all(stack.statusChanges);
    await Promise.all(stack.asyncInvocations.map((i) => i.done));
  }
}

/** POSTs a compare of one-scene variants and waits until each variant's run is rendering. */
async function startBusyCompare(title: string, notifyPath: string): Promise<{ compareId: string; runIds: string[]; execution: Execution }> {
  const response = await fetch(`${stack.apiUrl}/compares`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ storyboard: { ...shortStoryboard(title, 1), anchor: false }, variants: ['fast:chain', 'fast:single'], notify: { url: `${receiver.url}${notifyPath}` } }),
  });
  expect(response.status).toBe(202);
  const { compareId } = (await response.json()) as { compareId: string };
  const request = await waitFor(`${compareId}'s request.json`, () => findJson<CompareRequestRecord>(stack.config, compareKeys(compareId).request));
  const runIds = request.runs.map((r) => r.runId);
  await waitFor(`${compareId}'s variants to render`, async () => {
    const manifests = await Promise.all(runIds.map((runId) => findManifest(stack.config, runId)));
    return runIds.every((runId) => runExecution(runId)?.status === 'RUNNING') && manifests.every((m) => m?.status === 'running');
  });
  const execution = stack.compareEngine.list().find((e) => e.name === compareId)!;
  expect(execution.status).toBe('RUNNING');
  return { compareId, runIds, execution };
}

describe('a compare stopped from outside (StopExecution, as the console does)', () => {
  let compareId: string;
  let runIds: string[];
  let execution: Execution;

  beforeAll(async () => {
    ({ compareId, runIds, execution } = await startBusyCompare('Stopped compare', '/stopped'));
    const sfn = new SFNClient({ endpoint: stack.sfnEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await sfn.send(new StopExecutionCommand({ executionArn: execution.executionArn })); // no error or cause, as the console
    await within(execution.done, 'the compare execution to stop');
    // Each execution's status change is handed on before its `done` resolves.
    await within(Promise.all(runIds.map((runId) => runExecution(runId)!.done)), 'the variants to stop');
    await settled();
  }, 60_000);

  it('records its ending as canceled by execution-ended', async () => {
    expect(execution.status).toBe('ABORTED');
    expect(await endingOf(compareId)).toMatchObject({
      status: 'canceled',
      by: 'execution-ended',
      failure: { state: 'Execution', error: 'ExecutionAborted', cause: expect.stringMatching(/ABORTED/) },
    });
  });

  it('GET /compares/{id} reports the recorded ending', async () => {
    const report = (await (await fetch(`${stack.apiUrl}/compares/${compareId}`)).json()) as { status: string; ending: CompareEnding | null };
    expect(report.status).toBe('canceled');
    expect(report.ending).toMatchObject({ status: 'canceled', by: 'execution-ended' });
    expect(report.ending).toEqual(await endingOf(compareId));
  });

  it('sends one signed compare.canceled POST (verified with standardwebhooks) and one "Compare Canceled" event', async () => {
    const deliveries = receiver.received.filter((r) => r.path === '/stopped');
    expect(deliveries).toHaveLength(1);
    const payload = verified<CompareSummary>(stack.notifySecret, deliveries[0]);
    expect(payload).toMatchObject({
      type: 'compare.canceled',
      data: { compareId, status: 'canceled', endedBy: 'execution-ended', sideBySideKey: null, failure: { error: 'ExecutionAborted' } },
    });
    expect(payload.data.variants.map((v) => v.runId)).toEqual(runIds);
    expect(eventsFor(compareId)).toEqual([expect.objectContaining({ source: 'longshot', detailType: 'Compare Canceled', detail: payload.data })]);
  });

  it('stops its variants’ runs, each recorded canceled by the run path', async () => {
    const manifests = await Promise.all(runIds.map((runId) => findManifest(stack.config, runId)));
    for (const manifest of manifests) expect(manifest).toMatchObject({ status: 'canceled', endedBy: 'execution-ended' });
  });

  // Last in this block: it hands the status change over again.
  it('records it once: the same status change delivered again changes nothing and asks for no notification', async () => {
    const ending = await endingOf(compareId);
    const again = await HANDLERS['execution-ended'](statusChange(compareId, 'ABORTED', stack.compareEngine.stateMachineArn));
    await settled();
    expect(again).toEqual({ recorded: false, compareId });
    expect(await endingOf(compareId)).toEqual(ending);
    expect(invocationsFor(compareId)).toHaveLength(1);
  });
});

describe('execution-ended on a compare execution', () => {
  const compareMachine = () => stack.compareEngine.stateMachineArn;

  it.each([
    ['ABORTED', {}, { status: 'canceled', error: 'ExecutionAborted' }],
    ['TIMED_OUT', {}, { status: 'failed', error: 'States.Timeout' }],
    ['FAILED', { error: 'States.Runtime', cause: 'a hand-made failure' }, { status: 'failed', error: 'States.Runtime' }],
  ])('%s without an ending of its own: records it and asks for one notification', async (status, extra, expected) => {
    const compareId = newRunId('hand made compare');
    expect(await HANDLERS['execution-ended'](statusChange(compareId, status, compareMachine(), extra))).toEqual({ recorded: true, compareId });
    await settled();
    expect(await endingOf(compareId)).toMatchObject({ status: expected.status, by: 'execution-ended', failure: { state: 'Execution', error: expected.error } });
    expect(invocationsFor(compareId)).toHaveLength(1);
    expect(eventsFor(compareId).map((e) => e.detailType)).toEqual([expected.status === 'canceled' ? 'Compare Canceled' : 'Compare Failed']);
  });

  it.each(['FAILED', 'ABORTED', 'TIMED_OUT'])('%s after RecordCompareFailure recorded the ending: leaves it alone and asks for nothing', async (status) => {
    const compareId = newRunId('self recorded compare');
    await HANDLERS['record-compare-failure']({ compareId, failure: { PrepareCompare: { Error: 'InvalidStoryboardError', Cause: 'hand-made' } } });
    const ending = await endingOf(compareId);
    expect(await HANDLERS['execution-ended'](statusChange(compareId, status, compareMachine(), { error: 'InvalidStoryboardError' }))).toEqual({ recorded: false, compareId });
    await settled();
    expect(await endingOf(compareId)).toEqual(ending);
    expect(ending).toMatchObject({ status: 'failed', by: 'record-compare-failure' });
    expect(invocationsFor(compareId)).toHaveLength(1);
    expect(eventsFor(compareId).map((e) => e.detailType)).toEqual(['Compare Failed']);
  });

  it('a run machine event with the same name is a run, not a compare', async () => {
    const name = newRunId('run not compare');
    await HANDLERS['execution-ended'](statusChange(name, 'ABORTED', stack.engine.stateMachineArn));
    await settled();
    expect(await endingOf(name)).toBeNull();
    expect(await findManifest(stack.config, name)).toMatchObject({ status: 'canceled', endedBy: 'execution-ended' });
  });
});

// Last: interrupting stops everything still running on the stack.
describe('a local interrupt (Ctrl-C)', () => {
  it('records a running compare as interrupted, like its runs', async () => {
    const { compareId, runIds } = await startBusyCompare('Interrupted compare', '/interrupted');
    const interruption = await stack.interrupt('the test interrupted this compare');
    expect(interruption.compares).toEqual({ recorded: [compareId], unrecorded: [] });
    expect(interruption.recorded.sort()).toEqual([...runIds].sort());
    expect(await endingOf(compareId)).toMatchObject({ status: 'canceled', by: 'execution-ended', failure: { error: 'Interrupted', cause: 'the test interrupted this compare' } });
  }, 60_000);
});
