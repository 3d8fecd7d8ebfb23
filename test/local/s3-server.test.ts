// The local S3 keeps the semantics the workflow relies on: conditional writes, atomic objects and
// delimiter listings, exercised through the real SDK and the project's S3 adapter.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { startS3Server, type S3Server } from '../../local/s3-server';
import { createJson, findJsonVersion, replaceJson, s3Client, updateJson } from '../../functions/adapters/s3';
import type { RuntimeConfig } from '../../functions/adapters/config';

let server: S3Server;
let dir: string;
let config: RuntimeConfig;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-s3-test-'));
  server = await startS3Server({ port: 0, directory: dir, bucket: 'test-bucket' });
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  config = { bucket: 'test-bucket', region: 'us-east-1', s3Endpoint: server.endpoint, webhookUrl: null, cancelAfter: '30m', presignSeconds: 60 };
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const put = (key: string, body = '{}') => s3Client(config).send(new PutObjectCommand({ Bucket: config.bucket, Key: key, Body: body }));

describe('conditional writes', () => {
  it('creates an object once: If-None-Match: * refuses a second create', async () => {
    expect(await createJson(config, 'c/once.json', { n: 1 })).toBe(true);
    expect(await createJson(config, 'c/once.json', { n: 2 })).toBe(false);
    expect((await findJsonVersion(config, 'c/once.json'))?.value).toEqual({ n: 1 });
  });

  it('lets exactly one of many concurrent creators win', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, n) => createJson(config, 'c/race.json', { n })));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('replaces only the version that was read (If-Match)', async () => {
    await createJson(config, 'c/cas.json', { v: 1 });
    const read = (await findJsonVersion(config, 'c/cas.json'))!;
    expect(await replaceJson(config, 'c/cas.json', { v: 2 }, read.etag)).toBe(true);
    expect(await replaceJson(config, 'c/cas.json', { v: 3 }, read.etag)).toBe(false);
    expect((await findJsonVersion(config, 'c/cas.json'))?.value).toEqual({ v: 2 });
  });

  it('refuses If-Match on a key that does not exist', async () => {
    expect(await replaceJson(config, 'c/absent.json', { v: 1 }, '"0123"')).toBe(false);
  });

  it('loses no concurrent read-modify-write', async () => {
    const writers = Array.from({ length: 8 }, (_, n) =>
      updateJson<number[]>(config, 'c/list.json', (current) => [...(current ?? []), n], 40),
    );
    await Promise.all(writers);
    expect((await findJsonVersion<number[]>(config, 'c/list.json'))?.value.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('atomic objects', () => {
  it('never lets a reader see half of an object being replaced', async () => {
    const big = (fill: string) => JSON.stringify({ fill: fill.repeat(3_000_000) });
    await put('a/big.json', big('a'));
    const reads: Promise<string>[] = [];
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 12; i++) {
      writes.push(put('a/big.json', big(String.fromCharCode(98 + i))));
      reads.push(s3Client(config).send(new GetObjectCommand({ Bucket: config.bucket, Key: 'a/big.json' })).then((r) => r.Body!.transformToString()));
    }
    await Promise.all(writes);
    for (const text of await Promise.all(reads)) expect(() => JSON.parse(text)).not.toThrow();
  });
});

describe('ListObjectsV2 with a delimiter', () => {
  beforeAll(async () => {
    for (const key of ['l/runs/r1/manifest.json', 'l/runs/r1/scenes/1/clip.mp4', 'l/runs/r2/scenes/1/clip.mp4', 'l/inbox/a.json', 'l/top.json']) await put(key);
  });

  const list = (prefix: string, extra: { MaxKeys?: number; ContinuationToken?: string } = {}) =>
    s3Client(config).send(new ListObjectsV2Command({ Bucket: config.bucket, Prefix: prefix, Delimiter: '/', ...extra }));

  it('lists a prefix that holds only sub-prefixes', async () => {
    const page = await list('l/');
    expect(page.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['l/inbox/', 'l/runs/']);
    expect(page.Contents?.map((c) => c.Key)).toEqual(['l/top.json']);
  });

  it('lists scenes/ inside a run', async () => {
    const page = await list('l/runs/r1/');
    expect(page.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['l/runs/r1/scenes/']);
    expect(page.Contents?.map((c) => c.Key)).toEqual(['l/runs/r1/manifest.json']);
  });

  it('pages through prefixes and keys in order with continuation tokens', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await list('l/', { MaxKeys: 1, ContinuationToken: token });
      seen.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!), ...(page.Contents ?? []).map((c) => c.Key!));
      token = page.NextContinuationToken;
    } while (token);
    expect(seen).toEqual(['l/inbox/', 'l/runs/', 'l/top.json']);
  });
});
