// A run's records in S3: plan, per-step records, callback records and the manifest view.
import type { RuntimeConfig } from './config';
import { findJson, getJson, listKeys, putJson, updateJson } from './s3';
import { runKeys } from '../domain/run-keys';
import type { RunPlan } from '../domain/plan';
import type { CallbackRecord } from '../domain/callbacks';
import { buildManifest, type Manifest, type ManifestState, type StepRecord } from '../domain/manifest';

/** Written before a prediction is created; the webhook finds the task token here, never in a URL. */
export type { CallbackRecord };

export const loadPlan = (config: RuntimeConfig, runId: string) => getJson<RunPlan>(config, runKeys(runId).plan);
export const findPlan = (config: RuntimeConfig, runId: string) => findJson<RunPlan>(config, runKeys(runId).plan);
export const findManifest = (config: RuntimeConfig, runId: string) => findJson<Manifest>(config, runKeys(runId).manifest);

export const loadCallback = (config: RuntimeConfig, runId: string, step: string) =>
  findJson<CallbackRecord>(config, runKeys(runId).callback(step));
/** A blind write: only for records nobody else can be writing (use updateCallback where writers race). */
export const saveCallback = (config: RuntimeConfig, record: CallbackRecord) =>
  putJson(config, runKeys(record.runId).callback(record.step), record);

/**
 * Read-modify-write of a step's callback record with If-Match/If-None-Match: `change` gets the
 * current record (null if none) and returns the new one, or undefined to leave it; a lost race
 * re-reads and asks again. Returns the record as stored afterwards.
 */
export const updateCallback = (
  config: RuntimeConfig,
  runId: string,
  step: string,
  change: (current: CallbackRecord | null) => CallbackRecord | undefined,
) => updateJson<CallbackRecord>(config, runKeys(runId).callback(step), change);

export async function listCallbacks(config: RuntimeConfig, runId: string): Promise<CallbackRecord[]> {
  const keys = await listKeys(config, runKeys(runId).callbacksPrefix);
  const records = await Promise.all(keys.map((key) => findJson<CallbackRecord>(config, key)));
  return records.filter((r): r is CallbackRecord => r !== null);
}

export const findStep = (config: RuntimeConfig, runId: string, step: string) =>
  findJson<StepRecord>(config, runKeys(runId).step(step));

async function listSteps(config: RuntimeConfig, runId: string): Promise<StepRecord[]> {
  const keys = await listKeys(config, runKeys(runId).stepsPrefix);
  const records = await Promise.all(keys.map((key) => findJson<StepRecord>(config, key)));
  return records.filter((r): r is StepRecord => r !== null);
}

/** Rebuilds manifest.json from the plan and step records; `state` changes status, film or failure. */
export async function refreshManifest(
  config: RuntimeConfig,
  runId: string,
  state: Partial<ManifestState> = {},
  plan?: RunPlan,
): Promise<Manifest> {
  const keys = runKeys(runId);
  const [currentPlan, previous, steps] = await Promise.all([
    plan ?? loadPlan(config, runId),
    findManifest(config, runId),
    listSteps(config, runId),
  ]);
  const manifest = buildManifest(currentPlan, keys.storyboard, steps, {
    createdAt: previous?.createdAt ?? new Date().toISOString(),
    status: previous?.status,
    film: previous?.film,
    failure: previous?.failure,
    ...state,
  });
  await putJson(config, keys.manifest, manifest);
  return manifest;
}

type StepPatch = Partial<StepRecord> & Pick<StepRecord, 'kind'>;

/** Merges `patch` (or what it computes from the previous record) into the step's record and refreshes the manifest. */
export async function updateStep(
  config: RuntimeConfig,
  runId: string,
  step: string,
  patch: StepPatch | ((previous: StepRecord | null) => StepPatch),
): Promise<StepRecord> {
  const previous = await findStep(config, runId, step);
  const changes = typeof patch === 'function' ? patch(previous) : patch;
  const record: StepRecord = { step, status: 'waiting', attempts: 0, ...previous, ...changes };
  await putJson(config, runKeys(runId).step(step), record);
  await refreshManifest(config, runId);
  return record;
}
