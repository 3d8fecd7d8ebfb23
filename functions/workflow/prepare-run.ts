// prepare: load the storyboard (inline, or from the bucket for uploads), validate it, write
// storyboard.json, plan.json and the first manifest, and hand the plan to the state machine.
import type { RuntimeConfig } from '../adapters/config';
import { getJson, putJson } from '../adapters/s3';
import { refreshManifest } from '../adapters/run-store';
import { openLedger } from '../adapters/spend-ledger';
import { parseStoryboard } from '../domain/storyboard';
import { buildPlan, type RunPlan } from '../domain/plan';
import { runKeys } from '../domain/run-keys';
import { readRunRequest, runIdForExecution, type RunRequest } from '../domain/execution';

export type { RunRequest };

/** The Prepare task's payload: the execution's name and start time, and its input. */
export interface PrepareInput {
  /** $$.Execution.Name: the run id, unless the execution was started by hand (console). */
  runId: string;
  /** $$.Execution.StartTime: with the name, gives hand-started executions their run id. */
  startedAt?: string;
  /** The execution input, as given: checked here. */
  request: unknown;
}

export async function loadStoryboardSource(config: RuntimeConfig, request: RunRequest): Promise<unknown> {
  if (request.storyboard !== undefined) return request.storyboard;
  return getJson(config, request.source!.key);
}

export async function prepareRun(config: RuntimeConfig, input: PrepareInput): Promise<RunPlan> {
  const runId = runIdForExecution(input.runId, input.startedAt);
  const request = readRunRequest(input.request);
  const board = parseStoryboard(await loadStoryboardSource(config, request), request.overrides);
  const plan = buildPlan(runId, board, request.origin);
  const keys = runKeys(runId);
  await putJson(config, keys.storyboard, board);
  await putJson(config, keys.plan, plan);
  await openLedger(config, runId, plan.budgetUsd);
  await refreshManifest(config, runId, { executionName: input.runId, createdAt: new Date().toISOString() }, plan);
  return plan;
}
