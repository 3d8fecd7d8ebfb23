// S3 access for handlers: JSON records, streamed uploads/downloads, presigned URLs.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AWS_MAX_ATTEMPTS, type RuntimeConfig } from './config';
import { ConcurrentUpdateError, MissingObjectError } from '../domain/errors';
import { RETENTION_TAG, retentionOf } from '../domain/run-keys';
import { tracer } from './observability';

/** x-amz-tagging for a key: the lifecycle rule expires objects tagged intermediate. */
const tagging = (key: string) => `${RETENTION_TAG}=${retentionOf(key)}`;

const clients = new Map<string, S3Client>();

export function s3Client(config: RuntimeConfig): S3Client {
  const cacheKey = `${config.region}|${config.s3Endpoint ?? ''}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = tracer.captureAWSv3Client(new S3Client({
      region: config.region,
      maxAttempts: AWS_MAX_ATTEMPTS,
      ...(config.s3Endpoint && {
        endpoint: config.s3Endpoint,
        forcePathStyle: true,
        // s3rver stores aws-chunked framing inside streamed objects when SDK checksums are on.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      }),
    }));
    clients.set(cacheKey, client);
  }
  return client;
}

const isMissing = (error: unknown) =>
  error instanceof NoSuchKey ||
  error instanceof NotFound ||
  (error as { name?: string })?.name === 'NoSuchKey' ||
  (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 404;

export async function getJson<T>(config: RuntimeConfig, key: string): Promise<T> {
  const found = await findJson<T>(config, key);
  if (found === null) throw new MissingObjectError(`s3://${config.bucket}/${key} does not exist`);
  return found;
}

