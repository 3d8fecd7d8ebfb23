// Error classes whose `name` Step Functions Retry/Catch match (Lambda reports errorType = name).

export class LongshotError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The storyboard broke one or more rules; `problems` names every field and what it allows. */
export class InvalidStoryboardError extends LongshotError {
  constructor(public readonly problems: string[]) {
    super(`Invalid storyboard:\n- ${problems.join('\n- ')}`);
  }
}

/** Replicate answered 429; the state machine retries with backoff. */
export class RateLimitedError extends LongshotError {}

/** A prediction ended as failed/aborted (retry the scene a bounded number of times). */
export class PredictionFailedError extends LongshotError {}

/** A prediction was canceled because its run ended (or by hand): no retry. */
export class PredictionCanceledError extends LongshotError {}

/**
 * A prediction ran out of time: Replicate canceled or aborted it at its Cancel-After deadline, or it
 * was still running after the last poll. The scene (or anchor) is generated again, a bounded number of times.
 */
export class PredictionTimedOutError extends LongshotError {}

/** A prediction handed on as a result is still starting/processing (the poll reports that as {done: false}). */
export class PredictionStillRunning extends LongshotError {}

/** A model output could not be downloaded or decoded (e.g. a corrupt MP4). */
export class OutputInvalidError extends LongshotError {}

/** ffmpeg/ffprobe exited non-zero. */
export class MediaToolError extends LongshotError {}

/** Something the run needs (manifest, callback record, seed frame) is not where it should be. */
export class MissingObjectError extends LongshotError {}

/** A webhook failed verification (signature, timestamp, prediction id). Never resumes a task. */
export class WebhookRejectedError extends LongshotError {}

/** A run's notification got no final answer from its notify.url after every attempt: Lambda retries the invocation later. */
export class NotificationUndeliveredError extends LongshotError {}

/**
 * A Lambda received an event its boundary schema refuses (a wiring or caller bug, never retried).
 * `problems` name each bad field and what it allows; values are never echoed (they may be tokens).
 */
export class InvalidEventError extends LongshotError {
  constructor(
    public readonly handler: string,
    public readonly problems: string[],
  ) {
    super(`${handler}: invalid event: ${problems.join('; ')}`);
  }
}

/** Misconfiguration: a required environment variable or secret is absent. */
export class ConfigError extends LongshotError {}

/** Replicate refused a request for a reason retrying will not fix (401, 404, 422). */
export class ReplicateRequestError extends LongshotError {}

/** A conditional write (If-Match) kept losing to other writers of the same object; safe to retry. */
export class ConcurrentUpdateError extends LongshotError {}

/** The run already has its ending (canceled by DELETE, failed, stopped): this step's result is discarded. */
export class RunEndedError extends LongshotError {}

/** An Idempotency-Key came back with a different request: nothing is started (HTTP 422). */
export class IdempotencyConflictError extends LongshotError {}

/**
 * The next prediction would take the run's spend past its budget (storyboard budget.maxUsd): the
 * run stops before making it. Named without "Error" because it is how the run ended, as the issue
 * and the manifest call it; resume the run with a higher budget to go on.
 */
export class BudgetExceeded extends LongshotError {}

/** A request to an endpoint other than POST /runs broke its rules; `problems` name each field (HTTP 400). */
export class InvalidRequestError extends LongshotError {
  constructor(public readonly problems: string[]) {
    super(`Invalid request:\n- ${problems.join('\n- ')}`);
  }
}

/** The run is in a state the request cannot act on (resume a running or succeeded run): HTTP 409. */
export class RunStateConflictError extends LongshotError {}

/** No variant of a compare produced a film: there is nothing to put side by side. */
export class NothingToCompareError extends LongshotError {}
