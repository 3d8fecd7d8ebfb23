// POST /webhooks/replicate: signature, timestamp and query checks, and what a verified delivery does.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { handler as webhook } from '../../functions/handlers/webhook';
import { handler as api } from '../../functions/handlers/api';
import { loadCallback, saveCallback, type CallbackRecord } from '../../functions/adapters/run-store';
import { newRunId, runKeys } from '../../functions/domain/run-keys';
import { apiEvent, bodyOf, rawObject, tinyStoryboard, waitFor, waitForStep } from './helpers';

let stack: LocalStack;
let secret: string;

beforeAll(async () => {
  stack = await startLocalStack({ retryIntervalMs: 5 });
  secret = stack.emulator!.secret;
});
afterAll(async () => {
  await stack?.stop();
});

// Opaque like a real one: long, with the +/= characters AWS tokens carry.
const token = () => `AQCEAAAAKgAAAAMAAAAA+${randomBytes(48).toString('base64')}==`;

function prediction(id: string, status = 'succeeded', extra: Record<string, unknown> = {}) {
  return {
    id,
    model: 'lightricks/ltx-2-fast',
    version: 'hidden',
    input: { prompt: 'x' },
    status,
    output: status === 'succeeded' ? 'https://example.invalid/files/out.mp4' : null,
    error: null,
    logs: '',
    created_at: '2026-11-25T10:42:13.000Z',
    started_at: '2026-11-25T10:42:14.000Z',
    completed_at: status === 'succeeded' ? '2026-11-25T10:42:20.000Z' : null,
    metrics: { predict_time: 6 },
    ...extra,
  };
}

function signedHeaders(rawBody: string, options: { key?: string; at?: Date; id?: string } = {}) {
  const id = options.id ?? `msg_${randomBytes(8).toString('hex')}`;
  const at = options.at ?? new Date();
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(options.key ?? secret).sign(id, at, rawBody),
    'content-type': 'application/json',
  };
}

function delivery(query: string, rawBody: string, headers: Record<string, string>) {
  return webhook(apiEvent('POST', `/webhooks/replicate${query}`, { body: rawBody, headers }));
}

/** A callback record for a fresh run, as the anchor/clip task writes it once the create answered. */
async function waitingCallback(step = 'scene-1', extra: Partial<CallbackRecord> = {}): Promise<CallbackRecord> {
  const predictionId = `p${randomBytes(8).toString('hex')}`;
  const record: CallbackRecord = {
    runId: newRunId('t'),
    step,
    attempt: 1,
    taskToken: token(),
    predictionId,
    predictionIds: [predictionId],
    createdAt: new Date().toISOString(),
    ...extra,
  };
  await saveCallback(stack.config, record);
  return record;
}

const callbackKey = (record: CallbackRecord) => runKeys(record.runId).callback(record.step);
const queryOf = (record: CallbackRecord) => `?run=${record.runId}&step=${record.step}`;
const named = (name: string) => Object.assign(new Error(`${name} (scripted)`), { name, $metadata: {} });

