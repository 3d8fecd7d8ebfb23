// "Start once": a request that may arrive twice (an Idempotency-Key header, an S3 upload event)
// is known by an identity; the first one to create idempotency/<sha256(identity)>.json (an S3
// create-only write) names the run, every repeat finds that record. Nothing depends on the clock.
import { createHash } from 'node:crypto';

/** What idempotency/<hash>.json holds. */
export interface IdempotencyRecord {
  runId: string;
  /** sha256 of the request the identity was first used with: a different request is refused. */
  fingerprint: string;
  createdAt: string;
}

/** A request's identity, what it asked for, and how to say that the identity was reused. */
export interface OnceOnly {
  identity: string;
  fingerprint: string;
  /** The message when the identity comes back with a different request. */
  conflict: string;
}

export const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** JSON with object keys sorted, so the same request always has the same fingerprint. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** POST /runs with an Idempotency-Key: one run per key and request body. */
export function apiRequestOnce(idempotencyKey: string, request: { storyboard: unknown; overrides?: unknown }): OnceOnly {
  return {
    identity: sha256Hex(canonicalJson(['api', idempotencyKey])),
    fingerprint: sha256Hex(canonicalJson(request)),
    conflict: `Idempotency-Key ${JSON.stringify(idempotencyKey)} was already used with a different request; use a new key for a new run`,
  };
}

/** S3 ETags arrive quoted from the API and bare in events. */
export const bareEtag = (etag: string) => etag.replace(/^(W\/)?"|"$/g, '');

/** An upload: one run per bucket, key, ETag and version (a new upload of the same key is a new run). */
export function uploadOnce(upload: { bucket: string; key: string; etag: string; versionId?: string | null }): OnceOnly {
  const identity = sha256Hex(canonicalJson(['upload', upload.bucket, upload.key, bareEtag(upload.etag), upload.versionId ?? null]));
  return { identity, fingerprint: identity, conflict: `upload ${upload.key} maps to another request` };
}

/** Idempotency-Key header values we accept: printable ASCII, like a UUID or a request name. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
