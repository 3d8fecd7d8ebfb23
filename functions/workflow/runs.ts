// Starting, watching and stopping runs: what the api and start-from-upload functions do.
import type { RuntimeConfig } from '../adapters/config';
import { describeExecution, startExecution, stopExecution } from '../adapters/sfn';
import { findManifest } from '../adapters/run-store';
import { exists, getJson, presignGet, putJson } from '../adapters/s3';
import { parseStoryboard, type StoryboardOverrides } from '../domain/storyboard';
import { buildPlan } from '../domain/plan';
import { newRunId, rejectedKey, runKeys } from '../domain/run-keys';
import { InvalidStoryboardError } from '../domain/errors';
import { recordCancel } from './end-run';
import type { RunRequest } from './prepare-run';

export interface StartedRun {
  runId: string;
  /** 'running' for a new run; for a repeat, the existing execution's state. */
  status: string;
  statusUrl: string;
  estimate: { seconds: number; usd: number };
  /** false when an identical start was already running (idempotent repeat). */
  created: boolean;
}

/** Validates before anything starts: an invalid storyboard starts nothing and costs nothing. */
export async function startRun(
  config: RuntimeConfig,
  request: { storyboard: unknown; overrides?: StoryboardOverrides; dedupeKey?: string; source?: { key: string }; at?: Date },
): Promise<StartedRun> {
  const board = parseStoryboard(request.storyboard, request.overrides);
  const runId = newRunId(board.title, request.at ?? new Date(), request.dedupeKey);
  const input: RunRequest = request.source
    ? { source: request.source, overrides: request.overrides }
    : { storyboard: request.storyboard, overrides: request.overrides };
  // StartExecution with the same name and input while the execution runs answers 200 with the
  // original execution, so its success alone cannot tell a repeat from a new run: look first.
  const existing = await describeExecution(config, runId);
  let created = !existing;
  if (created) {
    try {
      await startExecution(config, runId, input);
    } catch (error) {
      // Closed, or started with another input in the meantime: the name is already used.
      if ((error as { name?: string }).name !== 'ExecutionAlreadyExists') throw error;
      created = false;
    }
  }
  const { estimate } = buildPlan(runId, board);
  const status = existing?.status && existing.status !== 'RUNNING' ? existing.status.toLowerCase() : 'running';
  return { runId, status, statusUrl: `/runs/${runId}`, estimate, created };
}

export interface RunReport {
  runId: string;
  status: string;
  execution: { status: string; startDate?: string; stopDate?: string } | null;
  manifest: unknown;
  urls: { film?: string; contactSheet?: string };
  error?: { error?: string; cause?: string };
}

export async function runStatus(config: RuntimeConfig, runId: string): Promise<RunReport | null> {
  const [manifest, execution] = await Promise.all([findManifest(config, runId), describeExecution(config, runId)]);
  if (!manifest && !execution) return null;
  const keys = runKeys(runId);
  const urls: RunReport['urls'] = {};
  if (manifest?.film) {
    urls.film = await presignGet(config, keys.final, 3600);
    if (await exists(config, keys.contactSheet)) urls.contactSheet = await presignGet(config, keys.contactSheet, 3600);
  }
  const executionStatus = execution?.status ?? null;
  // The execution is the truth about "is it over"; the manifest says how far it got and why.
  const status =
    executionStatus === 'RUNNING' ? 'running'
    : executionStatus === 'SUCCEEDED' ? 'succeeded'
    : executionStatus === 'ABORTED' ? 'canceled'
    : executionStatus ? 'failed'
    : (manifest?.status ?? 'unknown');
  return {
    runId,
    status,
    execution: execution && {
      status: execution.status ?? 'UNKNOWN',
      startDate: execution.startDate?.toISOString(),
      stopDate: execution.stopDate?.toISOString(),
    },
    manifest,
    urls,
    ...(execution?.error || manifest?.failure
      ? { error: { error: execution?.error ?? manifest?.failure?.error, cause: execution?.cause ?? manifest?.failure?.cause } }
      : {}),
  };
}

export async function cancelRun(config: RuntimeConfig, runId: string): Promise<{ runId: string; status: string; canceledPredictions: string[] } | null> {
  const execution = await describeExecution(config, runId);
  if (!execution) return cancelWithoutExecution(config, runId);
  if (execution.status !== 'RUNNING') return { runId, status: execution.status!.toLowerCase(), canceledPredictions: [] };
  const reason = 'canceled by DELETE /runs/{runId}';
  const failure = await recordCancel(config, runId, reason, () => stopExecution(config, runId, reason));
  return { runId, status: 'canceled', canceledPredictions: failure.canceledPredictions };
}

/**
 * No execution, but a manifest that may still say running: a local stack restarted after its
 * executions were lost (the engine forgets them; the bucket stays), or an execution past AWS's
 * 90-day retention. Record the cancel so the run has an ending, and cancel what still generates.
 */
async function cancelWithoutExecution(config: RuntimeConfig, runId: string) {
  const manifest = await findManifest(config, runId);
  if (!manifest) return null;
  if (manifest.status !== 'running') return { runId, status: manifest.status, canceledPredictions: [] };
  const reason = 'canceled by DELETE /runs/{runId}; its execution no longer exists';
  const failure = await recordCancel(config, runId, reason, async () => undefined);
  return { runId, status: 'canceled', canceledPredictions: failure.canceledPredictions };
}

/** S3 upload trigger: start a run named from bucket+key+ETag, or write rejected/<name>.json. */
export async function startFromUpload(
  config: RuntimeConfig,
  object: { bucket: string; key: string; etag: string; eventTime: Date },
): Promise<{ started?: StartedRun; rejectedKey?: string }> {
  let storyboard: unknown;
  try {
    storyboard = await getJson(config, object.key);
  } catch (error) {
    if (error instanceof SyntaxError) return reject(config, object.key, [`(file): not valid JSON: ${error.message}`]);
    throw error;
  }
  try {
    const started = await startRun(config, {
      storyboard,
      source: { key: object.key },
      dedupeKey: `${object.bucket}/${object.key}@${object.etag}`,
      // A redelivered event has the same time, so the same run id: nothing new starts.
      at: object.eventTime,
    });
    return { started };
  } catch (error) {
    if (error instanceof InvalidStoryboardError) return reject(config, object.key, error.problems);
    throw error;
  }
}

async function reject(config: RuntimeConfig, key: string, problems: string[]) {
  const target = rejectedKey(key);
  await putJson(config, target, { source: key, rejectedAt: new Date().toISOString(), problems });
  return { rejectedKey: target };
}
