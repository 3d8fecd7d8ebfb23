// POST /runs, GET /runs/{runId}, DELETE /runs/{runId} through the api handler against the local stack.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { handler as api } from '../../functions/handlers/api';
import { createJson, findJson } from '../../functions/adapters/s3';
import { loadCallback } from '../../functions/adapters/run-store';
import { idempotencyRecordKey, newRunId, runKeys } from '../../functions/domain/run-keys';
import { apiRequestOnce } from '../../functions/domain/idempotency';
import { apiEvent, bodyOf, tinyStoryboard, waitForStep } from './helpers';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ retryIntervalMs: 5 });
});
afterAll(async () => {
  await stack?.stop();
});

const post = (body: unknown, headers: Record<string, string> = {}) =>
  api(apiEvent('POST', '/runs', { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }));
const get = (runId: string) => api(apiEvent('GET', `/runs/${encodeURIComponent(runId)}`));
const del = (runId: string) => api(apiEvent('DELETE', `/runs/${encodeURIComponent(runId)}`));

describe('api handler: requests that start nothing', () => {
  it('POST with an invalid storyboard → 400 listing every problem, no execution', async () => {
    const response = await post({
      title: '',
      colour: 'red',
      clip: { fps: 'fast' },
      scenes: [{ prompt: '' }, { prompt: 'ok', duration: -2 }],
    });
    expect(response.statusCode).toBe(400);
    const body = bodyOf(response);
    expect(body.error).toBe('InvalidStoryboardError');
    const problems: string[] = body.problems;
    for (const field of ['title', 'clip.fps', 'scenes[0].prompt', 'scenes[1].duration']) {
      expect(problems.some((p) => p.startsWith(`${field}:`)), `a problem for ${field} in ${JSON.stringify(problems)}`).toBe(true);
    }
    expect(problems.some((p) => p.includes('colour'))).toBe(true);
    expect(stack.engine.list()).toEqual([]);
  });

  it('POST with a storyboard the model refuses → 400 naming each clip problem and the allowed values', async () => {
    const board = { ...tinyStoryboard(), clip: { duration: 7, fps: 30, resolution: '1080p', generateAudio: false } };
    const response = await post(board);
    expect(response.statusCode).toBe(400);
    const problems: string[] = bodyOf(response).problems;
    expect(problems).toHaveLength(2);
    expect(problems.find((p) => p.startsWith('clip.duration:'))).toMatch(/6, 8, 10/);
    expect(problems.find((p) => p.startsWith('clip.fps:'))).toMatch(/25, 50/);
    expect(stack.engine.list()).toEqual([]);
  });

  it('POST with invalid JSON or no body → 400', async () => {
    for (const body of ['{"title": "x",', '']) {
      const response = await post(body);
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).problems[0]).toMatch(/not valid JSON/);
    }
    const notObject = await post('[1, 2]');
    expect(notObject.statusCode).toBe(400);
    expect(stack.engine.list()).toEqual([]);
  });

  it('POST {storyboard, model: "ltx-3"} → 400 naming the model and the allowed values', async () => {
    const response = await post({ storyboard: tinyStoryboard(), model: 'ltx-3' });
    expect(response.statusCode).toBe(400);
    const problems: string[] = bodyOf(response).problems;
    const problem = problems.find((p) => p.startsWith('model:'));
    expect(problem, JSON.stringify(problems)).toBeDefined();
    expect(problem).toContain('ltx-2-fast');
    expect(problem).toContain('ltx-2-pro');
    expect(stack.engine.list()).toEqual([]);
  });

  it('POST ?strategy=sideways (query override) → 400 naming the strategies', async () => {
    const event = apiEvent('POST', '/runs?strategy=sideways', { body: JSON.stringify(tinyStoryboard()), headers: { 'content-type': 'application/json' } });
    const response = await api(event);
    expect(response.statusCode).toBe(400);
    const problem = (bodyOf(response).problems as string[]).find((p) => p.startsWith('strategy:'));
    expect(problem).toMatch(/chain/);
    expect(stack.engine.list()).toEqual([]);
  });

  it('GET or DELETE with a malformed runId → 400', async () => {
    for (const runId of ['nope', '../etc/passwd', '20261125-1042-x-zzzz', `${newRunId('t')}/..`]) {
      for (const call of [get, del]) {
        const response = await call(runId);
        expect(response.statusCode, runId).toBe(400);
        expect(bodyOf(response).error).toBe('InvalidRunId');
      }
    }
  });

  it('GET and DELETE an unknown valid runId → 404', async () => {
    const runId = newRunId('never started');
    for (const call of [get, del]) {
      const response = await call(runId);
      expect(response.statusCode).toBe(404);
      expect(bodyOf(response)).toEqual({ error: 'RunNotFound', runId });
    }
  });

  it('unknown routes and methods → 404', async () => {
    for (const [method, url, resource] of [
      ['PATCH', '/runs', '/runs'], // GET /runs lists runs
      ['PUT', `/runs/${newRunId('t')}`, '/runs/{runId}'],
      ['GET', '/health', '/health'],
      ['POST', '/runs/x/retry', '/runs/{runId}/retry'],
    ]) {
      const response = await api(apiEvent(method, url, { resource }));
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(bodyOf(response).error).toBe('NotFound');
    }
    expect(stack.engine.list()).toEqual([]);
  });
});

