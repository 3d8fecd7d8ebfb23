// The S3 upload trigger: a storyboard written under inbox/ starts one run — however often the
// event is delivered — or gets a report in rejected/ saying why it did not. Nothing is dropped
// without a word: images and folders are named as ignored, other files are rejected.
import type { RuntimeConfig } from '../adapters/config';
import { getJson, headObject, putJson } from '../adapters/s3';
import { InvalidStoryboardError } from '../domain/errors';
import { bareEtag, uploadOnce } from '../domain/idempotency';
import { INBOX_PREFIX, deliveredKeyCandidates, inboxObjectKind, keyProblem, rejectedKey } from '../domain/run-keys';
import { startRun, type StartedRun } from './runs';

/** A storyboard file may be pretty-printed; the storyboard itself is bounded by LIMITS.maxStoryboardBytes. */
export const MAX_STORYBOARD_FILE_BYTES = 1024 * 1024;

export interface UploadedObject {
  bucket: string;
  /** The key as the event delivered it (perhaps form-encoded). */
  key: string;
  etag?: string;
  versionId?: string | null;
}

/** Exactly one of started, rejectedKey (with problems) or ignored. */
export interface UploadOutcome {
  /** The key the object really has (decoded if the event had it encoded). */
  key: string;
  started?: StartedRun;
  rejectedKey?: string;
  problems?: string[];
  ignored?: string;
}

/** Which key the event means: the one that exists (with the event's ETag, when it has one). */
async function resolveKey(config: RuntimeConfig, object: UploadedObject): Promise<{ key: string; etag: string; size: number } | { ignored: string }> {
  const candidates = deliveredKeyCandidates(object.key).filter((key) => key.startsWith(INBOX_PREFIX) && !keyProblem(key));
  for (const key of candidates) {
    const head = await headObject(config, key).catch((error: { $metadata?: { httpStatusCode?: number } }) => {
      // Without s3:ListBucket, S3 answers a missing key with 403.
      if (error.$metadata?.httpStatusCode === 403) return null;
      throw error;
    });
    if (head && (!object.etag || bareEtag(head.etag) === bareEtag(object.etag))) return { key, etag: head.etag, size: head.size };
  }
  return { ignored: `no object ${candidates.map((k) => JSON.stringify(k)).join(' or ')} with ETag ${object.etag ?? '(any)'}: deleted or replaced since the event` };
}

export async function startFromUpload(config: RuntimeConfig, object: UploadedObject): Promise<UploadOutcome> {
  const unsafe = deliveredKeyCandidates(object.key).every((key) => !key.startsWith(INBOX_PREFIX) || keyProblem(key));
  if (unsafe) {
    const why = keyProblem(object.key) ?? `is not under ${INBOX_PREFIX}`;
    return reject(config, object.key, [`(key): ${JSON.stringify(object.key)} ${why}; nothing was read`]);
  }
  const found = await resolveKey(config, object);
  if ('ignored' in found) return { key: object.key, ignored: found.ignored };
  const { key } = found;
  const kind = inboxObjectKind(key);
  if (kind === 'image') return { key, ignored: 'an image (for anchor.image), not a storyboard' };
  if (kind === 'folder') return { key, ignored: 'a folder marker, not a storyboard' };
  if (kind === 'other') {
    return reject(config, key, [`(file): only .json files under ${INBOX_PREFIX} start runs (.png, .jpg, .jpeg and .webp may sit there for anchor.image)`]);
  }
  if (found.size > MAX_STORYBOARD_FILE_BYTES) {
    return reject(config, key, [`(file): ${Math.ceil(found.size / 1024)} KiB; a storyboard file is at most ${MAX_STORYBOARD_FILE_BYTES / 1024} KiB`]);
  }
  let storyboard: unknown;
  try {
    storyboard = await getJson(config, key);
  } catch (error) {
    if (error instanceof SyntaxError) return reject(config, key, [`(file): not valid JSON: ${error.message}`]);
    throw error;
  }
  try {
    const once = uploadOnce({ bucket: object.bucket, key, etag: object.etag ?? found.etag, versionId: object.versionId });
    return { key, started: await startRun(config, { storyboard, source: { key }, once }) };
  } catch (error) {
    if (error instanceof InvalidStoryboardError) return reject(config, key, error.problems);
    throw error;
  }
}

async function reject(config: RuntimeConfig, key: string, problems: string[]): Promise<UploadOutcome> {
  const target = rejectedKey(key);
  await putJson(config, target, { source: key, rejectedAt: new Date().toISOString(), problems });
  return { key, rejectedKey: target, problems };
}
