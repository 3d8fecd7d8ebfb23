// Starting, watching and stopping runs: what the api and start-from-upload functions do.
import type { RuntimeConfig } from '../adapters/config';
import { describeExecution, startExecution, stopExecution } from '../adapters/sfn';
import { findEnding, findManifest, findPlan } from '../adapters/run-store';
import { createJson, exists, findJson, presignGet } from '../adapters/s3';
import { parseStoryboard, type Storyboard, type StoryboardOverrides } from '../domain/storyboard';
import { buildPlan } from '../domain/plan';
import { idempotencyRecordKey, isRunId, newRunId, runKeys } from '../domain/run-keys';
import { ConcurrentUpdateError, IdempotencyConflictError, RunStateConflictError } from '../domain/errors';
import type { IdempotencyRecord, OnceOnly } from '../domain/idempotency';
import { runStatusOfExecution } from '../domain/ending';
import type { Manifest } from '../domain/manifest';
import { assertRerunnable, readRegenerateRequest, readResumeRequest, regeneratedStoryboard, resumedStoryboard, type RerunKind, type RunOrigin } from '../domain/rerun';
import { recordCancel } from './end-run';
import type { RunRequest } from './prepare-run';
import { loadNotifyConfig, saveNotifyTarget } from '../adapters/notify';
import { parseNotify } from '../domain/notification';

export interface StartedRun {
  runId: string;
  /** 'running' for a new run; for a repeat, the existing run's state. */
  status: string;
  statusUrl: string;
  estimate: { seconds: number; usd: number };
  /** false for a repeat: this request found the run another one had claimed. */
  created: boolean;
}

export interface StartRequest {
  storyboard: unknown;
  overrides?: StoryboardOverrides;
  /** Set for uploads: the execution reads the storyboard from this key, not from its input. */
  source?: { key: string };
  /** POST /runs' `notify`: {url} to POST the signed summary to when the run ends. */
  notify?: unknown;
  /** A request that may come twice (Idempotency-Key, upload event): at most one run for it. */
  once?: OnceOnly;
  /** A run made from another (regenerate, resume). */
  origin?: RunOrigin;
}

/** Validates before anything starts: an invalid storyboard starts nothing and costs nothing. */
export async function startRun(config: RuntimeConfig, request: StartRequest): Promise<StartedRun> {
  const notify = parseNotify(request.notify, loadNotifyConfig());
  const board = parseStoryboard(request.storyboard, request.overrides);
  const input: RunRequest = {
    ...(request.source ? { source: request.source } : { storyboard: request.storyboard }),
    overrides: request.overrides,
    ...(request.origin && { origin: request.origin }),
  };
  const claim = request.once
    ? await claimRun(config, request.once, () => newRunId(board.title))
    : { runId: newRunId(board.title), claimed: true };
  // A fresh id (64 random bits) cannot exist yet; a repeat's run may, or may not have started.
  // Stored before the execution starts, so that any ending (even a failed Prepare) finds it.
  const start = async () => {
    if (notify) await saveNotifyTarget(config, claim.runId, notify);
    return startExecution(config, claim.runId, input);
  };
  const status = claim.claimed ? (await start(), 'running') : await ensureStarted(config, claim.runId, start);
  const { estimate } = buildPlan(claim.runId, board);
  return { runId: claim.runId, status, statusUrl: `/runs/${claim.runId}`, estimate, created: claim.claimed };
}

/**
 * The run for this request: a new id if this request creates idempotency/<identity>.json first
 * (If-None-Match: *), else the id the record holds — unless the record was made for a different
 * request, which is refused.
 */
async function claimRun(config: RuntimeConfig, once: OnceOnly, newId: () => string): Promise<{ runId: string; claimed: boolean }> {
  const key = idempotencyRecordKey(once.identity);
  for (let attempt = 1; attempt <= 3; attempt++) {
    const record: IdempotencyRecord = { runId: newId(), fingerprint: once.fingerprint, createdAt: new Date().toISOString() };
    if (await createJson(config, key, record)) return { runId: record.runId, claimed: true };
    const existing = await findJson<IdempotencyRecord>(config, key);
    if (!existing) continue; // removed between the two calls: claim again
    if (existing.fingerprint !== once.fingerprint) throw new IdempotencyConflictError(once.conflict);
    if (!isRunId(existing.runId)) throw new Error(`s3://${config.bucket}/${key} holds no valid run id`);
    return { runId: existing.runId, claimed: false };
  }
  throw new ConcurrentUpdateError(`s3://${config.bucket}/${key}: created and removed again ${3} times`);
}

/**
 * A repeat's run: report it if it exists; start it if the first request stopped (crashed, timed
 * out) between writing the record and StartExecution. A run Step Functions no longer knows (its
 * history is kept 90 days) still has its manifest and is not started again.
 */
async function ensureStarted(config: RuntimeConfig, runId: string, start: () => Promise<unknown>): Promise<string> {
  const [execution, manifest] = await Promise.all([describeExecution(config, runId), findManifest(config, runId)]);
  // The run's recorded ending wins over the execution's (a DELETE is "canceled", not "aborted").
  if (manifest && (manifest.status !== 'running' || !execution)) return manifest.status;
  if (execution) return runStatusOfExecution(execution.status ?? 'RUNNING');
  try {
    await start();
  } catch (error) {
    // The other request started it meanwhile (same name): it runs.
    if ((error as { name?: string }).name !== 'ExecutionAlreadyExists') throw error;
  }
  return 'running';
}

/**
 * POST /runs/{runId}/regenerate and /resume: a new run from an ended one's storyboard (a scene's new
 * prompt, a higher budget), whose plan names the parent. What the parent made is reused by hash.
 */
