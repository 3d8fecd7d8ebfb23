// Ending a run other than by its film: the state machine's one failure path, DELETE /runs/{id}, and
// executions that ended outside both (console stop, timeout, a local Ctrl-C). Each claims the run's
// one ending (the first writer decides, see claimEnding), refreshes the manifest from it, and cancels
// predictions still running (they cost money).
import type { RuntimeConfig } from '../adapters/config';
import { requestNotification } from '../adapters/notify';
import { cancelPrediction } from '../adapters/replicate';
import { describeExecution } from '../adapters/sfn';
import { claimEnding, listCallbacks, noteCanceledPredictions, refreshManifest, saveCallback, type RunIdentity } from '../adapters/run-store';
import { logger } from '../adapters/logger';
import { settleSpend } from '../adapters/spend-ledger';
import { isRunId } from '../domain/run-keys';
import { failureFromState } from '../domain/manifest';
import { endingOfExecution, failedEnding, failStateOf, type RunEnding } from '../domain/ending';
import { inputProblem, runIdForExecution } from '../domain/execution';
import { isTerminal } from '../domain/replicate-inputs';

/** Cancels every prediction of the run that no task result has been sent for. Best effort. */
export async function cancelInFlight(config: RuntimeConfig, runId: string): Promise<string[]> {
  const canceled: string[] = [];
  for (const callback of await listCallbacks(config, runId)) {
    if (!callback.predictionId || callback.resumedAt) continue;
    try {
      const prediction = await cancelPrediction(config, callback.predictionId);
      await settleSpend(config, runId, prediction.id, prediction);
      if (prediction.status === 'canceled' || !isTerminal(prediction.status)) canceled.push(callback.predictionId);
      await saveCallback(config, { ...callback, resumedAt: new Date().toISOString(), resumedBy: 'run ended', outcome: prediction.status });
    } catch (error) {
      logger.warn('could not cancel prediction', { runId, predictionId: callback.predictionId, error: (error as Error).message });
    }
  }
  return canceled;
}

/**
 * Claims the ending and brings the manifest up to date (also when another writer's ending holds: the
 * view is rebuilt from that one). If the run did not succeed, `beforeCancel` runs (DELETE stops the
 * execution there) and predictions still running are canceled and noted in the ending.
 */
async function endRun(
  config: RuntimeConfig,
  runId: string,
  ending: RunEnding,
  identity: RunIdentity,
  beforeCancel?: (held: RunEnding) => Promise<unknown>,
): Promise<{ won: boolean; ending: RunEnding }> {
  const result = await settleEnding(config, runId, ending, identity, beforeCancel);
  // Only the writer whose ending holds tells the caller, once the manifest shows it (never throws).
  if (result.won) await requestNotification(config, runId);
  return result;
}

async function settleEnding(
  config: RuntimeConfig,
  runId: string,
  ending: RunEnding,
  identity: RunIdentity,
  beforeCancel?: (held: RunEnding) => Promise<unknown>,
): Promise<{ won: boolean; ending: RunEnding }> {
  const claim = await claimEnding(config, runId, ending);
  await refreshManifest(config, runId, identity);
  if (claim.ending.status === 'succeeded') return claim;
  await beforeCancel?.(claim.ending);
  const canceled = await cancelInFlight(config, runId);
  if (canceled.length === 0) return claim;
  const noted = await noteCanceledPredictions(config, runId, canceled);
  await refreshManifest(config, runId, identity);
  return { won: claim.won, ending: noted ?? claim.ending };
}

export interface FailureInput {
  /** The execution name ($$.Execution.Name): the run id, unless the execution was started by hand. */
  runId: string;
  /** $$.Execution.StartTime: with the name, gives hand-started executions their run id. */
  startedAt?: string;
  /** $.failure: {StateName: {Error, Cause}}; absent only if a Catch lost it (still recorded, as "unknown"). */
  failure?: Record<string, { Error?: string; Cause?: string }>;
}

/**
 * Records the failed state, error and cause as the run's ending; returns the error and cause of the
 * ending that holds, for the Fail state. Any execution name gives a valid run id, so nothing here
 * throws on bad input: only S3 being unavailable leaves the run unrecorded.
 */
export async function recordFailure(config: RuntimeConfig, input: FailureInput): Promise<{ error: string; cause: string; state: string; recorded: boolean }> {
  const runId = runIdForExecution(input.runId, input.startedAt);
  const detail = failureFromState(input.failure);
  const { won, ending } = await endRun(config, runId, failedEnding('record-failure', 'failed', detail), { executionName: String(input.runId) });
  if (won) logger.error('run failed', { runId, ...detail });
  else logger.warn('run had already ended', { runId, status: ending.status, by: ending.by, failure: detail });
  // recorded: this failure is the run's ending (its metrics count the run once).
  return { ...failStateOf(ending), recorded: won };
}

/**
 * DELETE /runs/{id}: records the cancel *before* `stop` runs, so the execution's status-change event
 * finds the ending taken; predictions are canceled after the stop, so no canceled prediction can fail
 * a task that is still waiting. If the run already ended (its film was joined, or it failed), that
 * ending holds and is returned: nothing is stopped and nothing changes.
 */
export async function recordCancel(
  config: RuntimeConfig,
  runId: string,
  reason: string,
  stop: () => Promise<unknown>,
  executionName = runId,
): Promise<RunEnding> {
  const cancel = failedEnding('cancel-request', 'canceled', { state: 'Canceled', error: 'RunCanceled', cause: reason });
  // A canceled ending held by an earlier DELETE that could not stop the execution: stop it now.
  const { ending } = await endRun(config, runId, cancel, { executionName }, async (held) => {
    if (held.status === 'canceled') await stop();
  });
  return ending;
}

/** The "Step Functions Execution Status Change" detail (startDate: epoch ms on AWS; input: JSON text). */
export interface ExecutionEnd {
  name: string;
  status: string;
  error?: string | null;
  cause?: string | null;
  startDate?: number | string | Date | null;
  input?: string | null;
}

/**
 * The run id of an ended execution and, for one started by hand, what was wrong with its input.
 * Start date and input come from the event, or from DescribeExecution when the event lacks them.
 */
async function runOfExecution(config: RuntimeConfig, execution: ExecutionEnd): Promise<{ runId: string; inputProblem: string | null }> {
  if (isRunId(execution.name)) return { runId: execution.name, inputProblem: null };
  const complete = execution.startDate != null && execution.input != null;
  const described = complete ? null : await describeExecution(config, execution.name);
  return {
    runId: runIdForExecution(execution.name, execution.startDate ?? described?.startDate),
    inputProblem: inputProblem(execution.input ?? described?.input),
  };
}

/**
 * An execution ended without its failure path (stopped in the console, timed out, interrupted
 * locally). Records that ending unless the run recorded its own (RecordFailure, DELETE, the join),
 * and cancels what is still generating.
 */
export async function recordExecutionEnd(config: RuntimeConfig, execution: ExecutionEnd): Promise<{ recorded: boolean; runId?: string }> {
  if (!endingOfExecution(execution)) return { recorded: false };
  const { runId, inputProblem: problem } = await runOfExecution(config, execution);
  const ending = endingOfExecution(execution, undefined, problem)!;
  const { won } = await endRun(config, runId, ending, { executionName: execution.name });
  if (won) logger.warn('execution ended outside the failure path', { runId, execution: execution.name, status: execution.status });
  return { recorded: won, runId };
}