describe('api handler: a run from POST to film', () => {
  it('POST → 202, GET running, then succeeded with a presigned film URL that downloads an MP4', async () => {
    stack.emulator!.faults.processingDelayMs = 500;
    const response = await post(tinyStoryboard('Api happy path', 2));
    expect(response.statusCode).toBe(202);
    const started = bodyOf(response);
    expect(started.runId).toMatch(/^\d{8}-\d{4}-api-happy-path-[0-9a-f]{16}$/);
    expect(started.statusUrl).toBe(`/runs/${started.runId}`);
    expect(started.status).toBe('running');
    expect(started.created).toBe(true);
    expect(started.estimate.seconds).toBe(12);
    expect(started.estimate.usd).toBeGreaterThan(0);

    const execution = stack.engine.list().find((e) => e.name === started.runId);
    expect(execution).toBeDefined();

    // Ask while scene 1 renders (nothing writes the manifest then: see settledJson).
    await waitForStep(stack.config, started.runId, 'scene-1', 'waiting');
    const running = await get(started.runId);
    expect(running.statusCode).toBe(200);
    expect(bodyOf(running).status).toBe('running');
    // The CLI links the execution's console page from it.
    expect(bodyOf(running).execution.arn).toMatch(new RegExp(`^arn:aws:states:[^:]+:\\d{12}:execution:[^:]+:${started.runId}$`));
    expect(bodyOf(running).execution.status).toBe('RUNNING');
    expect(bodyOf(running).urls).toEqual({});
    expect(bodyOf(running).manifest.status).toBe('running');
    stack.emulator!.faults.processingDelayMs = 0;

    const done = await execution!.done;
    expect(done.status, `${done.error}: ${done.cause}`).toBe('SUCCEEDED');

    const finished = await get(started.runId);
    expect(finished.statusCode).toBe(200);
    const status = bodyOf(finished);
    expect(status.status).toBe('succeeded');
    expect(status.manifest.status).toBe('succeeded');
    expect(status.manifest.film.key).toBe(runKeys(started.runId).final);
    expect(status.urls.film).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*final\.mp4\?.*X-Amz-Signature=/);
    expect(status.urls.contactSheet).toMatch(/contact-sheet\.png\?/);
    expect(status.urls.driftChart).toMatch(/drift-chart\.png\?/);
    expect(status.manifest.film.continuity.maxSeamDeltaE).toEqual(expect.any(Number));
    // Each stored step's output and seed frame, for the viewer.
    expect(status.stepUrls['scene-2'].output).toMatch(/scenes\/2\/clip\.mp4\?.*X-Amz-Signature=/);
    expect(status.stepUrls['scene-1'].seed).toMatch(/seeds\/1\.png\?.*X-Amz-Signature=/);
    expect((await fetch(status.stepUrls['scene-1'].seed)).status).toBe(200);

    const film = await fetch(status.urls.film);
    expect(film.status).toBe(200);
    const bytes = Buffer.from(await film.arrayBuffer());
    expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(bytes.length).toBeGreaterThan(10_000);
  });

  it('DELETE a running run → 202, execution ABORTED, manifest canceled, in-flight prediction canceled', async () => {
    const { emulator, engine, config } = stack;
    emulator!.faults.processingDelayMs = 60_000;
    try {
      const key = { 'Idempotency-Key': `cancel-${Date.now()}` };
      const started = bodyOf(await post(tinyStoryboard('Api cancel'), key));
      const repeat = bodyOf(await post(tinyStoryboard('Api cancel'), key));
      expect(started.created).toBe(true);
      // Same Idempotency-Key while the run is running: the same run, nothing new.
      expect(repeat).toMatchObject({ runId: started.runId, created: false });
      expect(engine.list().filter((e) => e.name === started.runId)).toHaveLength(1);
      const execution = engine.list().find((e) => e.name === started.runId)!;
      const step = await waitForStep(config, started.runId, 'scene-1', 'waiting');
      const callback = (await loadCallback(config, started.runId, 'scene-1'))!;
      expect(callback.predictionId).toBe(step.predictionId);
      expect(emulator!.predictions().find((p) => p.id === callback.predictionId)?.status).toMatch(/starting|processing/);

      const response = await del(started.runId);
      expect(response.statusCode).toBe(202);
      expect(bodyOf(response)).toEqual({ runId: started.runId, status: 'canceled', canceledPredictions: [callback.predictionId] });

      expect((await execution.done).status).toBe('ABORTED');
      expect(emulator!.predictions().find((p) => p.id === callback.predictionId)?.status).toBe('canceled');
      const manifest = await findJson<Record<string, any>>(config, runKeys(started.runId).manifest);
      expect(manifest?.status).toBe('canceled');
      expect(manifest?.failure?.error).toBe('RunCanceled');
      expect(manifest?.failure?.canceledPredictions).toEqual([callback.predictionId]);

      const status = bodyOf(await get(started.runId));
      expect(status.status).toBe('canceled');
      expect(status.execution.status).toBe('ABORTED');

      // Deleting again cancels nothing more.
      const again = await del(started.runId);
      expect(again.statusCode).toBe(202);
      expect(bodyOf(again)).toMatchObject({ status: 'canceled', canceledPredictions: [] });
    } finally {
      emulator!.faults.processingDelayMs = 0;
    }
  });
});

