// Compares: POST /compares starts one execution of the compare state machine, GET /compares/{id}
// reports it; PrepareCompare and RecordCompareFailure are that machine's own steps. Each variant is
// validated with the same storyboard rules and named with the same run ids as POST /runs; the
// variant's run then prepares itself in the run state machine's own Prepare.
import type { RuntimeConfig } from '../adapters/config';
import { createJson, findJson, presignGet } from '../adapters/s3';
import { findManifest } from '../adapters/run-store';
import { describeCompareExecution, startCompareExecution } from '../adapters/compare-executions';
import { parseStoryboard, type Storyboard } from '../domain/storyboard';
import { buildPlan } from '../domain/plan';
import { newRunId } from '../domain/run-keys';
import { runIdForExecution } from '../domain/execution';
import { failureFromState } from '../domain/manifest';
import { runStatusOfExecution } from '../domain/ending';
import { InvalidStoryboardError } from '../domain/errors';
import { compareKeys, readVariants, type CompareEnding, type CompareRequestRecord, type CompareRun, type ComparisonRow, type Variant } from '../domain/compare';
import { logger } from '../adapters/logger';
import { loadNotifyConfig, requestCompareNotification, saveCompareNotifyTarget } from '../adapters/notify';
import { parseNotify } from '../domain/notification';

/** The body of POST /compares, and the compare execution's input. */
export interface CompareInput {
  storyboard: unknown;
  variants?: unknown;
  /** POST /compares' `notify`: {url} to POST the signed compare summary to when the compare ends. */
  notify?: unknown;
}

