// A run's one ending: succeeded (with its film), failed or canceled (with why). Stored once per run,
// first writer wins (S3 If-None-Match); the manifest's status, film and failure are read from it.
import type { FailureRecord, FilmRecord, RunStatus } from './manifest';
import { readableCause } from './manifest';

/** Who recorded the ending: the join, the state machine's failure path, DELETE, or the status-change event. */
export type EndedBy = 'join-film' | 'record-failure' | 'cancel-request' | 'execution-ended';

export type EndingStatus = Exclude<RunStatus, 'running'>;

export type RunEnding =
  | { status: 'succeeded'; at: string; by: EndedBy; film: FilmRecord }
  | { status: Exclude<EndingStatus, 'succeeded'>; at: string; by: EndedBy; failure: FailureRecord };

export function failedEnding(by: EndedBy, status: 'failed' | 'canceled', detail: { state: string; error: string; cause: string }, at = new Date().toISOString()): RunEnding {
  return { status, at, by, failure: { ...detail, at, canceledPredictions: [] } };
}

/** The ending with these prediction ids added to the canceled ones (a detail, not a change of state). */
export function withCanceledPredictions(ending: RunEnding, predictionIds: string[]): RunEnding {
  if (ending.status === 'succeeded' || predictionIds.every((id) => ending.failure.canceledPredictions.includes(id))) return ending;
  const canceledPredictions = [...new Set([...ending.failure.canceledPredictions, ...predictionIds])];
  return { ...ending, failure: { ...ending.failure, canceledPredictions } };
}

/** Execution statuses that the state machine's own paths never record: a stop from outside, the timeout. */
const UNRECORDED_END: Record<string, { status: 'failed' | 'canceled'; error: string }> = {
  FAILED: { status: 'failed', error: 'States.Runtime' },
  TIMED_OUT: { status: 'failed', error: 'States.Timeout' },
  ABORTED: { status: 'canceled', error: 'ExecutionAborted' },
};

/** The ending a Step Functions status change implies, or null for statuses that end nothing (RUNNING, SUCCEEDED). */
export function endingOfExecution(
  execution: { status: string; error?: string | null; cause?: string | null },
  at = new Date().toISOString(),
  inputProblem?: string | null,
): RunEnding | null {
  const end = UNRECORDED_END[execution.status];
  if (!end) return null;
  const reported = readableCause(execution.cause ?? undefined) || `the execution ended with status ${execution.status}`;
  // A failure caused by a bad input is explained by the input (Step Functions only says that a path failed).
  const cause = inputProblem && end.status === 'failed' ? `${inputProblem} (Step Functions: ${reported})` : reported;
  return failedEnding('execution-ended', end.status, { state: 'Execution', error: execution.error || end.error, cause }, at);
}

/** What a Step Functions execution status says about the run, for when no ending is recorded yet. */
export function runStatusOfExecution(status: string): RunStatus {
  if (status === 'RUNNING') return 'running';
  if (status === 'SUCCEEDED') return 'succeeded';
  return status === 'ABORTED' ? 'canceled' : 'failed';
}

/** Step Functions limits for a Fail state (and SendTaskFailure): error ≤ 256, cause ≤ 32,768 characters. */
export const FAIL_ERROR_MAX = 256;
export const FAIL_CAUSE_MAX = 32_768;

/** The Fail state's error and cause for a run's recorded ending (what the execution reports). */
export function failStateOf(ending: RunEnding): { error: string; cause: string; state: string } {
  if (ending.status === 'succeeded') {
    const cause = `the run had already ended as succeeded (${ending.by}, ${ending.at}); its film is ${ending.film.key}`;
    return { error: 'RunEndedError', cause, state: 'Ended' };
  }
  const { state, error, cause } = ending.failure;
  return { error: error.slice(0, FAIL_ERROR_MAX), cause: `${state}: ${cause}`.slice(0, FAIL_CAUSE_MAX), state };
}
