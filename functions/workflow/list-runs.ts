// GET /runs: the bucket's runs, newest first, a page at a time. Built from what the api function
// may already read on AWS — ListBucket on runs/ (one common prefix per run), the manifests, and
// DescribeExecution for runs whose manifest still says running — so it needs no new permission.
import type { RuntimeConfig } from '../adapters/config';
import { listPrefixes } from '../adapters/s3';
import { findManifest } from '../adapters/run-store';
import { describeExecution } from '../adapters/sfn';
import { isRunId } from '../domain/run-keys';
import type { Manifest } from '../domain/manifest';

export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 100;

export interface RunSummary {
  runId: string;
  status: string;
  title: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  scenesDone: number | null;
  scenesTotal: number | null;
  film: boolean;
  /** Spent (Replicate's reports) against the estimate and budget; null before the run has a manifest. */
  cost: { usd: number; estimateUsd: number | null; budgetUsd: number | null; reusedSteps: number } | null;
  /** A run made from another (regenerate, resume). */
  origin: Manifest['origin'];
  error?: { error: string; cause: string };
  statusUrl: string;
}

export interface RunPage {
  runs: RunSummary[];
  /** Pass as ?nextToken= for the next (older) page; absent on the last page. */
  nextToken?: string;
}

export interface ListQuery {
  limit: number;
  /** The last run id of the previous page. */
  after?: string;
}

/** Reads ?limit=&nextToken=; a problem names the parameter and what it accepts. */
export function readListQuery(query: Record<string, string | undefined> | null): ListQuery | { problem: string } {
  const limitText = query?.limit;
  const limit = limitText === undefined ? DEFAULT_PAGE : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    return { problem: `limit: must be a whole number from 1 to ${MAX_PAGE} (default ${DEFAULT_PAGE})` };
  }
  const token = query?.nextToken;
  if (token === undefined) return { limit };
  const after = Buffer.from(token, 'base64url').toString('utf8');
  if (!isRunId(after)) return { problem: 'nextToken: not a token from a previous GET /runs page' };
  return { limit, after };
}

/** What a run's status is: the execution decides whether it is over, the manifest how it ended. */
export function reportedStatus(executionStatus: string | null | undefined, manifestStatus: string | undefined): string {
  if (executionStatus === 'RUNNING') return 'running';
  if (executionStatus === 'SUCCEEDED') return 'succeeded';
  if (executionStatus === 'ABORTED') return 'canceled';
  if (executionStatus) return 'failed';
  return manifestStatus ?? 'unknown';
}

/** Manifests written before the spend ledger had only {usd, basis}. */
function costOf(manifest: Manifest | null): RunSummary['cost'] {
  if (!manifest?.cost) return null;
  const { usd, estimateUsd = null, budgetUsd = null, reusedSteps = 0 } = manifest.cost as Partial<Manifest['cost']> & { usd: number };
  return { usd, estimateUsd, budgetUsd, reusedSteps };
}

async function summarise(config: RuntimeConfig, runId: string): Promise<RunSummary> {
  const manifest = await findManifest(config, runId);
  // Only a run still running (or not yet planned) can disagree with its execution.
  // A run started by hand in the console may name its execution differently (manifest.executionName).
  const executionName = (manifest as { executionName?: string } | null)?.executionName ?? runId;
  const execution = !manifest || manifest.status === 'running' ? await describeExecution(config, executionName) : null;
  const status = execution ? reportedStatus(execution.status, manifest?.status) : (manifest?.status ?? 'unknown');
  const failure = (manifest as Manifest | null)?.failure;
  return {
    runId,
    status,
    title: manifest?.title ?? null,
    createdAt: manifest?.createdAt ?? null,
    updatedAt: manifest?.updatedAt ?? null,
    scenesDone: manifest?.scenesDone ?? null,
    scenesTotal: manifest?.scenesTotal ?? null,
    film: Boolean(manifest?.film),
    cost: costOf(manifest as Manifest | null),
    origin: (manifest as Manifest | null)?.origin ?? null,
    ...(failure && { error: { error: failure.error, cause: failure.cause } }),
    statusUrl: `/runs/${runId}`,
  };
}

/**
 * Run ids start with their UTC start minute (YYYYMMDD-HHMM), so they sort by start time; S3 lists
 * ascending only, so the ids are listed in full (1,000 per request) and the page is cut from the end.
 */
export async function listRuns(config: RuntimeConfig, query: ListQuery): Promise<RunPage> {
  const runIds = (await listPrefixes(config, 'runs/'))
    .map((prefix) => prefix.slice('runs/'.length, -1))
    .filter(isRunId)
    .sort()
    .reverse();
  const start = query.after ? runIds.findIndex((id) => id < query.after!) : 0;
  const pageIds = start < 0 ? [] : runIds.slice(start, start + query.limit);
  const runs = await Promise.all(pageIds.map((runId) => summarise(config, runId)));
  const more = start >= 0 && start + query.limit < runIds.length;
  return { runs, ...(more && { nextToken: Buffer.from(pageIds[pageIds.length - 1], 'utf8').toString('base64url') }) };
}
