// POST /webhooks/replicate: signature, timestamp and query checks, and what a verified delivery does.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/** A callback record for a fresh run, as the anchor/clip task writes it. */
async function waitingCallback(step = 'scene-1', extra: Partial<CallbackRecord> = {}): Promise<CallbackRecord> {
  const record: CallbackRecord = {
    runId: newRunId('t'),
    step,
    taskToken: token(),
    predictionId: `p${randomBytes(8).toString('hex')}`,
    createdAt: new Date().toISOString(),
    ...extra,
  };
  await saveCallback(stack.config, record);
  return record;
}

const callbackKey = (record: CallbackRecord) => runKeys(record.runId).callback(record.step);
const queryOf = (record: CallbackRecord) => `?run=${record.runId}&step=${record.step}`;

describe('webhook handler: verified deliveries', () => {
  it('a correctly signed completed webhook sends the task result; an unknown token counts as late', async () => {
    const record = await waitingCallback();
    const rawBody = JSON.stringify(prediction(record.predictionId!));
    const response = await delivery(queryOf(record), rawBody, signedHeaders(rawBody));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ outcome: 'late' });
    expect(response.body).not.toContain(record.taskToken);

    const after = await loadCallback(stack.config, record.runId, record.step);
    expect(after?.resumedAt).toBeTruthy();
    expect(after?.resumedBy).toMatch(/task already closed/);
    expect(after?.outcome).toBe('succeeded');
    expect(after?.taskToken).toBe(record.taskToken);
  });

  it('header names are case-insensitive (API Gateway may pass them capitalised)', async () => {
    const record = await waitingCallback();
    const rawBody = JSON.stringify(prediction(record.predictionId!));
    const headers = Object.fromEntries(
      Object.entries(signedHeaders(rawBody)).map(([k, v]) => [k.replace(/(^|-)\w/g, (c) => c.toUpperCase()), v]),
    );
    expect(Object.keys(headers)).toContain('Webhook-Signature');
    const response = await delivery(queryOf(record), rawBody, headers);
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).outcome).toBe('late');
  });

  it('a timestamp 4 minutes old is still inside the 5-minute tolerance', async () => {
    const record = await waitingCallback();
    const rawBody = JSON.stringify(prediction(record.predictionId!));
    const response = await delivery(queryOf(record), rawBody, signedHeaders(rawBody, { at: new Date(Date.now() - 4 * 60_000) }));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).outcome).toBe('late');
  });

  it('a failed prediction is delivered as a task failure (late here) and recorded', async () => {
    const record = await waitingCallback();
    const rawBody = JSON.stringify(prediction(record.predictionId!, 'failed', { error: 'model exploded' }));
    const response = await delivery(queryOf(record), rawBody, signedHeaders(rawBody));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).outcome).toBe('late');
    expect((await loadCallback(stack.config, record.runId, record.step))?.outcome).toBe('failed');
  });

  it('a duplicate delivery after a resume is acknowledged and changes nothing', async () => {
    const record = await waitingCallback('anchor', { resumedAt: '2026-11-25T10:43:00.000Z', resumedBy: 'webhook msg_1', outcome: 'succeeded' });
    const before = await rawObject(stack.config, callbackKey(record));
    const rawBody = JSON.stringify(prediction(record.predictionId!));
    const response = await delivery(queryOf(record), rawBody, signedHeaders(rawBody));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ outcome: 'duplicate' });
    expect(await rawObject(stack.config, callbackKey(record))).toBe(before);
  });

  it('a webhook for another prediction of the step is stale: 200, nothing resumed', async () => {
    const record = await waitingCallback();
    const before = await rawObject(stack.config, callbackKey(record));
    const rawBody = JSON.stringify(prediction('pOlderAttempt000'));
    const response = await delivery(queryOf(record), rawBody, signedHeaders(rawBody));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ outcome: 'stale-prediction' });
    expect(await rawObject(stack.config, callbackKey(record))).toBe(before);
  });

  it('a non-terminal status is acknowledged without resuming', async () => {
    const record = await waitingCallback();
    const before = await rawObject(stack.config, callbackKey(record));
    for (const status of ['starting', 'processing']) {
      const rawBody = JSON.stringify(prediction(record.predictionId!, status));
      const response = await delivery(queryOf(record), rawBody, signedHeaders(rawBody));
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
  it('resumes a waiting Clip task of a real execution, then answers duplicate', async () => {
    const { emulator, engine, config } = stack;
    emulator!.faults.dropWebhooks = true; // we deliver the webhook ourselves
    try {
      const started = await api(apiEvent('POST', '/runs', { body: JSON.stringify(tinyStoryboard('Webhook resume')), headers: { 'content-type': 'application/json' } }));
      expect(started.statusCode).toBe(202);
      const { runId } = bodyOf(started);
      const execution = engine.list().find((e) => e.name === runId)!;
      expect(execution).toBeDefined();

      await waitForStep(config, runId, 'scene-1', 'waiting');
      const callback = (await loadCallback(config, runId, 'scene-1'))!;
      expect(callback.predictionId).toBeTruthy();
      const finished = await waitFor('the emulator to finish the prediction', () => {
        const p = emulator!.predictions().find((x) => x.id === callback.predictionId);
        return p && p.status === 'succeeded' ? p : null;
      });
      expect(execution.status).toBe('RUNNING');
      expect(execution.history.some((e) => e.state === 'StoreClip')).toBe(false);

      const rawBody = JSON.stringify(finished);
      const response = await delivery(`?run=${runId}&step=scene-1`, rawBody, signedHeaders(rawBody));
      expect(response.statusCode).toBe(200);
      expect(bodyOf(response)).toEqual({ outcome: 'resumed' });
      expect(response.body).not.toContain(callback.taskToken);

      const done = await execution.done;
      expect(done.status).toBe('SUCCEEDED');
      expect(done.history.some((e) => e.state === 'StoreClip')).toBe(true);
      expect(done.history.some((e) => e.state === 'PollClip')).toBe(false);
      const resumed = await loadCallback(config, runId, 'scene-1');
      expect(resumed?.resumedBy).toMatch(/^webhook msg_/);
      expect(resumed?.resumedBy).not.toMatch(/already closed/);

      // Replicate retries the final webhook: a second copy must not resume anything.
      const again = await delivery(`?run=${runId}&step=scene-1`, rawBody, signedHeaders(rawBody));
      expect(bodyOf(again)).toEqual({ outcome: 'duplicate' });
    } finally {
      emulator!.faults.dropWebhooks = false;
    }
  });
});