describe('webhook handler: verified deliveries (Step Functions mocked at the SDK)', () => {
  // Installed for this block only: the last block resumes a real execution through the local SFN API.
  let sfn: AwsClientStub<SFNClient>;
  beforeAll(() => {
    sfn = mockClient(SFNClient);
  });
  beforeEach(() => {
    sfn.reset();
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
  });
  afterAll(() => sfn.restore());

  async function deliver(record: CallbackRecord, body: object, options: Parameters<typeof signedHeaders>[1] = {}) {
    const rawBody = JSON.stringify(body);
    return delivery(queryOf(record), rawBody, signedHeaders(rawBody, options));
  }

  it('a correctly signed completed webhook sends the task result once and records who resumed it', async () => {
    const record = await waitingCallback();
    const response = await deliver(record, prediction(record.predictionId!));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ outcome: 'resumed' });
    expect(response.body).not.toContain(record.taskToken);
    const [call] = sfn.commandCalls(SendTaskSuccessCommand);
    expect(call.args[0].input.taskToken).toBe(record.taskToken);
    expect(JSON.parse(call.args[0].input.output!)).toMatchObject({ prediction: { id: record.predictionId, status: 'succeeded' } });
    expect(await loadCallback(stack.config, record.runId, record.step)).toMatchObject({ resumedBy: expect.stringMatching(/^webhook msg_/), outcome: 'succeeded', taskToken: record.taskToken });
  });

  it('header names are case-insensitive (API Gateway may pass them capitalised)', async () => {
    const record = await waitingCallback();
    const rawBody = JSON.stringify(prediction(record.predictionId!));
    const headers = Object.fromEntries(
      Object.entries(signedHeaders(rawBody)).map(([k, v]) => [k.replace(/(^|-)\w/g, (c) => c.toUpperCase()), v]),
    );
    expect(Object.keys(headers)).toContain('Webhook-Signature');
    const response = await delivery(queryOf(record), rawBody, headers);
    expect(bodyOf(response)).toEqual({ outcome: 'resumed' });
  });

  it('a timestamp 4 minutes old is still inside the 5-minute tolerance', async () => {
    const record = await waitingCallback();
    const response = await deliver(record, prediction(record.predictionId!), { at: new Date(Date.now() - 4 * 60_000) });
    expect(bodyOf(response)).toEqual({ outcome: 'resumed' });
  });

  // The same mapping as the poll path (test/handlers/poll.test.ts): a deadline cancel regenerates, a run's cancel stops.
  it.each([
    ['failed', 30, 'PredictionFailedError'],
    ['canceled', 30, 'PredictionCanceledError'],
    ['canceled', 1800, 'PredictionTimedOutError'],
    ['aborted', 1800, 'PredictionTimedOutError'],
  ])('a %s prediction that lived %s s is sent as task failure %s', async (status, seconds, error) => {
    const record = await waitingCallback();
    const createdAt = new Date(Date.now() - seconds * 1000);
    const body = prediction(record.predictionId!, status, { error: status === 'failed' ? 'model exploded' : null, created_at: createdAt.toISOString(), completed_at: new Date().toISOString() });
    const response = await deliver(record, body);
    expect(bodyOf(response)).toEqual({ outcome: 'resumed' });
    const [call] = sfn.commandCalls(SendTaskFailureCommand);
    expect(call.args[0].input).toMatchObject({ taskToken: record.taskToken, error });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect((await loadCallback(stack.config, record.runId, record.step))?.outcome).toBe(status);
  });

  it.each(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist'])(
    'a closed token (%s) is late: 409 with Retry-After so Replicate comes back, and the claim is given back',
    async (error) => {
      sfn.on(SendTaskSuccessCommand).rejects(named(error));
      const record = await waitingCallback();
      const before = await rawObject(stack.config, callbackKey(record));
      const response = await deliver(record, prediction(record.predictionId!));
      expect(response.statusCode).toBe(409);
      expect(response.headers?.['retry-after']).toBe('5');
      expect(bodyOf(response).outcome).toBe('late');
      // Nothing claimed: a task re-pointed by a retried start still gets the next delivery.
      expect(await rawObject(stack.config, callbackKey(record))).toBe(before);
    },
  );

  it('Step Functions throttling: 500, the claim is given back, and Replicate’s next delivery resumes the task', async () => {
    sfn.on(SendTaskSuccessCommand).rejectsOnce(named('ThrottlingException')).resolves({});
    const record = await waitingCallback();
    const first = await deliver(record, prediction(record.predictionId!), { id: 'msg_retried' });
    expect(first.statusCode).toBe(500);
    expect((await loadCallback(stack.config, record.runId, record.step))?.resumedAt).toBeUndefined();
    const again = await deliver(record, prediction(record.predictionId!), { id: 'msg_retried' });
    expect(bodyOf(again)).toEqual({ outcome: 'resumed' });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(2);
  });

  it('a duplicate delivery after a resume is acknowledged and changes nothing', async () => {
    const record = await waitingCallback('anchor', { resumedAt: '2026-11-25T10:43:00.000Z', resumedBy: 'webhook msg_1', outcome: 'succeeded' });
    const before = await rawObject(stack.config, callbackKey(record));
    const response = await deliver(record, prediction(record.predictionId!));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ outcome: 'duplicate' });
    expect(await rawObject(stack.config, callbackKey(record))).toBe(before);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('a webhook for an earlier, superseded prediction of the step is stale: 200, nothing resumed', async () => {
    const record = await waitingCallback('scene-1', { attempt: 2, predictionId: 'pCurrentAttempt0', predictionIds: ['pOlderAttempt000', 'pCurrentAttempt0'] });
    const before = await rawObject(stack.config, callbackKey(record));
    const response = await deliver(record, prediction('pOlderAttempt000'));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ outcome: 'stale-prediction' });
    expect(await rawObject(stack.config, callbackKey(record))).toBe(before);
    expect(sfn.calls()).toHaveLength(0);
  });

  it.each([
    ['no prediction id saved yet', { predictionId: null, predictionIds: [] }],
    ['only an earlier attempt’s id saved', { attempt: 2, predictionId: null, predictionIds: ['pOlderAttempt000'] }],
    ['another id current (the create answer not saved yet)', { predictionId: 'pSomethingElse00', predictionIds: ['pSomethingElse00'] }],
  ])('a webhook for a prediction not recorded yet (%s) → 409 with Retry-After, so Replicate retries', async (_case, extra) => {
    const record = await waitingCallback('scene-1', extra as Partial<CallbackRecord>);
    const before = await rawObject(stack.config, callbackKey(record));
    const response = await deliver(record, prediction('pJustCreated0000'));
    expect(response.statusCode).toBe(409);
    expect(response.headers?.['retry-after']).toBe('5');
    expect(bodyOf(response).outcome).toBe('not-recorded');
    expect(await rawObject(stack.config, callbackKey(record))).toBe(before);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('a non-terminal status is acknowledged without resuming', async () => {
    const record = await waitingCallback();
    const before = await rawObject(stack.config, callbackKey(record));
    for (const status of ['starting', 'processing']) {
      const response = await deliver(record, prediction(record.predictionId!, status));
      expect(response.statusCode).toBe(200);
      expect(bodyOf(response)).toEqual({ outcome: 'not-terminal' });
    }
    expect(await rawObject(stack.config, callbackKey(record))).toBe(before);
  });

  it('no callback record for the run and step → 404', async () => {
    const runId = newRunId('t');
    const rawBody = JSON.stringify(prediction('pNobodyWaits0000'));
    const response = await delivery(`?run=${runId}&step=scene-1`, rawBody, signedHeaders(rawBody));
    expect(response.statusCode).toBe(404);
    expect(await rawObject(stack.config, runKeys(runId).callback('scene-1'))).toBeNull();
  });

  it('a signed body that is not a prediction → 401', async () => {
    const record = await waitingCallback();
    const response = await deliver(record, { hello: 'world' });
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response).message).toMatch(/not a prediction/);
  });
});

