// The callback record of one step (runs/{runId}/callbacks/{step}.json): which task token waits,
// which prediction it waits for, and every prediction the step ever created. Pure transitions;
// the adapter writes each one with a conditional write, so racing writers never lose a change.

export interface CallbackRecord {
  runId: string;
  step: string;
  /** The attempt (1, 2, 3) the waiting task belongs to: a retried start of the same attempt reuses its prediction. */
  attempt: number;
  taskToken: string;
  /** The prediction the waiting task gets the result of; null until the create call has answered. */
  predictionId: string | null;
  /** Every prediction this step created, oldest first: a webhook for one that is not current is stale. */
  predictionIds: string[];
  createdAt: string;
  /** The prediction's own Cancel-After: canceled at that age, it timed out (generate it again). */
  cancelAfterSec?: number;
  /** Set by the one delivery (webhook or poll) that claimed the result for the current task token. */
  resumedAt?: string;
  resumedBy?: string;
  outcome?: string;
}

export interface StepTarget {
  runId: string;
  step: string;
  attempt: number;
}

/** What starting a step does, given the record a previous start left (null: first start). */
export type StartPlan =
  | { action: 'reuse'; predictionId: string }
  | { action: 'create'; supersede: string | null };

/**
 * A retried start of the same attempt (Lambda.ServiceException after the create) reuses the
 * prediction it already made; a new attempt cancels the previous one unless its result was delivered.
 */
export function planStart(current: CallbackRecord | null, attempt: number): StartPlan {
  if (current && current.attempt === attempt && current.predictionId) return { action: 'reuse', predictionId: current.predictionId };
  const unfinished = current && current.attempt !== attempt && current.predictionId && !current.resumedAt;
  return { action: 'create', supersede: unfinished ? current.predictionId : null };
}

/** Before the create call: the new token waits, for a prediction not created yet. */
export function awaitingPrediction(previous: CallbackRecord | null, target: StepTarget, taskToken: string, now: string): CallbackRecord {
  return {
    runId: target.runId,
    step: target.step,
    attempt: target.attempt,
    taskToken,
    predictionId: null,
    predictionIds: previous?.predictionIds ?? [],
    createdAt: now,
  };
}

/** After the create call: the waiting task gets this prediction's result. */
export function withPrediction(record: CallbackRecord, predictionId: string): CallbackRecord {
  const ids = record.predictionIds ?? [];
  return { ...record, predictionId, predictionIds: ids.includes(predictionId) ? ids : [...ids, predictionId] };
}

/** A retried start hands the same prediction to its new task token; an earlier claim was for a closed token. */
export function repointed(record: CallbackRecord, taskToken: string): CallbackRecord {
  const { resumedAt: _at, resumedBy: _by, outcome: _outcome, ...rest } = record;
  return { ...rest, taskToken };
}

/** How a delivery for `predictionId` relates to the record. */
export type DeliveryVerdict = 'current' | 'stale' | 'unknown';

/**
 * current: the waiting task wants it. stale: an earlier prediction of this step, superseded (2xx, resume
 * nothing). unknown: not recorded yet — the create call has not answered — so the sender must try again.
 */
export function classifyDelivery(record: CallbackRecord, predictionId: string | undefined): DeliveryVerdict {
  if (!predictionId) return 'unknown';
  if (predictionId === record.predictionId) return 'current';
  return (record.predictionIds ?? []).includes(predictionId) ? 'stale' : 'unknown';
}

/** What a delivery of a prediction's status does to the record. */
export type DeliveryDecision = 'claim' | 'duplicate' | 'not-terminal' | Exclude<DeliveryVerdict, 'current'>;

export function decideDelivery(record: CallbackRecord, predictionId: string | undefined, terminal: boolean): DeliveryDecision {
  const verdict = classifyDelivery(record, predictionId);
  if (verdict !== 'current') return verdict;
  if (!terminal) return 'not-terminal';
  return record.resumedAt ? 'duplicate' : 'claim';
}

/** The one delivery allowed to send the task result claims it first; undefined if another already has. */
export function claimed(record: CallbackRecord, by: string, outcome: string, now: string): CallbackRecord | undefined {
  if (record.resumedAt) return undefined;
  return { ...record, resumedAt: now, resumedBy: by, outcome };
}

/**
 * Gives a claim back when its token turned out closed, so a task re-pointed meanwhile (or the next
 * delivery after a re-point) can still receive the result. Undefined if the claim is no longer there.
 */
export function released(record: CallbackRecord | null, claim: { taskToken: string; resumedBy: string }): CallbackRecord | undefined {
  if (!record || record.taskToken !== claim.taskToken || record.resumedBy !== claim.resumedBy) return undefined;
  const { resumedAt: _at, resumedBy: _by, outcome: _outcome, ...rest } = record;
  return rest;
}
