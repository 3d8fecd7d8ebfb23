import { SDXL, VIDEO_MODELS, type VideoModelId } from './models';

// How long a prediction may run and how long the workflow waits for it, in one place. The ASL
// carries the same numbers as literals (it cannot import them); test/asl checks they match.
//
//   create ──── webhook wait (Anchor/Clip TimeoutSeconds) ────┬─ poll, wait, poll, … ─┐
//   └──────────── Cancel-After (Replicate cancels; queue time included) ──┘  grace ──┘
//
// The polls outlast Replicate's own deadline by a grace period, so the last poll always finds the
// prediction terminal: succeeded, failed, or canceled/aborted by the deadline (then regenerated).

/** Replicate cancels a prediction this long after its creation (the `Cancel-After` header): a cost guard. */
export const CANCEL_AFTER_SECONDS = 30 * 60;

/** How long Anchor and Clip wait for the webhook before polling (their TimeoutSeconds). */
export const WEBHOOK_WAIT_SECONDS = 15 * 60;

/** The pause between two polls (the Wait states before PollAnchor/PollClip). */
export const POLL_INTERVAL_SECONDS = 30;

/** Time for Replicate to enforce its deadline and for the last poll to see the result. */
export const DEADLINE_GRACE_SECONDS = 2 * 60;

/** Polls after the wait (the first one right after it): the last one comes after deadline + grace. */
export const MAX_POLLS = Math.ceil((CANCEL_AFTER_SECONDS + DEADLINE_GRACE_SECONDS - WEBHOOK_WAIT_SECONDS) / POLL_INTERVAL_SECONDS) + 1;

/** The header value and PREDICTION_CANCEL_AFTER default, e.g. "1800s". */
export const CANCEL_AFTER = `${CANCEL_AFTER_SECONDS}s`;

/** Seconds from the last poll back to the prediction's creation, at the latest (task start ≈ creation). */
export const lastPollAfterSeconds = (maxPolls = MAX_POLLS) => WEBHOOK_WAIT_SECONDS + (maxPolls - 1) * POLL_INTERVAL_SECONDS;

/** A Go-style duration as Replicate's Cancel-After takes it ("90s", "30m", "1h30m") in seconds; null if malformed. */
export function durationSeconds(text: string): number | null {
  const parts = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!parts || !text.trim()) return null;
  const [, h = '0', m = '0', s = '0'] = parts;
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}

/** Replicate's least Cancel-After is 5 s; ours never goes below this (queue time counts). */
export const MIN_CANCEL_AFTER_SECONDS = 5 * 60;

/** Time a prediction may wait in Replicate's queue before it starts, on top of its work. */
export const QUEUE_ALLOWANCE_SECONDS = 5 * 60;

/** How many times its typical generation time a prediction may take before it counts as stuck. */
export const SLOW_FACTOR = 3;

/**
 * A prediction's own Cancel-After, from its model and clip length: queue allowance plus three times
 * the typical generation time, between MIN_CANCEL_AFTER_SECONDS and `ceiling` (the deployment's
 * PREDICTION_CANCEL_AFTER, at most CANCEL_AFTER_SECONDS, which the poll window is sized for). A 6 s
 * Fast clip is canceled after 7.5 min, not 30: a stuck prediction is found and generated again sooner.
 */
export function cancelAfterFor(work: { model: VideoModelId; seconds: number } | 'image', ceiling = CANCEL_AFTER_SECONDS): number {
  const typical = work === 'image' ? SDXL.typicalSeconds : work.seconds * VIDEO_MODELS[work.model].generationSecondsPerOutputSecond;
  const seconds = Math.max(MIN_CANCEL_AFTER_SECONDS, QUEUE_ALLOWANCE_SECONDS + Math.ceil(SLOW_FACTOR * typical));
  return Math.min(seconds, ceiling, CANCEL_AFTER_SECONDS);
}