interface ValidCompare {
  title: string;
  variants: Variant[];
  boards: Storyboard[];
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Every variant's storyboard checked before anything starts; each problem names its variant and field. */
export function validateCompare(input: unknown): ValidCompare {
  if (!isObject(input) || input.storyboard === undefined) {
    throw new InvalidStoryboardError(['storyboard: required: the body is {"storyboard": {…}, "variants": ["ltx-2-fast:chain", …]}']);
  }
  const variants = readVariants(input.variants);
  const problems: string[] = [];
  const boards: Storyboard[] = [];
  for (const variant of variants) {
    try {
      boards.push(parseStoryboard(input.storyboard, { model: variant.model, strategy: variant.strategy }));
    } catch (error) {
      if (!(error instanceof InvalidStoryboardError)) throw error;
      problems.push(...error.problems.map((p) => `${variant.label}: ${p}`));
    }
  }
  if (problems.length) throw new InvalidStoryboardError(problems);
  return { title: boards[0].title, variants, boards };
}

const specOf = (variants: Variant[]) => variants.map((v) => `${v.model}:${v.strategy}`);

export interface StartedCompare {
  compareId: string;
  status: 'running';
  statusUrl: string;
  variants: string[];
  estimate: { usd: number };
}

export async function startCompare(config: RuntimeConfig, input: unknown): Promise<StartedCompare> {
  const notify = parseNotify(isObject(input) ? input.notify : undefined, loadNotifyConfig());
  const { title, variants, boards } = validateCompare(input);
  const compareId = newRunId(`${title} compare`);
  // Stored before the execution starts, so that any ending (even a failed PrepareCompare) finds it.
  if (notify) await saveCompareNotifyTarget(config, compareId, notify);
  await startCompareExecution(config, compareId, { storyboard: (input as CompareInput).storyboard, variants: specOf(variants) });
  const usd = boards.reduce((sum, board) => sum + buildPlan(compareId, board).estimate.usd, 0);
  return { compareId, status: 'running', statusUrl: `/compares/${compareId}`, variants: variants.map((v) => v.label), estimate: { usd: Math.round(usd * 1000) / 1000 } };
}

/** PrepareCompare's payload: the execution's name and start time, and its input. */
export interface PrepareCompareInput {
  compareId: string;
  startedAt?: string;
  request: unknown;
}

/**
 * Validates the input again (an execution started in the console skips the API), gives each variant
 * a run id and writes request.json once: a retried Prepare finds it and keeps the same run ids.
 */
/** `created`: this invocation gave the variants their run ids (a retry did not): they count as started once. */
export async function prepareCompare(config: RuntimeConfig, input: PrepareCompareInput): Promise<{ compareId: string; runs: CompareRun[]; created: boolean }> {
  const compareId = runIdForExecution(input.compareId, input.startedAt);
  const keys = compareKeys(compareId);
  const existing = await findJson<CompareRequestRecord>(config, keys.request);
  if (existing) return { compareId, runs: existing.runs, created: false };
  const { title, variants, boards } = validateCompare(input.request);
  const runs = variants.map((v) => ({ runId: newRunId(title), label: v.label, model: v.model, strategy: v.strategy }));
  const usd = boards.reduce((sum, board, i) => sum + buildPlan(runs[i].runId, board).estimate.usd, 0);
  const record: CompareRequestRecord = {
    compareId, title, executionName: String(input.compareId), createdAt: new Date().toISOString(), runs, estimate: { usd: Math.round(usd * 1000) / 1000 },
  };
  if (await createJson(config, keys.request, record)) return { compareId, runs, created: true };
  // A concurrent attempt wrote it first: its run ids are the ones.
  return { compareId, runs: (await findJson<CompareRequestRecord>(config, keys.request))!.runs, created: false };
}

/**
 * Creates the compare's one ending; the first writer decides, later ones get the held ending. The
 * writer that won asks for the notification (which never throws: the ending is recorded regardless).
 */
export async function claimCompareEnding(config: RuntimeConfig, compareId: string, ending: CompareEnding): Promise<{ won: boolean; ending: CompareEnding }> {
  const key = compareKeys(compareId).ending;
  if (await createJson(config, key, ending)) {
    await requestCompareNotification(config, compareId);
    return { won: true, ending };
  }
  const held = await findJson<CompareEnding>(config, key);
  return held ? { won: false, ending: held } : claimCompareEnding(config, compareId, ending);
}

export interface CompareFailureInput {
  compareId: string;
  startedAt?: string;
  failure?: Record<string, { Error?: string; Cause?: string }>;
}

/** The compare state machine's failure path: records the failed state, error and cause, once. */
export async function recordCompareFailure(config: RuntimeConfig, input: CompareFailureInput): Promise<{ error: string; cause: string }> {
  const compareId = runIdForExecution(input.compareId, input.startedAt);
  const failure = failureFromState(input.failure);
  const { won, ending } = await claimCompareEnding(config, compareId, { status: 'failed', at: new Date().toISOString(), by: 'record-compare-failure', failure });
  if (won) logger.error('compare failed', { compareId, ...failure });
  if (ending.status === 'succeeded') return { error: 'CompareEnded', cause: `the compare had already ended as succeeded (${ending.at})` };
  return { error: ending.failure.error.slice(0, 256), cause: `${ending.failure.state}: ${ending.failure.cause}`.slice(0, 32_000) };
}

export interface CompareReport {
  compareId: string;
  status: string;
  title: string | null;
  execution: { status: string; arn?: string; startDate?: string; stopDate?: string } | null;
  /** Each variant's run and how far it got. */
  variants: { label: string; runId: string; status: string; scenesDone: number | null; scenesTotal: number | null; statusUrl: string }[];
  ending: CompareEnding | null;
  /** Once the side-by-side is made: the comparison rows and presigned URLs of the three results. */
  results?: { rows: ComparisonRow[]; urls: { sideBySide: string; comparisonMd: string; comparisonJson: string } };
}

export async function compareReport(config: RuntimeConfig, compareId: string): Promise<CompareReport | null> {
  const keys = compareKeys(compareId);
  const [request, ending, execution] = await Promise.all([
    findJson<CompareRequestRecord>(config, keys.request),
    findJson<CompareEnding>(config, keys.ending),
    describeCompareExecution(config, compareId),
  ]);
  if (!request && !ending && !execution) return null;
  const variants = await Promise.all(
    (request?.runs ?? []).map(async (run) => {
      const manifest = await findManifest(config, run.runId);
      return { label: run.label, runId: run.runId, status: manifest?.status ?? 'starting', scenesDone: manifest?.scenesDone ?? null, scenesTotal: manifest?.scenesTotal ?? null, statusUrl: `/runs/${run.runId}` };
    }),
  );
  const status = ending?.status ?? (execution?.status ? runStatusOfExecution(execution.status) : 'unknown');
  const report: CompareReport = {
    compareId,
    status,
    title: request?.title ?? null,
    execution: execution && { status: execution.status ?? 'UNKNOWN', arn: execution.executionArn, startDate: execution.startDate?.toISOString(), stopDate: execution.stopDate?.toISOString() },
    variants,
    ending,
  };
  if (ending?.status !== 'succeeded') return report;
  const comparison = await findJson<{ variants: ComparisonRow[] }>(config, keys.comparisonJson);
  const [sideBySide, comparisonMd, comparisonJson] = await Promise.all([keys.sideBySide, keys.comparisonMd, keys.comparisonJson].map((key) => presignGet(config, key, 3600)));
  return { ...report, results: { rows: comparison?.variants ?? [], urls: { sideBySide, comparisonMd, comparisonJson } } };
}
