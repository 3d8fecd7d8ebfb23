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
