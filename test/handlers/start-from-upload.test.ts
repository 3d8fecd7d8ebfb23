// EventBridge "Object Created" under inbox/ → one run per upload (however often and however late
// the event comes), a report in rejected/, or a logged reason to ignore it. Keys with spaces, "+",
// "%" and non-ASCII letters work whether the event carries them raw or form-encoded.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { EventBridgeEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { handler as startFromUpload } from '../../functions/handlers/start-from-upload';
import { exists, findJson, s3Client } from '../../functions/adapters/s3';
import { logger } from '../../functions/adapters/logger';
import { isRunId } from '../../functions/domain/run-keys';
import { tinyStoryboard } from './helpers';

let stack: LocalStack;

// Predictions stay "processing": runs started here park in their first wait until stop().
beforeAll(async () => {
  stack = await startLocalStack({ retryIntervalMs: 5, emulator: { faults: { processingDelayMs: 120_000 } } });
});
afterAll(async () => {
  await stack?.stop();
});
afterEach(() => {
  vi.restoreAllMocks();
  logger.setLogLevel('SILENT');
});

/** The JSON log lines written while the test runs (Powertools writes to stdout/stderr). */
function capturedLogs(): Record<string, unknown>[] {
  logger.setLogLevel('INFO');
  const lines: Record<string, unknown>[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation(((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n')) {
        if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      return true;
    }) as typeof stream.write);
  }
  return lines;
}

/** Writes an object and returns its ETag as an S3 event carries it (no quotes). */
async function upload(key: string, body: unknown): Promise<string> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const { ETag } = await s3Client(stack.config).send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: text, ContentType: 'application/json' }));
  return ETag!.replace(/"/g, '');
}

type Detail = { bucket: { name: string }; object: { key: string; etag?: string; size?: number; 'version-id'?: string } };
function event(key: string, etag: string | undefined, options: { time?: string; versionId?: string } = {}): EventBridgeEvent<'Object Created', Detail> {
  return {
    version: '0',
    id: `evt-${Math.random()}`,
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '000000000000',
    time: options.time ?? '2026-11-25T10:42:13Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${stack.bucket}`],
    detail: { bucket: { name: stack.bucket }, object: { key, etag, size: 100, ...(options.versionId && { 'version-id': options.versionId }) } },
  };
}

const executionsNamed = (runId: string) => stack.engine.list().filter((e) => e.name === runId);

describe('start-from-upload: one run per upload', () => {
  it('a valid storyboard starts a run that reads the storyboard from the bucket', async () => {
    const etag = await upload('inbox/x.json', tinyStoryboard('Upload film'));
    const result = await startFromUpload(event('inbox/x.json', etag));

    expect(result.rejectedKey).toBeUndefined();
    expect(result.started).toMatchObject({ status: 'running', created: true });
    const runId = result.started!.runId;
    expect(runId).toMatch(/^\d{8}-\d{4}-upload-film-[0-9a-f]{16}$/);
    expect(isRunId(runId)).toBe(true);
    const [execution] = executionsNamed(runId);
    expect(execution.status).toBe('RUNNING');
    // The execution reads the storyboard from the bucket: the input carries the key, not the board.
    expect(JSON.parse(execution.input)).toEqual({ source: { key: 'inbox/x.json' } });
  });

  it('the same event again, even ten minutes later, → the same run, created: false, nothing new', async () => {
    const etag = await upload('inbox/again.json', tinyStoryboard('Upload again'));
    const first = await startFromUpload(event('inbox/again.json', etag, { time: '2026-11-25T10:42:59Z' }));
    const before = stack.engine.list().length;
    for (const time of ['2026-11-25T10:42:59Z', '2026-11-25T10:43:01Z', '2026-11-25T10:52:59Z']) {
      const repeat = await startFromUpload(event('inbox/again.json', etag, { time }));
      expect(repeat.started).toMatchObject({ runId: first.started!.runId, created: false, status: 'running' });
    }
    expect(stack.engine.list()).toHaveLength(before);
  });

  it('a new upload of the same key (new ETag) is a new run', async () => {
    const firstEtag = await upload('inbox/changed.json', tinyStoryboard('Upload v1'));
    const first = await startFromUpload(event('inbox/changed.json', firstEtag));
    const secondEtag = await upload('inbox/changed.json', tinyStoryboard('Upload v2'));
    const second = await startFromUpload(event('inbox/changed.json', secondEtag));
    expect(second.started?.created).toBe(true);
    expect(second.started?.runId).not.toBe(first.started?.runId);
  });

  it('another version of the object (version-id) is a new run', async () => {
    const etag = await upload('inbox/versioned.json', tinyStoryboard('Upload versioned'));
    const v1 = await startFromUpload(event('inbox/versioned.json', etag, { versionId: 'v1' }));
    const v2 = await startFromUpload(event('inbox/versioned.json', etag, { versionId: 'v2' }));
    expect([v1.started?.created, v2.started?.created]).toEqual([true, true]);
    expect(v2.started?.runId).not.toBe(v1.started?.runId);
  });

  it('an event for an upload that has since been replaced starts nothing and says why', async () => {
    const oldEtag = await upload('inbox/replaced.json', tinyStoryboard('Upload old'));
    await upload('inbox/replaced.json', tinyStoryboard('Upload new'));
    const logs = capturedLogs();
    const before = stack.engine.list().length;
    const result = await startFromUpload(event('inbox/replaced.json', oldEtag));
    expect(result.ignored).toMatch(/deleted or replaced since the event/);
    expect(stack.engine.list()).toHaveLength(before);
    expect(logs).toContainEqual(expect.objectContaining({ message: 'upload ignored', key: 'inbox/replaced.json', reason: result.ignored }));
  });
});

