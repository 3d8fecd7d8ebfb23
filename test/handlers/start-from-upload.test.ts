// EventBridge "Object Created" under inbox/ → a run with a deterministic id, or rejected/<name>.json.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { handler as startFromUpload } from '../../functions/handlers/start-from-upload';
import { findJson, putJson, s3Client } from '../../functions/adapters/s3';
import { newRunId } from '../../functions/domain/run-keys';
import { objectCreatedEvent, tinyStoryboard } from './helpers';

let stack: LocalStack;

// Predictions stay "processing": runs started here park in their first wait until stop().
beforeAll(async () => {
  stack = await startLocalStack({ retryIntervalMs: 5, emulator: { faults: { processingDelayMs: 120_000 } } });
});
afterAll(async () => {
  await stack?.stop();
});

const TIME = '2026-11-25T10:42:13Z';

describe('start-from-upload handler', () => {
  it('a valid storyboard starts a run named from bucket, key, ETag and event time', async () => {
    await putJson(stack.config, 'inbox/x.json', tinyStoryboard('Upload film'));
    const event = objectCreatedEvent(stack.bucket, 'inbox/x.json', { etag: 'etag-aaa', time: TIME });
    const result = await startFromUpload(event);

    const expectedId = newRunId('Upload film', new Date(TIME), `${stack.bucket}/inbox/x.json@etag-aaa`);
    expect(expectedId).toMatch(/^20261125-1042-upload-film-[0-9a-f]{8}$/);
    expect(result.rejectedKey).toBeUndefined();
    expect(result.started).toMatchObject({ runId: expectedId, status: 'running', created: true, statusUrl: `/runs/${expectedId}` });

    const executions = stack.engine.list();
    expect(executions.map((e) => e.name)).toEqual([expectedId]);
    expect(executions[0].status).toBe('RUNNING');
    // The execution reads the storyboard from the bucket: the input carries the key, not the board.
    expect(JSON.parse(executions[0].input)).toEqual({ source: { key: 'inbox/x.json' } });
  });

  it('the same event again (redelivery) → same runId, created: false, nothing new', async () => {
    const event = objectCreatedEvent(stack.bucket, 'inbox/x.json', { etag: 'etag-aaa', time: TIME });
    const before = stack.engine.list().length;
    const result = await startFromUpload(event);
    expect(result.started?.runId).toBe(newRunId('Upload film', new Date(TIME), `${stack.bucket}/inbox/x.json@etag-aaa`));
    expect(result.started?.created).toBe(false);
    expect(stack.engine.list()).toHaveLength(before);
  });

  it('a new upload of the same key (new ETag) is a new run', async () => {
    const before = stack.engine.list().length;
    const result = await startFromUpload(objectCreatedEvent(stack.bucket, 'inbox/x.json', { etag: 'etag-bbb', time: TIME }));
    expect(result.started?.created).toBe(true);
    expect(result.started?.runId).toBe(newRunId('Upload film', new Date(TIME), `${stack.bucket}/inbox/x.json@etag-bbb`));
    expect(stack.engine.list()).toHaveLength(before + 1);
  });

  it('an invalid storyboard → rejected/<name>.json listing the problems, nothing starts', async () => {
    const before = stack.engine.list().length;
    await putJson(stack.config, 'inbox/bad.json', { title: '', scenes: [], colour: 'red' });
    const result = await startFromUpload(objectCreatedEvent(stack.bucket, 'inbox/bad.json'));
    expect(result).toEqual({ rejectedKey: 'rejected/bad.json' });

    const report = await findJson<{ source: string; problems: string[]; rejectedAt: string }>(stack.config, 'rejected/bad.json');
    expect(report?.source).toBe('inbox/bad.json');
    expect(report?.problems.some((p) => p.startsWith('title:'))).toBe(true);
    expect(report?.problems.some((p) => p.startsWith('scenes:'))).toBe(true);
    expect(report?.problems.some((p) => p.includes('colour'))).toBe(true);
    expect(stack.engine.list()).toHaveLength(before);
  });

  it('invalid JSON → rejected too, nothing starts', async () => {
    const before = stack.engine.list().length;
    await s3Client(stack.config).send(
      new PutObjectCommand({ Bucket: stack.bucket, Key: 'inbox/broken.json', Body: '{"title": "half', ContentType: 'application/json' }),
    );
    const result = await startFromUpload(objectCreatedEvent(stack.bucket, 'inbox/broken.json'));
    expect(result).toEqual({ rejectedKey: 'rejected/broken.json' });
    const report = await findJson<{ problems: string[] }>(stack.config, 'rejected/broken.json');
    expect(report?.problems).toHaveLength(1);
    expect(report?.problems[0]).toMatch(/^\(file\): not valid JSON/);
    expect(stack.engine.list()).toHaveLength(before);
  });
});
