// Run notifications through the real state machine: the ending writer that wins hands the run to
// the notify function (through the local Lambda API, asynchronously), which puts the EventBridge
// event and POSTs the signed summary to notify.url — here a receiver on 127.0.0.1 that verifies
// the signature with the `standardwebhooks` package, as a caller would.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { findJson, listKeys, putJson } from '../../functions/adapters/s3';
import { claimEnding } from '../../functions/adapters/run-store';
import { failedEnding } from '../../functions/domain/ending';
import { HANDLERS } from '../../local/handlers';
import { runKeys } from '../../functions/domain/run-keys';
import type { DeliveryRecord } from '../../functions/workflow/notify-run';
import { waitFor, waitForStep } from '../handlers/helpers';
import { shortStoryboard } from './short-storyboard';
import { startNotifyReceiver, verified, type NotifyReceiver, type Received } from '../support/notify-receiver';

let stack: LocalStack;
let receiver: NotifyReceiver;

beforeAll(async () => {
  stack = await startLocalStack({ notifyRetryMs: 20, asyncRetryMs: 20 });
  receiver = await startNotifyReceiver();
});
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});
afterEach(() => {
  for (const key of Object.keys(stack.emulator!.faults)) delete (stack.emulator!.faults as Record<string, unknown>)[key];
});

