// A run's records in S3: plan, per-step records, callback records and the manifest view.
import type { RuntimeConfig } from './config';
import { findJson, getJson, listKeys, putJson } from './s3';
import { runKeys } from '../domain/run-keys';
import type { RunPlan } from '../domain/plan';
import { buildManifest, type Manifest, type ManifestState, type StepRecord } from '../domain/manifest';

/** Written before a prediction is created; the webhook finds the task token here, never in a URL. */
export interface CallbackRecord {
  runId: string;
  step: string;
  taskToken: string;
  predictionId: string | null;
  createdAt: string;
  resumedAt?: string;
  resumedBy?: string;
  outcome?: string;
}

export const loadPlan = (config: RuntimeConfig, runId: string) => getJson<RunPlan>(config, runKeys(runId).plan);
export const findPlan = (config: RuntimeConfig, runId: string) => findJson<RunPlan>(config, runKeys(runId).plan);
export const findManifest = (config: RuntimeConfig, runId: string) => findJson<Manifest>(config, runKeys(runId).manifest);

export const loadCallback = (config: RuntimeConfig, runId: string, step: string) =>
  findJson<CallbackRecord>(config, runKeys(runId).callback(step));
export const saveCallback = (config: RuntimeConfig, record: CallbackRecord) =>
  putJson(config, runKeys(record.runId).callback(record.step), record);

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
