// S3 access for handlers: JSON records, streamed uploads/downloads, presigned URLs.
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import {
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
import { MissingObjectError } from '../domain/errors';
import { RETENTION_TAG, retentionOf } from '../domain/run-keys';

/** x-amz-tagging for a key: the lifecycle rule expires objects tagged intermediate. */
const tagging = (key: string) => `${RETENTION_TAG}=${retentionOf(key)}`;

const clients = new Map<string, S3Client>();

export function s3Client(config: RuntimeConfig): S3Client {
  const cacheKey = `${config.region}|${config.s3Endpoint ?? ''}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = new S3Client({
      region: config.region,
      maxAttempts: AWS_MAX_ATTEMPTS,
      ...(config.s3Endpoint && {
        endpoint: config.s3Endpoint,
        forcePathStyle: true,
        // s3rver stores aws-chunked framing inside streamed objects when SDK checksums are on.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      }),
    });
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

export async function putJson(config: RuntimeConfig, key: string, value: unknown): Promise<void> {
  await s3Client(config).send(
    new PutObjectCommand({
      Bucket: config.bucket,
      Key: key,
      Body: JSON.stringify(value, null, 2),
      ContentType: 'application/json',
      Tagging: tagging(key),
    }),
  );
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

export function presignGet(config: RuntimeConfig, key: string, expiresIn = config.presignSeconds): Promise<string> {
  return getSignedUrl(s3Client(config), new GetObjectCommand({ Bucket: config.bucket, Key: key }), { expiresIn });
}
