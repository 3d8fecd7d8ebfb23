// Conditional writes as AWS S3 answers them, injected at the SDK client (aws-sdk-client-mock): a lost
// race is 412 PreconditionFailed, or 409 ConditionalRequestConflict while another conditional write
// to the key is in flight (the local S3 server only ever answers 412); If-Match on a deleted key is 404.
import 'aws-sdk-client-mock-vitest/extend';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { RuntimeConfig } from '../../functions/adapters/config';
import { createJson, replaceJson, updateJson } from '../../functions/adapters/s3';
import { ConcurrentUpdateError } from '../../functions/domain/errors';

const s3 = mockClient(S3Client);
afterAll(() => s3.restore());
beforeEach(() => s3.reset());

const config: RuntimeConfig = {
  bucket: 'longshot-test',
  region: 'eu-west-1',
  webhookUrl: null,
  cancelAfter: '30m',
  presignSeconds: 3600,
} as RuntimeConfig;

const awsError = (name: string, status: number | undefined) =>
  new S3ServiceException({ name, $fault: 'client', message: name, $metadata: status === undefined ? {} : { httpStatusCode: status } });
const preconditionFailed = () => awsError('PreconditionFailed', 412);
const body = (value: unknown) => ({ transformToString: async () => JSON.stringify(value) }) as never;

describe('createJson (If-None-Match: *)', () => {
  it('writes with If-None-Match: * and answers true when the key was free', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"e1"' });
    await expect(createJson(config, 'runs/r/ending.json', { a: 1 })).resolves.toBe(true);
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Key: 'runs/r/ending.json', IfNoneMatch: '*' });
  });

  it.each([
    ['412 PreconditionFailed', preconditionFailed()],
    ['409 ConditionalRequestConflict', awsError('ConditionalRequestConflict', 409)],
    ['PreconditionFailed by name only', awsError('PreconditionFailed', undefined)],
    ['ConditionalRequestConflict by name only', awsError('ConditionalRequestConflict', undefined)],
    ['an unnamed 412', awsError('Unknown', 412)],
    ['an unnamed 409', awsError('Unknown', 409)],
  ])('%s → false: another writer got there first', async (_what, error) => {
    s3.on(PutObjectCommand).rejects(error);
    await expect(createJson(config, 'runs/r/ending.json', {})).resolves.toBe(false);
  });

  it.each([
    ['403 AccessDenied', awsError('AccessDenied', 403)],
    ['404 NoSuchBucket', awsError('NoSuchBucket', 404)],
    ['503 SlowDown', awsError('SlowDown', 503)],
  ])('%s is an error, not a lost race', async (_what, error) => {
    s3.on(PutObjectCommand).rejects(error);
    await expect(createJson(config, 'runs/r/ending.json', {})).rejects.toBe(error);
  });
});

describe('replaceJson (If-Match)', () => {
  it('writes with If-Match: <etag> and answers true when the version was current', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"e2"' });
    await expect(replaceJson(config, 'runs/r/callbacks/scene-1.json', { v: 2 }, '"e1"')).resolves.toBe(true);
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { IfMatch: '"e1"' });
  });

  it.each([
    ['412 PreconditionFailed: it changed', preconditionFailed()],
    ['404 NoSuchKey: it was deleted', new NoSuchKey({ message: 'gone', $metadata: { httpStatusCode: 404 } })],
  ])('%s → false', async (_what, error) => {
    s3.on(PutObjectCommand).rejects(error);
    await expect(replaceJson(config, 'runs/r/callbacks/scene-1.json', {}, '"e1"')).resolves.toBe(false);
  });
});

describe('updateJson (read, change, compare-and-swap)', () => {
  it('after a lost race, reads the winner’s version and applies the change to it', async () => {
    s3.on(GetObjectCommand)
      .resolvesOnce({ Body: body([1]), ETag: '"e1"' })
      .resolvesOnce({ Body: body([1, 2]), ETag: '"e2"' });
    s3.on(PutObjectCommand, { IfMatch: '"e1"' }).rejects(preconditionFailed());
    s3.on(PutObjectCommand, { IfMatch: '"e2"' }).resolves({ ETag: '"e3"' });
    const seen: unknown[] = [];
    const stored = await updateJson<number[]>(config, 'runs/r/list.json', (current) => (seen.push(current), [...(current ?? []), 3]));
    expect(stored).toEqual([1, 2, 3]);
    expect(seen).toEqual([[1], [1, 2]]);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 2);
  });

  it('gives up with ConcurrentUpdateError (retryable by name) when every attempt loses', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body({ n: 1 }), ETag: '"e1"' });
    s3.on(PutObjectCommand).rejects(awsError('ConditionalRequestConflict', 409));
    await expect(updateJson(config, 'runs/r/x.json', () => ({ n: 2 }), 3)).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 3);
  });

  it('creates the object with If-None-Match when it does not exist yet', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'none', $metadata: { httpStatusCode: 404 } }));
    s3.on(PutObjectCommand).resolves({ ETag: '"e1"' });
    await expect(updateJson(config, 'runs/r/new.json', () => ({ n: 1 }))).resolves.toEqual({ n: 1 });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { IfNoneMatch: '*' });
  });
});
