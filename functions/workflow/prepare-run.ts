// prepare: load the storyboard (inline, or from the bucket for uploads), validate it, write
// storyboard.json, plan.json and the first manifest, and hand the plan to the state machine.
import type { RuntimeConfig } from '../adapters/config';
import { getJson, putJson } from '../adapters/s3';
import { refreshManifest } from '../adapters/run-store';
import { parseStoryboard, type StoryboardOverrides } from '../domain/storyboard';
import { buildPlan, type RunPlan } from '../domain/plan';
import { runKeys } from '../domain/run-keys';
import { InvalidStoryboardError } from '../domain/errors';

/** The execution input: what POST /runs and the upload trigger send to StartExecution. */
export interface RunRequest {
  storyboard?: unknown;
  source?: { key: string };
  overrides?: StoryboardOverrides;
}

export async function loadStoryboardSource(config: RuntimeConfig, request: RunRequest): Promise<unknown> {
  if (request.storyboard !== undefined) return request.storyboard;
  if (request.source?.key) return getJson(config, request.source.key);
  throw new InvalidStoryboardError(['(request): give "storyboard" (inline) or "source.key" (an object in the bucket)']);
}

export async function prepareRun(config: RuntimeConfig, runId: string, request: RunRequest): Promise<RunPlan> {
  const board = parseStoryboard(await loadStoryboardSource(config, request), request.overrides);
  const plan = buildPlan(runId, board);
  const keys = runKeys(runId);
  await putJson(config, keys.storyboard, board);
  await putJson(config, keys.plan, plan);
  await refreshManifest(config, runId, { status: 'running', createdAt: new Date().toISOString() }, plan);
  return plan;
}
