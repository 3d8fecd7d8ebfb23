// Logs, metrics and traces of the handlers: every line of an invocation carries its runId and step,
// nothing secret reaches the output, EMF metrics are published after the use case (even when it
// throws) and only where they should be, and tracing is a no-op off Lambda.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { Context } from 'aws-lambda';
import { logger, redact, REDACTED } from '../../functions/adapters/logger';
import { count, metricsEnabled, tracer } from '../../functions/adapters/observability';
import { lambdaHandler } from '../../functions/handlers/lambda-handler';
import { handler as api } from '../../functions/handlers/api';
import { handler as prepare } from '../../functions/handlers/prepare';
import { handler as recordFailure } from '../../functions/handlers/record-failure';
import { handler as joinFilm } from '../../functions/handlers/join-film';
import { handler as prepareCompare } from '../../functions/handlers/prepare-compare';
import { loadCallback } from '../../functions/adapters/run-store';
import { recordCancel } from '../../functions/workflow/end-run';
import { findJson } from '../../functions/adapters/s3';
import { newRunId, runKeys } from '../../functions/domain/run-keys';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiEvent, bodyOf, tinyStoryboard } from './helpers';

type Line = Record<string, any>;

/** Collects what the process writes to stdout/stderr (Powertools writes there, not via console). */
function captureOutput() {
  const chunks: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    vi.spyOn(stream, 'write').mockImplementation(((chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof stream.write),
  );
  return {
    text: () => chunks.join(''),
    lines: (): Line[] =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Line),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}

const withEnv = async <T>(env: Record<string, string | undefined>, run: () => Promise<T>): Promise<T> => {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  try {
    return await run();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
};

/** A deferred promise: lets a test interleave two invocations without sleeping. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

const probe = lambdaHandler(
  { name: 'probe', schema: z.object({ runId: z.string().optional(), step: z.string().optional(), say: z.string(), wait: z.boolean().optional() }), keys: (e) => ({ runId: e.runId, step: e.step }) },
  async (event) => {
    if (event.wait) await gates.second.opened;
    logger.info(event.say);
    if (!event.wait) gates.second.open();
    return 'ok';
  },
);
let gates = { second: gate() };

const lambdaContext = (requestId: string) =>
  ({ functionName: 'longshot-Clip', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:longshot-Clip', memoryLimitInMB: '512', awsRequestId: requestId }) as unknown as Context;

describe('log lines of an invocation', () => {
  let output: ReturnType<typeof captureOutput>;
  beforeAll(() => logger.setLogLevel('INFO'));
  afterEach(() => output?.restore());

  it('carry the Lambda context, with cold_start true on the first invocation of the process only', async () => {
    output = captureOutput();
    await withEnv({ AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' }, async () => {
      await probe({ runId: 'r-1', say: 'first' }, lambdaContext('req-1'));
      await probe({ runId: 'r-1', say: 'second' }, lambdaContext('req-2'));
    });
    const [first, second] = output.lines().filter((l) => l.message === 'first' || l.message === 'second');
    expect(first).toMatchObject({ function_request_id: 'req-1', function_name: 'longshot-Clip', cold_start: true });
    expect(second).toMatchObject({ function_request_id: 'req-2', cold_start: false });
  });

  it('carry runId, step and handler; the next invocation does not inherit them', async () => {
    output = captureOutput();
    await probe({ runId: '20261125-1042-film-3f9c2a7be41d08c6', step: 'scene-2', say: 'with keys' });
    await probe({ say: 'without keys' });
    const lines = output.lines();
    expect(lines.find((l) => l.message === 'with keys')).toMatchObject({ runId: '20261125-1042-film-3f9c2a7be41d08c6', step: 'scene-2', handler: 'probe' });
    const bare = lines.find((l) => l.message === 'without keys')!;
    expect(bare.handler).toBe('probe');
    expect(bare).not.toHaveProperty('runId');
    expect(bare).not.toHaveProperty('step');
  });

  it('keep their own keys when invocations overlap (the local stack runs every handler in one process)', async () => {
    gates = { second: gate() };
    output = captureOutput();
    // A waits until B has logged, so A logs after B's keys were set.
    await Promise.all([probe({ runId: 'run-a', step: 'scene-1', say: 'from A', wait: true }), probe({ runId: 'run-b', step: 'scene-2', say: 'from B' })]);
    const lines = output.lines();
    expect(lines.find((l) => l.message === 'from A')).toMatchObject({ runId: 'run-a', step: 'scene-1' });
    expect(lines.find((l) => l.message === 'from B')).toMatchObject({ runId: 'run-b', step: 'scene-2' });
  });

  it('outside an invocation come from the root logger, without invocation keys', async () => {
    output = captureOutput();
    await probe({ runId: 'run-c', step: 'scene-3', say: 'inside' });
    logger.info('outside');
    expect(output.lines().find((l) => l.message === 'outside')).not.toHaveProperty('runId');
  });
});

describe('log redaction', () => {
  const presigned =
    'https://longshot.s3.amazonaws.com/runs/x/seeds/1.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20261125%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261125T104213Z&X-Amz-Expires=3600&X-Amz-Security-Token=IQoJb3JpZ2luSESSION&X-Amz-Signature=0123456789abcdef0123456789abcdef&X-Amz-SignedHeaders=host&x-id=GetObject';

  it.each([
    ['a task token under taskToken', { taskToken: 'AQCEAAAAKgAAAAMAAAAA+tokenvalue==' }, 'tokenvalue'],
    ['a webhook signature header', { headers: { 'webhook-signature': 'v1,c2lnbmF0dXJlLXZhbHVl' } }, 'c2lnbmF0dXJlLXZhbHVl'],
    ['an Authorization header', { headers: { Authorization: 'Bearer r8_abcdefghijklmnop' } }, 'abcdefghijklmnop'],
    ['a presigned URL (signature, access key, session token)', { image: presigned }, 'X-Amz-'],
    ['a presigned URL inside a JSON string (a webhook body)', { body: JSON.stringify({ input: { image: presigned } }) }, 'X-Amz-'],
    ['a Replicate API token in a message', { note: 'used r8_abcdefghijklmnop to call' }, 'r8_abcdefghijklmnop'],
    ['a webhook signing secret in a message', { note: 'secret whsec_c2VjcmV0LXNpZ25pbmcta2V5 loaded' }, 'whsec_c2VjcmV0'],
    ['a presigned URL in an error message', { error: new Error(`download of ${presigned} failed`) }, 'X-Amz-'],
  ])('%s', (_label, attributes, secret) => {
    const output = captureOutput();
    try {
      logger.info('something happened', attributes);
    } finally {
      output.restore();
    }
    expect(output.text()).toContain('something happened');
    expect(output.text()).not.toContain(secret);
    expect(output.text()).toContain(REDACTED);
  });

  it.each([
    ['predictionId', 'p-123'],
    ['webhook', true],
    ['step', 'scene-2'],
    ['url', 'https://example.com/films/final.mp4?size=large'],
  ])('leaves %s alone', (key, value) => {
    expect(redact(key, value)).toBe(value);
  });
});

describe('metrics switch', () => {
  it.each([
    ['off Lambda, by default', {}, false],
    ['on Lambda, by default', { AWS_LAMBDA_FUNCTION_NAME: 'longshot-Clip' }, true],
    ['on Lambda with POWERTOOLS_METRICS_DISABLED=true', { AWS_LAMBDA_FUNCTION_NAME: 'longshot-Clip', POWERTOOLS_METRICS_DISABLED: 'true' }, false],
    ['off Lambda with POWERTOOLS_METRICS_DISABLED=false', { POWERTOOLS_METRICS_DISABLED: 'false' }, true],
  ])('%s → %s', async (_label, env, enabled) => {
    await withEnv({ AWS_LAMBDA_FUNCTION_NAME: undefined, POWERTOOLS_METRICS_DISABLED: undefined, ...env }, async () => {
      expect(metricsEnabled()).toBe(enabled);
    });
  });
});

const emf = (lines: Line[]) => lines.filter((l) => l._aws);
const metricNames = (line: Line) => line._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name);

describe('metrics of the wrapper', () => {
  const failing = lambdaHandler(
    { name: 'failing', schema: z.object({}) },
    async () => {
      throw new Error('disk full');
    },
    { metrics: () => [count('RunsFailed')] },
  );

  it('are published even when the use case throws', async () => {
    const output = captureOutput();
    try {
      await withEnv({ POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_METRICS_NAMESPACE: undefined }, () => expect(failing({})).rejects.toThrow('disk full'));
    } finally {
      output.restore();
    }
    const [metrics] = emf(output.lines());
    expect(metricNames(metrics)).toEqual(['RunsFailed']);
    expect(metrics._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'longshot', Dimensions: [['service']] });
    expect(metrics.RunsFailed).toBe(1);
  });

  it('are neither computed nor printed off Lambda (the local CLI)', async () => {
    const hook = vi.fn(() => [count('RunsStarted')]);
    const quiet = lambdaHandler({ name: 'quiet', schema: z.object({}) }, async () => 'ok', { metrics: hook });
    const output = captureOutput();
    try {
      await withEnv({ POWERTOOLS_METRICS_DISABLED: undefined, AWS_LAMBDA_FUNCTION_NAME: undefined }, () => quiet({}));
    } finally {
      output.restore();
    }
    expect(hook).not.toHaveBeenCalled();
    expect(emf(output.lines())).toEqual([]);
  });
});

describe('tracing', () => {
  beforeAll(() => logger.setLogLevel('SILENT')); // the failing invocation logs its error
  afterEach(() => vi.restoreAllMocks());

  it('is off in tests and locally (not on Lambda), so SDK clients and handlers run untraced', () => {
    expect(tracer.isTracingEnabled()).toBe(false);
  });

  it('on Lambda: each invocation runs in a subsegment annotated with runId and step, closed even on error', async () => {
    const subsegment = { close: vi.fn() };
    const parent = { addNewSubsegment: vi.fn(() => subsegment) };
    vi.spyOn(tracer, 'isTracingEnabled').mockReturnValue(true);
    vi.spyOn(tracer, 'getSegment').mockReturnValue(parent as never);
    const setSegment = vi.spyOn(tracer, 'setSegment').mockImplementation(() => undefined);
    const annotate = vi.spyOn(tracer, 'putAnnotation').mockImplementation(() => undefined);
    vi.spyOn(tracer, 'annotateColdStart').mockImplementation(() => undefined);
    vi.spyOn(tracer, 'addServiceNameAnnotation').mockImplementation(() => undefined);
    const errorMetadata = vi.spyOn(tracer, 'addErrorAsMetadata').mockImplementation(() => undefined);
    const traced = lambdaHandler(
      { name: 'traced', schema: z.object({ runId: z.string(), step: z.string(), fail: z.boolean() }), keys: (e) => ({ runId: e.runId, step: e.step }) },
      async (event) => {
        if (event.fail) throw new Error('boom');
        return 'ok';
      },
    );

    await traced({ runId: 'r-9', step: 'scene-4', fail: false });
    await expect(traced({ runId: 'r-9', step: 'scene-4', fail: true })).rejects.toThrow('boom');

    expect(parent.addNewSubsegment).toHaveBeenCalledWith('## traced');
    expect(annotate).toHaveBeenCalledWith('runId', 'r-9');
    expect(annotate).toHaveBeenCalledWith('step', 'scene-4');
    expect(subsegment.close).toHaveBeenCalledTimes(2);
    expect(errorMetadata).toHaveBeenCalledTimes(1);
    expect(setSegment).toHaveBeenLastCalledWith(parent);
  });
});

describe('a real run through the local stack (logs at DEBUG with events logged, metrics on)', () => {
  let stack: LocalStack;
  let output: ReturnType<typeof captureOutput>;
  let runId: string;
  let lines: Line[];
  let text: string;
  const env = { POWERTOOLS_LOGGER_LOG_EVENT: 'true', POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_METRICS_NAMESPACE: 'longshot-test' };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));

  beforeAll(async () => {
    stack = await startLocalStack({ retryIntervalMs: 5, logLevel: 'DEBUG' });
    Object.assign(process.env, env);
    output = captureOutput();
    try {
      // Two chained scenes: scene 2's seed goes to Replicate as a presigned URL, and comes back in its webhook.
      const started = await api(apiEvent('POST', '/runs', { body: JSON.stringify(tinyStoryboard('Observed film', 2)), headers: { 'content-type': 'application/json' } }));
      runId = bodyOf(started).runId;
      const done = await stack.engine.list().find((e) => e.name === runId)!.done;
      expect(done.status, `${done.error}: ${done.cause}`).toBe('SUCCEEDED');
    } finally {
      output.restore();
    }
    lines = output.lines();
    text = output.text();
  }, 120_000);

  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
    await stack?.stop();
  });

  it('logged the clip and webhook events it received (so redaction had something to do)', () => {
    const events = lines.filter((l) => l.message === 'Lambda invocation event');
    expect(events.some((l) => l.handler === 'clip' && l.event.taskToken === REDACTED)).toBe(true);
    // Replicate echoes the input: scene 2's webhook body holds the presigned seed URL.
    const scene2 = events.find((l) => l.handler === 'webhook' && l.event.queryStringParameters?.step === 'scene-2');
    expect(JSON.parse(scene2!.event.body).input.image).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*seeds\/1\.png\?\[redacted\]$/);
    expect(scene2!.event.headers['webhook-signature']).toBe(REDACTED);
  });

  it('no task token, signature, presigned URL query or Replicate secret appears in any line', async () => {
    const tokens = await Promise.all(['scene-1', 'scene-2'].map(async (step) => (await loadCallback(stack.config, runId, step))!.taskToken));
    for (const token of tokens) expect(text).not.toContain(token);
    expect(text).not.toContain('X-Amz-Signature');
    expect(text).not.toContain('X-Amz-Credential');
    expect(text).not.toContain(stack.emulator!.secret);
    expect(text).not.toContain(process.env.REPLICATE_API_TOKEN);
  });

  it.each(['clip', 'webhook', 'store-output'])('every %s line carries the runId and the scene step', (handler) => {
    const mine = lines.filter((l) => l.handler === handler);
    expect(mine.length).toBeGreaterThan(0);
    for (const line of mine) expect(line, JSON.stringify(line)).toMatchObject({ runId, step: expect.stringMatching(/^scene-[12]$/) });
  });

  it.each(['prepare', 'join-film'])('every %s line carries the runId', (handler) => {
    const mine = lines.filter((l) => l.handler === handler);
    expect(mine.length).toBeGreaterThan(0);
    for (const line of mine) expect(line.runId).toBe(runId);
  });

  it('published RunsStarted (api), SceneAttempts per clip, and RunsSucceeded, JoinSeconds, CostUsd, FinishingSeconds (join-film)', async () => {
    const metrics = emf(lines);
    expect(metrics.every((m) => m._aws.CloudWatchMetrics[0].Namespace === 'longshot-test')).toBe(true);
    const values = (name: string) => metrics.filter((m) => metricNames(m).includes(name)).map((m) => m[name]);
    expect(values('RunsStarted')).toEqual([1]);
    expect(values('SceneAttempts')).toEqual([1, 1]);
    expect(values('RunsSucceeded')).toEqual([1]);
    expect(values('JoinSeconds')[0]).toBeGreaterThan(0);
    // Last clip stored → film stored: the last segment, the join and the uploads, at least the join's own time.
    const [finishing] = values('FinishingSeconds');
    expect(values('FinishingSeconds')).toHaveLength(1);
    expect(finishing).toBeGreaterThanOrEqual(values('JoinSeconds')[0] - 0.5);
    expect(finishing).toBeLessThan(120);
    const manifest = await findJson<{ cost: { usd: number } }>(stack.config, runKeys(runId).manifest);
    expect(manifest!.cost.usd).toBeGreaterThan(0);
    expect(values('CostUsd')).toEqual([manifest!.cost.usd]);
  });

  it('record-failure that records the ending publishes RunsFailed and the failed run’s cost', async () => {
    const failedRun = newRunId('Failed film');
    const capture = captureOutput();
    try {
      await prepare({ runId: failedRun, request: { storyboard: tinyStoryboard('Failed film') } });
      await recordFailure({ runId: failedRun, failure: { Scenes: { Error: 'PredictionFailedError', Cause: 'scene-1: prediction failed' } } });
    } finally {
      capture.restore();
    }
    const [metrics] = emf(capture.lines());
    expect(metricNames(metrics)).toEqual(['RunsFailed', 'CostUsd']);
    expect(metrics).toMatchObject({ RunsFailed: 1, CostUsd: 0 });
  });

  it('record-failure that finds the run already ended (canceled) publishes nothing: the run is counted once, by its ending', async () => {
    const canceledRun = newRunId('Canceled film');
    const capture = captureOutput();
    try {
      await prepare({ runId: canceledRun, request: { storyboard: tinyStoryboard('Canceled film') } });
      await recordCancel(stack.config, canceledRun, 'canceled by DELETE /runs/{runId}', async () => undefined);
      await recordFailure({ runId: canceledRun, failure: { Scenes: { Error: 'PredictionCanceledError', Cause: 'scene-1: prediction canceled' } } });
    } finally {
      capture.restore();
    }
    expect(emf(capture.lines())).toEqual([]);
  });
  it('a retried join-film of the run that succeeded answers with its film and publishes nothing (the run was counted once)', async () => {
    // The same event again (as the run logged it): a Lambda retry of the JoinFilm task.
    const joinEvent = lines.find((l) => l.message === 'Lambda invocation event' && l.handler === 'join-film')!.event;
    const capture = captureOutput();
    let result: Awaited<ReturnType<typeof joinFilm>>;
    try {
      result = await joinFilm(joinEvent);
    } finally {
      capture.restore();
    }
    expect(result).toMatchObject({ runId, key: runKeys(runId).final, recorded: false });
    expect(emf(capture.lines())).toEqual([]);
  });
  it('prepare-compare counts the variants as started runs once (a retry counts nothing)', async () => {
    const compareId = newRunId('Compared film');
    const event = { compareId, request: { storyboard: tinyStoryboard('Compared film'), variants: ['fast:chain', 'fast:single'] } };
    const capture = captureOutput();
    try {
      await prepareCompare(event);
      await prepareCompare(event);
    } finally {
      capture.restore();
    }
    const metrics = emf(capture.lines());
    expect(metrics.map(metricNames)).toEqual([['RunsStarted']]);
    expect(metrics[0].RunsStarted).toBe(2);
  });
});