describe('api handler: only JSON starts runs', () => {
  it.each(['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json-patch+json'])(
    'POST with Content-Type %s → 415, nothing started',
    async (contentType) => {
      const before = stack.engine.list().length;
      const response = await post(tinyStoryboard('Cross site'), { 'content-type': contentType });
      expect(response.statusCode).toBe(415);
      expect(bodyOf(response)).toMatchObject({ error: 'UnsupportedMediaType', message: expect.stringContaining('application/json') });
      expect(stack.engine.list()).toHaveLength(before);
    },
  );

  it('POST without a Content-Type → 415', async () => {
    const response = await api(apiEvent('POST', '/runs', { body: JSON.stringify(tinyStoryboard('No type')) }));
    expect(response.statusCode).toBe(415);
    expect(bodyOf(response).message).toMatch(/got none/);
  });

  it('a text/plain POST with a foreign Origin through the local gateway starts nothing', async () => {
    const before = stack.engine.list().length;
    const response = await fetch(`${stack.apiUrl}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'https://attacker.example' },
      body: JSON.stringify(tinyStoryboard('Drive-by run')),
    });
    expect(response.status).toBe(403);
    expect(stack.engine.list()).toHaveLength(before);
  });

  it('a text/plain POST without an Origin through the local gateway → 415', async () => {
    const response = await fetch(`${stack.apiUrl}/runs`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(tinyStoryboard('Plain')) });
    expect(response.status).toBe(415);
  });
});

describe('api handler: bounded input', () => {
  it('a storyboard over 64 KiB → 400 naming the field that makes it big, nothing started', async () => {
    const before = stack.engine.list().length;
    const response = await post({ ...tinyStoryboard('Huge schema'), $schema: 'x'.repeat(2 * 1024 * 1024) });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).problems).toEqual([expect.stringMatching(/^\$schema: too long \(2049 KiB\); a storyboard is at most 64 KiB as JSON/)]);
    expect(stack.engine.list()).toHaveLength(before);
  });

  it.each(['', 'has space', 'x'.repeat(256), 'ünïcode'])('Idempotency-Key %j → 400 naming the header', async (key) => {
    const response = await post(tinyStoryboard('Bad key'), { 'Idempotency-Key': key });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: 'InvalidIdempotencyKey', message: expect.stringMatching(/^Idempotency-Key: /) });
  });
});

describe('api handler: an Idempotency-Key starts one run, whenever it comes back', () => {
  const executionsNamed = (runId: string) => stack.engine.list().filter((e) => e.name === runId);
  afterEach(() => {
    vi.useRealTimers();
    stack.emulator!.faults.processingDelayMs = 0;
  });

  it('the same key and body two minutes later → the same run, created: false, one execution', async () => {
    stack.emulator!.faults.processingDelayMs = 60_000;
    // Only Date is faked (timers run normally): the second request is two minutes later by the clock.
    const now = Date.now();
    vi.useFakeTimers({ toFake: ['Date'] });
    const key = { 'Idempotency-Key': `later-${now}` };
    vi.setSystemTime(now);
    const first = bodyOf(await post(tinyStoryboard('Api once'), key));
    vi.setSystemTime(now + 2 * 60_000);
    const second = await post(tinyStoryboard('Api once'), key);
    expect(second.statusCode).toBe(202);
    expect(first.created).toBe(true);
    expect(bodyOf(second)).toMatchObject({ runId: first.runId, created: false, status: 'running' });
    expect(executionsNamed(first.runId)).toHaveLength(1);
  });

  it('the same key with a different body → 422 naming the key, nothing new started', async () => {
    stack.emulator!.faults.processingDelayMs = 60_000;
    const key = { 'Idempotency-Key': `reused-${Date.now()}` };
    const first = bodyOf(await post(tinyStoryboard('Api first body'), key));
    const before = stack.engine.list().length;
    const response = await post(tinyStoryboard('Api other body'), key);
    expect(response.statusCode).toBe(422);
    expect(bodyOf(response)).toEqual({
      error: 'IdempotencyConflictError',
      message: `Idempotency-Key "${key['Idempotency-Key']}" was already used with a different request; use a new key for a new run`,
    });
    expect(stack.engine.list()).toHaveLength(before);
    expect(executionsNamed(first.runId)).toHaveLength(1);
  });

  it('the same body in another key order or indentation is the same request', async () => {
    stack.emulator!.faults.processingDelayMs = 60_000;
    const key = { 'Idempotency-Key': `reordered-${Date.now()}` };
    const board = tinyStoryboard('Api reordered');
    const reordered = Object.fromEntries(Object.entries(board).reverse());
    const first = bodyOf(await post(board, key));
    const second = await post(JSON.stringify(reordered, null, 4), key);
    expect(bodyOf(second)).toMatchObject({ runId: first.runId, created: false });
  });

  it('a key whose first request stopped before StartExecution starts the run on the retry', async () => {
    stack.emulator!.faults.processingDelayMs = 60_000;
    const idempotencyKey = `crashed-${Date.now()}`;
    const request = { storyboard: tinyStoryboard('Api crashed'), overrides: {} };
    // What the first request left behind: the record, and no execution.
    const runId = newRunId('Api crashed');
    const once = apiRequestOnce(idempotencyKey, request);
    expect(await createJson(stack.config, idempotencyRecordKey(once.identity), { runId, fingerprint: once.fingerprint, createdAt: new Date().toISOString() })).toBe(true);
    expect(executionsNamed(runId)).toHaveLength(0);

    const response = await post(request.storyboard, { 'Idempotency-Key': idempotencyKey });
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toMatchObject({ runId, created: false, status: 'running' });
    expect(executionsNamed(runId)).toHaveLength(1);
    const again = await post(request.storyboard, { 'Idempotency-Key': idempotencyKey });
    expect(bodyOf(again)).toMatchObject({ runId, created: false });
    expect(executionsNamed(runId)).toHaveLength(1);
  });

  it('concurrent requests with one key → one run, one of them created it', async () => {
    stack.emulator!.faults.processingDelayMs = 60_000;
    const key = { 'Idempotency-Key': `concurrent-${Date.now()}` };
    const responses = await Promise.all(Array.from({ length: 5 }, () => post(tinyStoryboard('Api concurrent'), key)));
    const bodies = responses.map((r) => bodyOf(r));
    expect(new Set(bodies.map((b) => b.runId)).size).toBe(1);
    expect(bodies.filter((b) => b.created)).toHaveLength(1);
    expect(executionsNamed(bodies[0].runId)).toHaveLength(1);
  });

  it('a repeat of a canceled run reports the recorded ending (canceled), not the execution status (aborted)', async () => {
    stack.emulator!.faults.processingDelayMs = 60_000;
    const key = { 'Idempotency-Key': `canceled-${Date.now()}` };
    const first = bodyOf(await post(tinyStoryboard('Api canceled repeat'), key));
    expect((await del(first.runId)).statusCode).toBe(202);
    const again = bodyOf(await post(tinyStoryboard('Api canceled repeat'), key));
    expect(again).toMatchObject({ runId: first.runId, created: false, status: 'canceled' });
    expect(executionsNamed(first.runId)).toHaveLength(1);
  });

  it('without a key, each POST is a new run', async () => {
    stack.emulator!.faults.processingDelayMs = 60_000;
    const a = bodyOf(await post(tinyStoryboard('Api twice')));
    const b = bodyOf(await post(tinyStoryboard('Api twice')));
    expect(a.runId).not.toBe(b.runId);
    expect([a.created, b.created]).toEqual([true, true]);
  });
});

describe('api handler: regenerate and resume refuse what they cannot do, starting nothing', () => {
  const rerunCall = (kind: 'regenerate' | 'resume', runId: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    api(apiEvent('POST', `/runs/${runId}/${kind}`, { body: JSON.stringify(body), headers }));

  /** A run's records as Prepare and an ending leave them, without running it. */
  async function endedRun(status: 'succeeded' | 'failed' | 'running', scenes = 2): Promise<string> {
    const runId = newRunId(`rerun ${status}`);
    const { parseStoryboard } = await import('../../functions/domain/storyboard');
    const { buildPlan } = await import('../../functions/domain/plan');
    const board = parseStoryboard(tinyStoryboard('rerun', scenes));
    await createJson(stack.config, runKeys(runId).storyboard, board);
    await createJson(stack.config, runKeys(runId).plan, buildPlan(runId, board));
    await createJson(stack.config, runKeys(runId).manifest, { runId, status, executionName: runId });
    return runId;
  }

  it.each([
    ['regenerate', {}, 'scene: '],
    ['regenerate', { scene: 3 }, 'scene: run has 2 scenes; allowed values: 1–2 (got 3)'],
    ['regenerate', { scene: 1, prompt: 7 }, 'prompt: '],
    ['resume', { maxUsd: -1 }, 'maxUsd: '],
  ] as const)('%s with %j → 400 naming the field', async (kind, body, problem) => {
    const runId = await endedRun('failed');
    const executions = stack.engine.list().length;
    const response = await rerunCall(kind, runId, body);
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).problems).toEqual([expect.stringContaining(problem)]);
    expect(stack.engine.list()).toHaveLength(executions);
  });

  it.each([
    ['regenerate', 'running', { scene: 1 }, /still running/],
    ['resume', 'running', {}, /still running/],
    ['resume', 'succeeded', {}, /nothing is missing/],
  ] as const)('%s a %s run → 409 saying why', async (kind, status, body, message) => {
    const runId = await endedRun(status);
    const executions = stack.engine.list().length;
    const response = await rerunCall(kind, runId, body);
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toMatchObject({ error: 'RunStateConflictError', message: expect.stringMatching(message) });
    expect(stack.engine.list()).toHaveLength(executions);
  });

  it.each(['regenerate', 'resume'] as const)('%s an unknown run → 404', async (kind) => {
    const runId = newRunId('never started');
    const response = await rerunCall(kind, runId, kind === 'regenerate' ? { scene: 1 } : {});
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toEqual({ error: 'RunNotFound', runId });
  });

  it('regenerate with text/plain → 415, as POST /runs', async () => {
    const runId = await endedRun('failed');
    const executions = stack.engine.list().length;
    const response = await rerunCall('regenerate', runId, { scene: 1 }, { 'content-type': 'text/plain' });
    expect(response.statusCode).toBe(415);
    expect(stack.engine.list()).toHaveLength(executions);
  });
});