export async function rerun(config: RuntimeConfig, kind: RerunKind, parentRunId: string, body: unknown, once?: OnceOnly): Promise<StartedRun | null> {
  const request = kind === 'regenerate' ? readRegenerateRequest(body) : readResumeRequest(body);
  const [manifest, plan, parent] = await Promise.all([
    findManifest(config, parentRunId),
    findPlan(config, parentRunId),
    findJson<Storyboard>(config, runKeys(parentRunId).storyboard),
  ]);
  if (!manifest) return null;
  if (!plan || !parent) throw new RunStateConflictError(`run ${parentRunId} never had a valid storyboard (${manifest.failure?.cause ?? 'no plan'}); fix it and start a new run`);
  assertRerunnable(kind, parentRunId, manifest.status);
  const storyboard =
    kind === 'regenerate' ? regeneratedStoryboard(parent, plan.scenes.length, request as ReturnType<typeof readRegenerateRequest>) : resumedStoryboard(parent, request);
  const origin: RunOrigin = { kind, parentRunId, ...(kind === 'regenerate' && { scene: (request as { scene: number }).scene }) };
  return startRun(config, { storyboard, origin, once, notify: request.notify });
}

export interface RunReport {
  runId: string;
  status: string;
  /** arn: for the console link the CLI prints. */
  execution: { status: string; arn?: string; startDate?: string; stopDate?: string } | null;
  manifest: unknown;
  urls: { film?: string; contactSheet?: string; driftChart?: string };
  /** Presigned URLs of each stored step's output and seed frame (the anchor, keyframes, clips), for the viewer. */
  stepUrls: Record<string, { output?: string; seed?: string }>;
  error?: { error?: string; cause?: string };
}

/**
 * Signing is local (no request per URL). Intermediate objects expire with the bucket's retention
 * rule, so an old run's URLs may answer 404: the viewer shows the step without its picture then.
 */
async function stepUrlsOf(config: RuntimeConfig, manifest: Manifest): Promise<RunReport['stepUrls']> {
  const stored = manifest.steps.filter((s) => s.status === 'stored' && s.keys);
  const signed = await Promise.all(
    stored.map(async ({ step, keys }) => {
      const [output, seed] = await Promise.all([keys?.output, keys?.seed].map((key) => (key ? presignGet(config, key, 3600) : undefined)));
      return [step, { ...(output && { output }), ...(seed && { seed }) }] as const;
    }),
  );
  return Object.fromEntries(signed);
}

export async function runReport(config: RuntimeConfig, runId: string): Promise<RunReport | null> {
  const manifest = await findManifest(config, runId);
  // A run started by hand in the console has its own execution name, recorded in the manifest.
  const execution = await describeExecution(config, manifest?.executionName ?? runId);
  if (!manifest && !execution) return null;
  const keys = runKeys(runId);
  const urls: RunReport['urls'] = {};
  if (manifest?.film) {
    urls.film = await presignGet(config, keys.final, 3600);
    if (await exists(config, keys.contactSheet)) urls.contactSheet = await presignGet(config, keys.contactSheet, 3600);
    if (await exists(config, keys.driftChart)) urls.driftChart = await presignGet(config, keys.driftChart, 3600);
  }
  const stepUrls = manifest ? await stepUrlsOf(config, manifest) : {};
  // The recorded ending is how the run ended; until there is one, the execution says whether it is over.
  const ended = manifest && manifest.status !== 'running';
  const status = ended ? manifest.status : execution?.status ? runStatusOfExecution(execution.status) : (manifest?.status ?? 'unknown');
  const error = ended ? manifest.failure : execution?.error ? { error: execution.error, cause: execution.cause } : null;
  return {
    runId,
    status,
    execution: execution && {
      status: execution.status ?? 'UNKNOWN',
      arn: execution.executionArn,
      startDate: execution.startDate?.toISOString(),
      stopDate: execution.stopDate?.toISOString(),
    },
    manifest,
    urls,
    stepUrls,
    ...(error ? { error: { error: error.error, cause: error.cause } } : {}),
  };
}

export async function cancelRun(config: RuntimeConfig, runId: string): Promise<{ runId: string; status: string; canceledPredictions: string[] } | null> {
  const manifest = await findManifest(config, runId);
  const executionName = manifest?.executionName ?? runId;
  const execution = await describeExecution(config, executionName);
  if (!execution) return manifest ? cancelWithoutExecution(config, runId, manifest) : null;
  if (execution.status !== 'RUNNING') {
    const ending = await findEnding(config, runId);
    return { runId, status: ending?.status ?? runStatusOfExecution(execution.status!), canceledPredictions: [] };
  }
  const reason = 'canceled by DELETE /runs/{runId}';
  // If the run ended first (its film was recorded, or it failed), this answers with that ending.
  const ending = await recordCancel(config, runId, reason, () => stopExecution(config, executionName, reason), executionName);
  return { runId, status: ending.status, canceledPredictions: ending.status === 'succeeded' ? [] : ending.failure.canceledPredictions };
}

/**
 * No execution, but a manifest that may still say running: a local stack restarted after its
 * executions were lost (the engine forgets them; the bucket stays), or an execution past AWS's
 * 90-day retention. Record the cancel so the run has an ending, and cancel what still generates.
 */
async function cancelWithoutExecution(config: RuntimeConfig, runId: string, manifest: Manifest) {
  if (manifest.status !== 'running') return { runId, status: manifest.status, canceledPredictions: [] };
  const reason = 'canceled by DELETE /runs/{runId}; its execution no longer exists';
  const ending = await recordCancel(config, runId, reason, async () => undefined);
  return { runId, status: ending.status, canceledPredictions: ending.status === 'succeeded' ? [] : ending.failure.canceledPredictions };
}