describe('start-from-upload: keys as S3 and EventBridge deliver them', () => {
  it.each([
    ['inbox/my film.json', 'inbox/my film.json'],
    ['inbox/my film.json', 'inbox/my+film.json'],
    ['inbox/a+b.json', 'inbox/a+b.json'],
    ['inbox/a+b.json', 'inbox/a%2Bb.json'],
    ['inbox/100%.json', 'inbox/100%.json'],
    ['inbox/100%.json', 'inbox/100%25.json'],
    ['inbox/été ☃.json', 'inbox/été ☃.json'],
    ['inbox/été ☃.json', 'inbox/%C3%A9t%C3%A9+%E2%98%83.json'],
  ])('the object %j, delivered as %j, starts a run', async (key, delivered) => {
    const etag = await upload(key, tinyStoryboard(`Key ${delivered}`));
    const result = await startFromUpload(event(delivered, etag));
    expect(result.key).toBe(key);
    expect(result.started, JSON.stringify(result)).toBeDefined();
    expect(JSON.parse(executionsNamed(result.started!.runId)[0].input)).toEqual({ source: { key } });
  });

  it('when both the raw and the decoded key exist, the one with the event’s ETag is used', async () => {
    await upload('inbox/both a.json', tinyStoryboard('Decoded twin'));
    const etag = await upload('inbox/both+a.json', tinyStoryboard('Raw twin'));
    const result = await startFromUpload(event('inbox/both+a.json', etag));
    expect(result.key).toBe('inbox/both+a.json');
  });
});

describe('start-from-upload: nothing is dropped without a word', () => {
  it('a storyboard named .JSON (upper case) starts a run', async () => {
    const etag = await upload('inbox/LOUD.JSON', tinyStoryboard('Upper case'));
    const result = await startFromUpload(event('inbox/LOUD.JSON', etag));
    expect(result.started?.created).toBe(true);
  });

  it('a file that is neither a storyboard nor an image is rejected with a report', async () => {
    const etag = await upload('inbox/notes.txt', 'remember the milk');
    const result = await startFromUpload(event('inbox/notes.txt', etag));
    expect(result.rejectedKey).toBe('rejected/notes.txt.json');
    const report = await findJson<{ problems: string[] }>(stack.config, 'rejected/notes.txt.json');
    expect(report?.problems).toEqual([expect.stringMatching(/^\(file\): only \.json files under inbox\/ start runs/)]);
  });

  it.each([
    ['inbox/me.PNG', 'an image (for anchor.image), not a storyboard'],
    ['inbox/team/', 'a folder marker, not a storyboard'],
  ])('%s is ignored, and the log says why', async (key, reason) => {
    const etag = await upload(key, '');
    const logs = capturedLogs();
    const result = await startFromUpload(event(key, etag));
    expect(result).toEqual({ key, ignored: reason });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'upload ignored', key, reason }));
  });

  it('an invalid storyboard → rejected/<name>.json listing the problems, nothing starts', async () => {
    const before = stack.engine.list().length;
    const etag = await upload('inbox/bad.json', { title: '', scenes: [], colour: 'red' });
    const logs = capturedLogs();
    const result = await startFromUpload(event('inbox/bad.json', etag));
    expect(result.rejectedKey).toBe('rejected/bad.json');

    const report = await findJson<{ source: string; problems: string[]; rejectedAt: string }>(stack.config, 'rejected/bad.json');
    expect(report?.source).toBe('inbox/bad.json');
    expect(report?.problems.some((p) => p.startsWith('title:'))).toBe(true);
    expect(report?.problems.some((p) => p.startsWith('scenes:'))).toBe(true);
    expect(report?.problems.some((p) => p.includes('colour'))).toBe(true);
    expect(stack.engine.list()).toHaveLength(before);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'WARN', message: 'storyboard upload rejected', key: 'inbox/bad.json', rejectedKey: 'rejected/bad.json' }));
  });

  it('invalid JSON → rejected too, nothing starts', async () => {
    const before = stack.engine.list().length;
    const etag = await upload('inbox/broken.json', '{"title": "half');
    const result = await startFromUpload(event('inbox/broken.json', etag));
    expect(result.rejectedKey).toBe('rejected/broken.json');
    const report = await findJson<{ problems: string[] }>(stack.config, 'rejected/broken.json');
    expect(report?.problems).toHaveLength(1);
    expect(report?.problems[0]).toMatch(/^\(file\): not valid JSON/);
    expect(stack.engine.list()).toHaveLength(before);
  });

  it('a storyboard file over 1 MiB is rejected without being read', async () => {
    const etag = await upload('inbox/huge.json', `{"title": "Huge", "scenes": [{"prompt": "x"}], "pad": "${' '.repeat(1024 * 1024)}"}`);
    const result = await startFromUpload(event('inbox/huge.json', etag));
    expect(result.problems).toEqual(['(file): 1025 KiB; a storyboard file is at most 1024 KiB']);
  });

  it('a key that climbs out of inbox/ is rejected under a hashed name, and nothing is read or written there', async () => {
    const target = 'runs/20261125-1042-victim-3f9c2a7be41d08c6/manifest.json';
    const before = stack.engine.list().length;
    const result = await startFromUpload(event(`inbox/../${target}`, 'etag-1'));
    expect(result.rejectedKey).toMatch(/^rejected\/unsafe-key-[0-9a-f]{16}\.json$/);
    expect(result.problems).toEqual([`(key): "inbox/../${target}" contains a "." or ".." path segment; nothing was read`]);
    expect(await exists(stack.config, target)).toBe(false);
    expect(stack.engine.list()).toHaveLength(before);
  });
});