export async function findJson<T>(config: RuntimeConfig, key: string): Promise<T | null> {
  // S3 replaces objects atomically; s3rver rewrites files in place, so a read racing a write can
  // see half a document. A short re-read covers that and never triggers on S3.
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await s3Client(config).send(new GetObjectCommand({ Bucket: config.bucket, Key: key }));
      return JSON.parse(await res.Body!.transformToString('utf8')) as T;
    } catch (error) {
      if (isMissing(error)) return null;
      if (!(error instanceof SyntaxError) || attempt >= 3 || !config.s3Endpoint) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

const putJsonCommand = (config: RuntimeConfig, key: string, value: unknown, condition: { IfNoneMatch?: '*'; IfMatch?: string } = {}) =>
  new PutObjectCommand({
    Bucket: config.bucket,
    Key: key,
    Body: JSON.stringify(value, null, 2),
    ContentType: 'application/json',
    Tagging: tagging(key),
    ...condition,
  });

export async function putJson(config: RuntimeConfig, key: string, value: unknown): Promise<void> {
  await s3Client(config).send(putJsonCommand(config, key, value));
}

const httpStatus = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;

/** S3 answers 412 when a condition does not hold, 409 while another conditional write to the key is in flight. */
const lostRace = (error: unknown) =>
  httpStatus(error) === 412 || httpStatus(error) === 409 || ['PreconditionFailed', 'ConditionalRequestConflict'].includes((error as { name?: string })?.name ?? '');

async function putJsonIf(config: RuntimeConfig, key: string, value: unknown, condition: { IfNoneMatch: '*' } | { IfMatch: string }): Promise<boolean> {
  try {
    await s3Client(config).send(putJsonCommand(config, key, value, condition));
    return true;
  } catch (error) {
    // If-Match on a key deleted meanwhile answers 404: the version we read is gone, same outcome.
    if (lostRace(error) || ('IfMatch' in condition && isMissing(error))) return false;
    throw error;
  }
}

/** Creates the object only if the key is free (If-None-Match: *). false: another writer got there first. */
export const createJson = (config: RuntimeConfig, key: string, value: unknown) => putJsonIf(config, key, value, { IfNoneMatch: '*' });

/** Replaces the object only if it is still the version with this ETag (If-Match). false: it changed meanwhile. */
export const replaceJson = (config: RuntimeConfig, key: string, value: unknown, etag: string) => putJsonIf(config, key, value, { IfMatch: etag });

/** A JSON object and the ETag to compare-and-swap it with. */
export async function findJsonVersion<T>(config: RuntimeConfig, key: string): Promise<{ value: T; etag: string } | null> {
  try {
    const res = await s3Client(config).send(new GetObjectCommand({ Bucket: config.bucket, Key: key }));
    return { value: JSON.parse(await res.Body!.transformToString('utf8')) as T, etag: res.ETag! };
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

/**
 * Read-modify-write without losing a concurrent writer's change: `change` gets the current value
 * (null if absent) and returns the new one, or undefined to leave it as it is. A lost race re-reads
 * and asks again. Returns the value that is stored when it returns.
 */
export async function updateJson<T>(
  config: RuntimeConfig,
  key: string,
  change: (current: T | null) => T | undefined,
  attempts = 8,
): Promise<T | null> {
  for (let attempt = 1; ; attempt++) {
    const current = await findJsonVersion<T>(config, key);
    const next = change(current?.value ?? null);
    if (next === undefined) return current?.value ?? null;
    const written = current ? await replaceJson(config, key, next, current.etag) : await createJson(config, key, next);
    if (written) return next;
    if (attempt >= attempts) throw new ConcurrentUpdateError(`s3://${config.bucket}/${key}: still changing after ${attempts} attempts`);
  }
}

export async function exists(config: RuntimeConfig, key: string): Promise<boolean> {
  try {
    await s3Client(config).send(new HeadObjectCommand({ Bucket: config.bucket, Key: key }));
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

export async function deleteObject(config: RuntimeConfig, key: string): Promise<void> {
  await s3Client(config).send(new DeleteObjectCommand({ Bucket: config.bucket, Key: key }));
}

/** An object's ETag and size, or null if it does not exist. */
export async function headObject(config: RuntimeConfig, key: string): Promise<{ etag: string; size: number } | null> {
  try {
    const res = await s3Client(config).send(new HeadObjectCommand({ Bucket: config.bucket, Key: key }));
    return { etag: res.ETag ?? '', size: res.ContentLength ?? 0 };
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

export async function listKeys(config: RuntimeConfig, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3Client(config).send(
      new ListObjectsV2Command({ Bucket: config.bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** The "folders" directly under `prefix` (a delimiter listing), e.g. runs/<runId>/ under runs/. */
export async function listPrefixes(config: RuntimeConfig, prefix: string): Promise<string[]> {
  const prefixes: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3Client(config).send(
      new ListObjectsV2Command({ Bucket: config.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }),
    );
    for (const item of page.CommonPrefixes ?? []) if (item.Prefix) prefixes.push(item.Prefix);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return prefixes;
}

/** Streams a readable (e.g. an HTTP response body) into S3 with multipart upload. */
export async function uploadStream(
  config: RuntimeConfig,
  key: string,
  body: Readable,
  contentType: string,
): Promise<void> {
  const upload = new Upload({
    client: s3Client(config),
    params: { Bucket: config.bucket, Key: key, Body: body, ContentType: contentType, Tagging: tagging(key) },
    queueSize: 2,
    partSize: 8 * 1024 * 1024,
  });
  await upload.done();
}

export const uploadFile = (config: RuntimeConfig, key: string, file: string, contentType: string) =>
  uploadStream(config, key, createReadStream(file), contentType);

export async function downloadToFile(config: RuntimeConfig, key: string, file: string): Promise<void> {
  try {
    const res = await s3Client(config).send(new GetObjectCommand({ Bucket: config.bucket, Key: key }));
    await pipeline(res.Body as Readable, createWriteStream(file));
  } catch (error) {
    if (isMissing(error)) throw new MissingObjectError(`s3://${config.bucket}/${key} does not exist`);
    throw error;
  }
}

/** The sha256 (hex) of an object's bytes, streamed: what a frame is known by in reuse hashes. */
export async function sha256Of(config: RuntimeConfig, key: string): Promise<string> {
  try {
    const res = await s3Client(config).send(new GetObjectCommand({ Bucket: config.bucket, Key: key }));
    const hash = createHash('sha256');
    for await (const chunk of res.Body as Readable) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } catch (error) {
    if (isMissing(error)) throw new MissingObjectError(`s3://${config.bucket}/${key} does not exist`);
    throw error;
  }
}

export function presignGet(config: RuntimeConfig, key: string, expiresIn = config.presignSeconds): Promise<string> {
  return getSignedUrl(s3Client(config), new GetObjectCommand({ Bucket: config.bucket, Key: key }), { expiresIn });
}