describe('webhook handler: rejected deliveries (401, callback untouched, token never echoed)', () => {
  let record: CallbackRecord;
  let before: string | null;
  let rawBody: string;

  beforeAll(async () => {
    record = await waitingCallback();
    before = await rawObject(stack.config, callbackKey(record));
    rawBody = JSON.stringify(prediction(record.predictionId!));
  });

  async function expectRejected(query: string, body: string, headers: Record<string, string>, reason?: RegExp) {
    const response = await delivery(query, body, headers);
    expect(response.statusCode).toBe(401);
    if (reason) expect(bodyOf(response).message).toMatch(reason);
    expect(response.body).not.toContain(record.taskToken);
    expect(bodyOf(response).error).toBe('WebhookRejectedError');
    expect(await rawObject(stack.config, callbackKey(record))).toBe(before);
    return response;
  }

  it('a signature made with another secret', async () => {
    const other = `whsec_${randomBytes(24).toString('base64')}`;
    await expectRejected(queryOf(record), rawBody, signedHeaders(rawBody, { key: other }), /no matching signature/i);
  });

  it('a tampered body (signed one body, sent another)', async () => {
    const headers = signedHeaders(rawBody);
    const tampered = rawBody.replace('"succeeded"', '"failed"');
    expect(tampered).not.toBe(rawBody);
    await expectRejected(queryOf(record), tampered, headers, /no matching signature/i);
    // Even whitespace matters: the signature covers the raw bytes.
    await expectRejected(queryOf(record), `${rawBody} `, headers);
  });

  it('a signature moved to another webhook-id or timestamp', async () => {
    const headers = signedHeaders(rawBody);
    await expectRejected(queryOf(record), rawBody, { ...headers, 'webhook-id': 'msg_other' });
    const ts = Number(headers['webhook-timestamp']) - 1;
    await expectRejected(queryOf(record), rawBody, { ...headers, 'webhook-timestamp': String(ts) });
  });

  it('a stale timestamp (more than 5 minutes old)', async () => {
    await expectRejected(queryOf(record), rawBody, signedHeaders(rawBody, { at: new Date(Date.now() - 6 * 60_000) }), /too old/);
  });

  it('a timestamp more than 5 minutes in the future', async () => {
    await expectRejected(queryOf(record), rawBody, signedHeaders(rawBody, { at: new Date(Date.now() + 6 * 60_000) }), /too new/);
  });

  it('missing signature headers', async () => {
    const headers = signedHeaders(rawBody);
    await expectRejected(queryOf(record), rawBody, {}, /missing required headers/i);
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const { [name]: _dropped, ...rest } = headers;
      await expectRejected(queryOf(record), rawBody, rest);
    }
  });

  it('a malformed signature header', async () => {
    const headers = signedHeaders(rawBody);
    await expectRejected(queryOf(record), rawBody, { ...headers, 'webhook-signature': 'v1,' });
    await expectRejected(queryOf(record), rawBody, { ...headers, 'webhook-signature': 'garbage' });
  });

  it('a bad or missing run/step query, even with a valid signature', async () => {
    const headers = signedHeaders(rawBody);
    for (const query of [
      '',
      `?run=${record.runId}`,
      `?step=${record.step}`,
      `?run=../x&step=${record.step}`,
      `?run=${record.runId}&step=../x`,
      `?run=${record.runId}&step=${encodeURIComponent('../../manifest')}`,
      `?run=${encodeURIComponent(`${record.runId}/../other`)}&step=${record.step}`,
      `?run=${record.runId}&step=scene-0`,
      `?run=${record.runId}&step=anchor.json`,
    ]) {
      await expectRejected(query, rawBody, headers, /valid run and step/);
    }
  });
});