async function postRun(body: unknown): Promise<Response> {
  return fetch(`${stack.apiUrl}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Starts a one-scene run that notifies `path` on the receiver; resolves when its notification work is over. */
async function runToNotification(title: string, path: string, whileRunning?: (runId: string) => Promise<unknown>) {
  const response = await postRun({ storyboard: { ...shortStoryboard(title, 1), anchor: false }, notify: { url: `${receiver.url}${path}` } });
  expect(response.status).toBe(202);
  const { runId } = (await response.json()) as { runId: string };
  await whileRunning?.(runId);
  await waitFor(`${runId}'s execution`, () => stack.engine.list().find((e) => e.name === runId))
    .then((execution) => execution.done);
  const invocation = await waitFor(`${runId}'s notification`, () =>
    stack.asyncInvocations.find((i) => i.functionName === 'notify' && (i.payload as { runId: string }).runId === runId),
  );
  const outcome = await invocation.done;
  // The execution-ended path also sees a failed execution: it must not notify a second time.
  await Promise.all(stack.statusChanges);
  const invocations = stack.asyncInvocations.filter((i) => (i.payload as { runId: string }).runId === runId);
  await Promise.all(invocations.map((i) => i.done));
  return { runId, outcome, invocations: invocations.length, deliveries: receiver.received.filter((r) => r.path === path) };
}

const verify = (delivery: Received) => verified(stack.notifySecret, delivery);

describe('a run that ends tells its caller once', () => {
  it('succeeded: one POST that verifies with standardwebhooks, and one "Run Completed" event', async () => {
    const { runId, deliveries, invocations } = await runToNotification('Notified success', '/succeeded');
    expect(invocations).toBe(1);
    expect(deliveries).toHaveLength(1);
    const payload = verify(deliveries[0]);
    expect(payload).toMatchObject({ type: 'run.succeeded', data: { runId, status: 'succeeded', failure: null, film: { key: runKeys(runId).final } } });
    expect(payload.data.film!.durationSec).toBeGreaterThan(0);
    expect(deliveries[0].headers['webhook-id']).toBe(payload.data.notificationId);
    const events = stack.events.filter((e) => (e.detail as { runId: string }).runId === runId);
    expect(events).toEqual([expect.objectContaining({ source: 'longshot', detailType: 'Run Completed', eventBusName: 'default', detail: payload.data })]);
  });

  it('failed: one POST with the failure that verifies, and one "Run Failed" event', async () => {
    stack.emulator!.faults.failNext = 3; // every attempt of the only scene
    const { runId, deliveries, invocations } = await runToNotification('Notified failure', '/failed');
    expect(invocations).toBe(1);
    expect(deliveries).toHaveLength(1);
    const payload = verify(deliveries[0]);
    expect(payload).toMatchObject({ type: 'run.failed', data: { runId, status: 'failed', film: null, failure: { error: 'PredictionFailedError' } } });
    const events = stack.events.filter((e) => (e.detail as { runId: string }).runId === runId);
    expect(events.map((e) => e.detailType)).toEqual(['Run Failed']);
  });

  it('canceled by DELETE: one POST typed run.canceled, and one "Run Canceled" event (the stop loses the ending)', async () => {
    stack.emulator!.faults.processingDelayMs = 4000; // the scene is still generating when DELETE comes
    const cancel = async (runId: string) => {
      await waitForStep(stack.config, runId, 'scene-1', 'waiting');
      expect((await fetch(`${stack.apiUrl}/runs/${runId}`, { method: 'DELETE' })).status).toBe(202);
    };
    const { runId, deliveries, invocations } = await runToNotification('Notified cancel', '/canceled', cancel);
    expect(invocations).toBe(1);
    expect(deliveries).toHaveLength(1);
    expect(verify(deliveries[0])).toMatchObject({ type: 'run.canceled', data: { runId, status: 'canceled', endedBy: 'cancel-request' } });
    expect(stack.events.filter((e) => (e.detail as { runId: string }).runId === runId).map((e) => e.detailType)).toEqual(['Run Canceled']);
  });

  it('a receiver that answers 500 gets the same notification again, and 200 ends it', async () => {
    receiver.answers.set('/flaky', [500]);
    const { runId, outcome, deliveries } = await runToNotification('Notified after a 500', '/flaky');
    expect(outcome).toMatchObject({ result: { webhook: 'delivered' }, attempts: 1 });
    expect(deliveries).toHaveLength(2);
    expect(new Set(deliveries.map((d) => d.headers['webhook-id'])).size).toBe(1);
    expect(verify(deliveries[1]).data.runId).toBe(runId);
    const [recordKey] = await listKeys(stack.config, `${runKeys(runId).prefix}notifications/`);
    expect(await findJson<DeliveryRecord>(stack.config, recordKey)).toMatchObject({ webhook: { status: 200, attempts: 2, outcome: 'delivered' } });
  });
});

describe('a receiver that never takes it', () => {
  it('answering 410 is asked once: a 4xx other than 429 is final', async () => {
    receiver.answers.set('/gone', [410]);
    const { outcome, deliveries } = await runToNotification('Notified to a gone receiver', '/gone');
    expect(deliveries).toHaveLength(1);
    expect(outcome).toMatchObject({ result: { webhook: 'refused' }, attempts: 1 });
  });

  it('answering 500 every time: bounded attempts per invocation, Lambda retries, the event is put once', async () => {
    receiver.answers.set('/down', Array(100).fill(500));
    const { runId, outcome, deliveries } = await runToNotification('Notified to a broken receiver', '/down');
    // 4 attempts in each of the 3 invocations Lambda makes (the first and its two retries).
    expect(deliveries).toHaveLength(12);
    expect(outcome).toMatchObject({ attempts: 3, error: expect.stringMatching(/^NotificationUndeliveredError: .*failed 4 times \(last: HTTP 500\)/) });
    expect(outcome.error).not.toContain('/down'); // the host only: a path or query can hold a token
    expect(stack.events.filter((e) => (e.detail as { runId: string }).runId === runId)).toHaveLength(1);
  });
});

describe('the notify function on its own', () => {
  const runId = '20261127-1200-hand-made-0123456789abcdef';

  it('sends nothing for a run without an ending', async () => {
    expect(await HANDLERS.notify({ runId })).toMatchObject({ event: 'no-ending', webhook: 'no-ending' });
  });

  it('never connects to an address refused at send time, records it, and sends nothing twice when invoked again', async () => {
    await claimEnding(stack.config, runId, failedEnding('record-failure', 'failed', { state: 'Scenes', error: 'X', cause: 'y' }));
    // As if the name behind an accepted URL now pointed inside the network.
    await putJson(stack.config, runKeys(runId).notify, { url: 'https://10.0.0.1/hook' });
    const before = receiver.received.length;
    expect(await HANDLERS.notify({ runId })).toMatchObject({ event: 'sent', webhook: 'refused' });
    expect(await HANDLERS.notify({ runId })).toMatchObject({ event: 'already-sent', webhook: 'already-done' });
    expect(receiver.received.length).toBe(before);
    expect(stack.events.filter((e) => (e.detail as { runId: string }).runId === runId)).toHaveLength(1);
    const [recordKey] = await listKeys(stack.config, `${runKeys(runId).prefix}notifications/`);
    const record = await findJson<DeliveryRecord>(stack.config, recordKey);
    expect(record?.webhook).toMatchObject({ outcome: 'refused', status: null, attempts: 1, reason: expect.stringMatching(/^notify\.url: .*private address/) });
  });
});

describe('a bad notify.url starts nothing', () => {
  it.each([
    ['not a URL', { url: 'not a url' }],
    ['plain http to a public host', { url: 'http://example.com/hook' }],
    ['a private address', { url: 'https://10.0.0.7/hook' }],
    ['the metadata address', { url: 'https://169.254.169.254/latest' }],
    ['no url', {}],
    ['not an object', 'https://example.com/hook'],
  ])('%s → 400 naming the field', async (_, notify) => {
    const executions = stack.engine.list().length;
    const response = await postRun({ storyboard: shortStoryboard('Never started', 1), notify });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { problems: string[] };
    expect(body.problems.join(' ')).toMatch(/^notify(\.url)?:/);
    expect(stack.engine.list()).toHaveLength(executions);
  });
});
