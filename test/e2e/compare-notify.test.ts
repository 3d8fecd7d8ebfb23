// Compare notifications through the real state machines: POST /compares with notify.url; when the
// compare's one ending is recorded, the writer that won it (JoinComparison, or RecordCompareFailure)
// hands the compare to the same notify function as runs, which puts one "Compare …" EventBridge event
// and POSTs the signed compare summary to a receiver on 127.0.0.1 that verifies it with the
// `standardwebhooks` package, as a caller would.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { findJson } from '../../functions/adapters/s3';
import { compareKeys, type CompareRequestRecord } from '../../functions/domain/compare';
import type { CompareSummary } from '../../functions/domain/notification';
import { HANDLERS } from '../../local/handlers';
import { waitFor } from '../handlers/helpers';
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

const postCompare = (body: unknown) =>
  fetch(`${stack.apiUrl}/compares`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const compareIdOf = (payload: unknown) => (payload as { compareId?: string }).compareId;

/** Two variants of a one-scene storyboard that notify `path`; resolves when the compare's notification work is over. */
async function compareToNotification(title: string, path: string) {
  const response = await postCompare({
    storyboard: { ...shortStoryboard(title, 1), anchor: false },
    variants: ['fast:chain', 'fast:single'],
    notify: { url: `${receiver.url}${path}` },
  });
  expect(response.status).toBe(202);
  const { compareId } = (await response.json()) as { compareId: string };
  const execution = await waitFor(`${compareId}'s execution`, () => stack.compareEngine.list().find((e) => e.name === compareId));
  await execution.done;
  const invocation = await waitFor(`${compareId}'s notification`, () =>
    stack.asyncInvocations.find((i) => i.functionName === 'notify' && compareIdOf(i.payload) === compareId),
  );
  await invocation.done;
  // Every notification in flight (the variants' runs notify too) is over before counting.
  await Promise.all(stack.statusChanges);
  await Promise.all(stack.asyncInvocations.map((i) => i.done));
  const request = await findJson<CompareRequestRecord>(stack.config, compareKeys(compareId).request);
  return {
    compareId,
    runIds: request!.runs.map((r) => r.runId),
    invocations: stack.asyncInvocations.filter((i) => compareIdOf(i.payload) === compareId).length,
    deliveries: receiver.received.filter((r) => r.path === path),
    events: stack.events.filter((e) => (e.detail as { compareId?: string }).compareId === compareId),
  };
}

const verify = (delivery: Received) => verified<CompareSummary>(stack.notifySecret, delivery);

describe('a compare that ends tells its caller once', () => {
  it('succeeded: one POST that verifies with standardwebhooks, and one "Compare Completed" event', async () => {
    const { compareId, runIds, invocations, deliveries, events } = await compareToNotification('Notified compare', '/compare-succeeded');
    expect(invocations).toBe(1);
    expect(deliveries).toHaveLength(1);
    const payload = verify(deliveries[0]);
    expect(payload).toMatchObject({
      type: 'compare.succeeded',
      data: { compareId, status: 'succeeded', endedBy: 'join-comparison', sideBySideKey: compareKeys(compareId).sideBySide, variantsFailed: 0, failure: null },
    });
    expect(payload.data.variants.map((v) => [v.label, v.runId, v.status])).toEqual([
      ['ltx-2-fast × chain', runIds[0], 'succeeded'],
      ['ltx-2-fast × single', runIds[1], 'succeeded'],
    ]);
    for (const variant of payload.data.variants) expect(variant.cost.usd).toBeGreaterThanOrEqual(0);
    expect(deliveries[0].headers['webhook-id']).toBe(payload.data.notificationId);
    expect(events).toEqual([expect.objectContaining({ source: 'longshot', detailType: 'Compare Completed', eventBusName: 'default', detail: payload.data })]);
  }, 120_000);

  it('failed (no variant made a film): one POST typed compare.failed from RecordCompareFailure, and one "Compare Failed" event', async () => {
    stack.emulator!.faults.failNext = 100; // every attempt of both variants' only scene
    const { compareId, invocations, deliveries, events } = await compareToNotification('Notified compare failure', '/compare-failed');
    expect(invocations).toBe(1);
    expect(deliveries).toHaveLength(1);
    expect(verify(deliveries[0])).toMatchObject({
      type: 'compare.failed',
      data: { compareId, status: 'failed', endedBy: 'record-compare-failure', sideBySideKey: null, variantsFailed: 2, failure: { error: 'NothingToCompareError' } },
    });
    expect(events.map((e) => e.detailType)).toEqual(['Compare Failed']);
  }, 120_000);
});

describe('only the writer that wins the compare ending asks', () => {
  it('a second RecordCompareFailure finds the ending held and requests no notification', async () => {
    const compareId = '20261127-1200-hand-made-compare-0123456789abcdef';
    const failure = { Variants: { Error: 'States.TaskFailed', Cause: 'hand-made' } };
    await HANDLERS['record-compare-failure']({ compareId, failure });
    expect(await HANDLERS['record-compare-failure']({ compareId, failure: { JoinComparison: { Error: 'Later', Cause: 'lost' } } })).toMatchObject({ error: 'States.TaskFailed' });
    const invocations = stack.asyncInvocations.filter((i) => compareIdOf(i.payload) === compareId);
    await Promise.all(invocations.map((i) => i.done));
    expect(invocations).toHaveLength(1);
    expect(stack.events.filter((e) => (e.detail as { compareId?: string }).compareId === compareId).map((e) => e.detailType)).toEqual(['Compare Failed']);
  });
});

describe('a bad notify.url on POST /compares starts nothing', () => {
  it.each([
    ['not a URL', { url: 'not a url' }],
    ['plain http to a public host', { url: 'http://example.com/hook' }],
    ['a private address', { url: 'https://10.0.0.7/hook' }],
    ['no url', {}],
  ])('%s → 400 naming notify.url', async (_, notify) => {
    const before = stack.compareEngine.list().length;
    const response = await postCompare({ storyboard: shortStoryboard('Never compared', 1), variants: ['fast:chain'], notify });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { problems: string[] };
    expect(body.problems).toEqual([expect.stringMatching(/^notify\.url: /)]);
    expect(stack.compareEngine.list()).toHaveLength(before);
  });
});
