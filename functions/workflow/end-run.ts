// Ending a run early: the state machine's one failure path, and DELETE /runs/{id}. Both cancel
// predictions still running (they cost money) and record why in the manifest.
import type { RuntimeConfig } from '../adapters/config';
import { cancelPrediction } from '../adapters/replicate';
import { findManifest, findPlan, listCallbacks, refreshManifest, saveCallback } from '../adapters/run-store';
import { putJson } from '../adapters/s3';
import { logger } from '../adapters/logger';
import { isRunId, runKeys } from '../domain/run-keys';
import { failureFromState, readableCause, type FailureRecord } from '../domain/manifest';
import { isTerminal } from '../domain/replicate-inputs';

/** Cancels every prediction of the run that no task result has been sent for. Best effort. */
export async function cancelInFlight(config: RuntimeConfig, runId: string): Promise<string[]> {
  const canceled: string[] = [];
  for (const callback of await listCallbacks(config, runId)) {
    if (!callback.predictionId || callback.resumedAt) continue;
    try {
      const prediction = await cancelPrediction(config, callback.predictionId);
      if (prediction.status === 'canceled' || !isTerminal(prediction.status)) canceled.push(callback.predictionId);
      await saveCallback(config, { ...callback, resumedAt: new Date().toISOString(), resumedBy: 'run ended', outcome: prediction.status });
    } catch (error) {
      logger.warn('could not cancel prediction', { runId, predictionId: callback.predictionId, error: (error as Error).message });
    }
  }
  return canceled;
}

export interface FailureInput {
  runId: string;
  failure: Record<string, { Error?: string; Cause?: string }>;
}

/** Records the failed state, error and cause; returns them for the Fail state. */
export async function recordFailure(config: RuntimeConfig, input: FailureInput): Promise<{ error: string; cause: string; state: string }> {
  const { state, error, cause } = failureFromState(input.failure);
  const canceledPredictions = await cancelInFlight(config, input.runId);
  const failure: FailureRecord = { state, error, cause, at: new Date().toISOString(), canceledPredictions };
  await writeEnding(config, input.runId, 'failed', failure);
  logger.error('run failed', { runId: input.runId, state, error, cause });
  return { error, cause: `${state}: ${cause}`, state };
}

/**
 * Cancels a run: the manifest says canceled *before* `stop` runs, so the execution's status-change
 * event finds the ending already recorded; predictions are canceled after the stop, so no canceled
 * prediction can fail a task that is still waiting.
 */
export async function recordCancel(config: RuntimeConfig, runId: string, reason: string, stop: () => Promise<unknown>): Promise<FailureRecord> {
  const ending: FailureRecord = { state: 'Canceled', error: 'RunCanceled', cause: reason, at: new Date().toISOString(), canceledPredictions: [] };
  await writeEnding(config, runId, 'canceled', ending);
  await stop();
  const failure = { ...ending, canceledPredictions: await cancelInFlight(config, runId) };
  await writeEnding(config, runId, 'canceled', failure);
  return failure;
}

/**
 * An execution ended without its failure path (stopped in the console, timed out). If the manifest
 * still says running, record how it ended and cancel what is still generating; otherwise the run
 * recorded its own ending (RecordFailure, DELETE) and nothing changes.
 */
export async function recordExecutionEnd(
  config: RuntimeConfig,
  execution: { name: string; status: string; error?: string | null; cause?: string | null },
): Promise<{ recorded: boolean }> {
  if (!isRunId(execution.name) || !['FAILED', 'TIMED_OUT', 'ABORTED'].includes(execution.status)) return { recorded: false };
  const manifest = await findManifest(config, execution.name);
  if (manifest && manifest.status !== 'running') return { recorded: false };
  const canceledPredictions = await cancelInFlight(config, execution.name);
  const failure: FailureRecord = {
    state: 'Execution',
    error: execution.error || (execution.status === 'TIMED_OUT' ? 'States.Timeout' : execution.status === 'ABORTED' ? 'ExecutionAborted' : 'States.Runtime'),
    cause: readableCause(execution.cause ?? undefined) || `the execution ended with status ${execution.status}`,
    at: new Date().toISOString(),
    canceledPredictions,
  };
  await writeEnding(config, execution.name, execution.status === 'ABORTED' ? 'canceled' : 'failed', failure);
  logger.warn('execution ended outside the failure path', { runId: execution.name, status: execution.status });
  return { recorded: true };
}

async function writeEnding(config: RuntimeConfig, runId: string, status: 'failed' | 'canceled', failure: FailureRecord) {
  const plan = await findPlan(config, runId);
  if (plan) {
    await refreshManifest(config, runId, { status, failure }, plan);
  } else {
    // Failed before a plan existed (e.g. Prepare): still leave a manifest that says why.
    const now = new Date().toISOString();
    await putJson(config, runKeys(runId).manifest, { runId, status, createdAt: now, updatedAt: now, steps: [], film: null, failure });
  }
}
