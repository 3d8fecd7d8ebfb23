// A run's records in S3: plan, per-step records, callback records, the ending and the manifest view.
import type { RuntimeConfig } from './config';
import { createJson, findJson, getJson, listKeys, putJson, updateJson } from './s3';
import { runKeys } from '../domain/run-keys';
import type { RunPlan } from '../domain/plan';
import type { CallbackRecord } from '../domain/callbacks';
import { buildManifest, type Manifest, type StepRecord } from '../domain/manifest';
import { withCanceledPredictions, type RunEnding } from '../domain/ending';
import { ConcurrentUpdateError } from '../domain/errors';
import type { SpendLedger } from '../domain/spend';

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

/** The run's ending, once one is recorded (see claimEnding). */
export const findEnding = (config: RuntimeConfig, runId: string) => findJson<RunEnding>(config, runKeys(runId).ending);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Records how the run ended unless it already has an ending: a create-only write (If-None-Match: *),
 * so of any number of concurrent writers exactly one decides. Returns the ending that holds and
 * whether it is the one given. Does not refresh the manifest.
 */
export async function claimEnding(config: RuntimeConfig, runId: string, ending: RunEnding): Promise<{ won: boolean; ending: RunEnding }> {
  const key = runKeys(runId).ending;
  for (let attempt = 1; attempt <= 5; attempt++) {
    if (await createJson(config, key, ending)) return { won: true, ending };
    const held = await findJson<RunEnding>(config, key);
    if (held) return { won: false, ending: held };
    // S3's 409: another conditional write was in flight and has not landed (or failed): ask again.
    await pause(50 * attempt);
  }
  throw new ConcurrentUpdateError(`s3://${config.bucket}/${key}: no ending could be written or read`);
}

/** Adds canceled prediction ids to a failed or canceled ending; its status never changes. */
export async function noteCanceledPredictions(config: RuntimeConfig, runId: string, predictionIds: string[]): Promise<RunEnding | null> {
  const key = runKeys(runId).ending;
  if (predictionIds.length === 0) return findJson<RunEnding>(config, key);
  return updateJson<RunEnding>(config, key, (current) => {
    if (!current) return undefined;
    const next = withCanceledPredictions(current, predictionIds);
    return next === current ? undefined : next;
  });
}

/** How a run's manifest knows its execution (kept from the first manifest on). */
export interface RunIdentity {
  executionName?: string;
  createdAt?: string;
}

const REFRESH_ATTEMPTS = 5;
const sameEnding = (a: RunEnding | null, b: RunEnding | null) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Rebuilds manifest.json from the plan, the step records and the ending. Rebuilds race (parallel
 * scenes all refresh at once), so a view built before the ending was recorded can land after the
 * ender's own refresh: each refresh reads the ending again after its write, and writes again if the
 * ending changed meanwhile. Whoever writes last has therefore seen the latest ending, and a
 * manifest never says "running" (or lacks canceled predictions) once the ending says otherwise.
 */
export async function refreshManifest(config: RuntimeConfig, runId: string, identity: RunIdentity = {}, plan?: RunPlan): Promise<Manifest> {
  const key = runKeys(runId).manifest;
  let ending = await findEnding(config, runId);
  for (let attempt = 1; ; attempt++) {
    const [previous, currentPlan, steps, spend] = await Promise.all([
      findManifest(config, runId),
      plan ?? findPlan(config, runId),
      listSteps(config, runId),
      findJson<SpendLedger>(config, runKeys(runId).spend),
    ]);
    const manifest = buildManifest({
      runId,
      executionName: previous?.executionName ?? identity.executionName ?? runId,
      createdAt: previous?.createdAt ?? identity.createdAt ?? new Date().toISOString(),
      plan: currentPlan,
      steps,
      ending,
      spend,
    });
    await putJson(config, key, manifest);
    const latest = await findEnding(config, runId);
    if (sameEnding(latest, ending)) return manifest;
    // The ending changes at most a few times (recorded, then canceled predictions noted).
    if (attempt >= REFRESH_ATTEMPTS) throw new ConcurrentUpdateError(`s3://${config.bucket}/${runKeys(runId).ending}: still changing after ${attempt} manifest writes`);
    ending = latest;
  }
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
