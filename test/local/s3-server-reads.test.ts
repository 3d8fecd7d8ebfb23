// Reads racing writes of the same key on the local S3: S3 shows the old or the new object, never a
// mix. s3rver writes data, md5 and metadata.json as separate files, so without the local server's
// per-key turn a read could fail (half-written metadata.json → 500) or come back cut to the old length.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3Server, type S3Server } from '../../local/s3-server';

let server: S3Server;
let dir: string;
let client: S3Client;
const Bucket = 'reads-bucket';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-s3-reads-'));
  server = await startS3Server({ port: 0, directory: dir, bucket: Bucket });
  client = new S3Client({
    region: 'us-east-1',
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    maxAttempts: 1, // a 500 must show, not be retried away
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
});

afterAll(async () => {
  client?.destroy();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

// Documents of different lengths, so a body cut to another version's length cannot parse as one of them.
const documents = Array.from({ length: 8 }, (_, n) => JSON.stringify({ n, pad: 'x'.repeat(200 * (n + 1)) }));

it('a read during writes of the same key sees one whole version, and never fails', async () => {
  const Key = 'runs/r/manifest.json';
  await client.send(new PutObjectCommand({ Bucket, Key, Body: documents[0] }));
  const outcomes: string[] = [];
  for (let round = 0; round < 10; round++) {
    const writes = documents.map((Body) => client.send(new PutObjectCommand({ Bucket, Key, Body })));
    const reads = Array.from({ length: 24 }, async () => {
      try {
        const [got, head] = await Promise.all([client.send(new GetObjectCommand({ Bucket, Key })), client.send(new HeadObjectCommand({ Bucket, Key }))]);
        const body = await got.Body!.transformToString();
        outcomes.push(documents.includes(body) && Number(head.ContentLength) > 0 ? 'whole' : `mixed: ${body.length} bytes`);
      } catch (error) {
        outcomes.push(`failed: ${(error as Error).name}`);
      }
    });
    await Promise.all([...writes, ...reads]);
  }
  expect(outcomes.filter((o) => o !== 'whole')).toEqual([]);
});
