// Reusing what was already made: every prediction's output is stored under a hash of everything
// that determines it (the create request: model or version and every input, with each input frame
// by its content, never by its presigned URL). A later prediction with the same hash is not made:
// the stored output is used, at no cost. Raw model outputs are what is kept, so continuity
// settings (which only change how a stored clip is corrected) are not part of the hash.
import { canonicalJson, sha256Hex } from './idempotency';
import type { CreateRequest, PredictionResult } from './replicate-inputs';

/** Bump when what a hash stands for changes (a new input meaning), so old outputs stop matching. */
export const REUSE_SCHEME = 1;

/** Where the reusable outputs live: outside runs/, under their own lifecycle rule. */
export const REUSABLE_PREFIX = 'reusable/';

export type OutputKind = 'image' | 'video';

/** How an input frame enters the hash: by the sha256 of its bytes. */
export const frameByContent = (sha256: string) => `sha256:${sha256}`;

/**
 * The hash of a create request whose frame inputs were given as frameByContent(…). Webhook fields
 * are left out: where the result is delivered does not change what is made.
 */
export function outputHash(request: CreateRequest): string {
  const { webhook: _webhook, webhook_events_filter: _filter, ...what } = request;
  return sha256Hex(canonicalJson({ scheme: REUSE_SCHEME, ...what }));
}

export function reusableKey(hash: string, kind: OutputKind): string {
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not an output hash: ${JSON.stringify(hash)}`);
  return `${REUSABLE_PREFIX}${hash}.${kind === 'video' ? 'mp4' : 'png'}`;
}

/** The task result a reused output hands to the store state, in the shape a prediction's result has. */
export function reusedResult(hash: string, key: string, at: string): PredictionResult {
  return {
    id: `reused-${hash.slice(0, 16)}`,
    status: 'succeeded',
    output: null,
    error: null,
    createdAt: at,
    startedAt: at,
    completedAt: at,
    predictTimeSec: 0,
    reusedKey: key,
  };
}

/** Whether a task result is a reused output (and where it is), rather than a prediction's. */
export const reusedKeyOf = (result: PredictionResult): string | null =>
  typeof result.reusedKey === 'string' && result.reusedKey.startsWith(REUSABLE_PREFIX) ? result.reusedKey : null;