describe('webhook handler: resuming a task that really waits', () => {
  /** A real execution whose Clip waits, with its prediction finished and the webhook left to us. */
  async function waitingClip(title: string) {
    const { emulator, engine, config } = stack;
    const started = await api(apiEvent('POST', '/runs', { body: JSON.stringify(tinyStoryboard(title)), headers: { 'content-type': 'application/json' } }));
    expect(started.statusCode).toBe(202);
    const { runId } = bodyOf(started);
    const execution = engine.list().find((e) => e.name === runId)!;
    await waitForStep(config, runId, 'scene-1', 'waiting');
    const callback = (await loadCallback(config, runId, 'scene-1'))!;
    expect(callback.predictionId).toBeTruthy();
    const finished = await waitFor('the emulator to finish the prediction', () => {
      const p = emulator!.predictions().find((x) => x.id === callback.predictionId);
      return p && p.status === 'succeeded' ? p : null;
    });
    expect(execution.status).toBe('RUNNING');
    return { runId, execution, callback, rawBody: JSON.stringify(finished) };
  }

  beforeEach(() => {
    stack.emulator!.faults.dropWebhooks = true; // we deliver the webhooks ourselves
  });
  afterEach(() => {
    stack.emulator!.faults.dropWebhooks = false;
    vi.restoreAllMocks();
  });

  it('resumes a waiting Clip task of a real execution, then answers duplicate', async () => {
    const { runId, execution, callback, rawBody } = await waitingClip('Webhook resume');
    expect(execution.history.some((e) => e.state === 'StoreClip')).toBe(false);
    const response = await delivery(`?run=${runId}&step=scene-1`, rawBody, signedHeaders(rawBody));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ outcome: 'resumed' });
    expect(response.body).not.toContain(callback.taskToken);

    const done = await execution.done;
    expect(done.status).toBe('SUCCEEDED');
    expect(done.history.some((e) => e.state === 'StoreClip')).toBe(true);
    expect(done.history.some((e) => e.state === 'PollClip')).toBe(false);
    expect((await loadCallback(stack.config, runId, 'scene-1'))?.resumedBy).toMatch(/^webhook msg_/);

    // Replicate retries the final webhook: a second copy must not resume anything.
    const again = await delivery(`?run=${runId}&step=scene-1`, rawBody, signedHeaders(rawBody));
    expect(bodyOf(again)).toEqual({ outcome: 'duplicate' });
  });

  it('many concurrent deliveries (same and different webhook-ids) resume the task exactly once and leave a valid record', async () => {
    const { runId, execution, rawBody } = await waitingClip('Webhook storm');
    const sendTaskSuccess = vi.spyOn(stack.engine, 'sendTaskSuccess');
    const retried = signedHeaders(rawBody, { id: 'msg_same_delivery' });
    const headers = [...Array(6).fill(retried), ...Array.from({ length: 6 }, () => signedHeaders(rawBody))];
    const responses = await Promise.all(
      headers.map(async (h) => {
        const response = await fetch(`${stack.apiUrl}/webhooks/replicate?run=${runId}&step=scene-1`, { method: 'POST', headers: h, body: rawBody });
        return { status: response.status, outcome: ((await response.json()) as { outcome: string }).outcome };
      }),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(responses.filter((r) => r.outcome === 'resumed')).toHaveLength(1);
    expect(responses.filter((r) => r.outcome === 'duplicate')).toHaveLength(11);
    expect(sendTaskSuccess).toHaveBeenCalledTimes(1);

    const record = await loadCallback(stack.config, runId, 'scene-1'); // parses: not corrupt
    const winner = headers[responses.findIndex((r) => r.outcome === 'resumed')]['webhook-id'];
    expect(record).toMatchObject({ resumedBy: `webhook ${winner}`, outcome: 'succeeded' });
    expect((await execution.done).status).toBe('SUCCEEDED');
  });

  it('a webhook that arrives before the prediction id is saved is answered 409, and Replicate’s retry resumes the task', async () => {
    // Its own stack: without the 409, the wait would end after 8 s and the poll would finish the task.
    const early = await startLocalStack({ retryIntervalMs: 5, callbackTimeoutMs: 8000 });
    try {
      const emulator = early.emulator!;
      // Hold the create call's answer until the emulator has delivered the completed webhook once.
      const realFetch = globalThis.fetch;
      vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
        const response = await realFetch(input, init);
        if (init?.method !== 'POST' || !String(input).startsWith(emulator.baseUrl) || !String(input).endsWith('/predictions')) return response;
        const { id } = (await response.clone().json()) as { id: string };
        await waitFor('the first webhook delivery', () => emulator.webhookDeliveries().some((d) => d.predictionId === id), 30_000);
        return response;
      });
      const started = await api(apiEvent('POST', '/runs', { body: JSON.stringify(tinyStoryboard('Early webhook')), headers: { 'content-type': 'application/json' } }));
      const { runId } = bodyOf(started);
      const done = await early.engine.list().find((e) => e.name === runId)!.done;
      expect(done.status).toBe('SUCCEEDED');
      const callback = (await loadCallback(early.config, runId, 'scene-1'))!;
      const statuses = emulator.webhookDeliveries().filter((d) => d.predictionId === callback.predictionId).map((d) => d.status);
      expect(statuses[0]).toBe(409);
      expect(statuses.at(-1)).toBe(200);
      expect(done.history.some((e) => e.state === 'PollClip')).toBe(false);
      expect(callback.resumedBy).toMatch(/^webhook msg_/);
    } finally {
      vi.restoreAllMocks();
      await early.stop();
    }
  });
});
