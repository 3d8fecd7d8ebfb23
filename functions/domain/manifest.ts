// The manifest is a view: rebuilt from the plan and the per-step records whenever a step changes,
// so parallel scenes never overwrite each other's progress (each writes only its own record).
import type { RunPlan } from './plan';
import { SDXL, VIDEO_MODELS } from './models';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'canceled';

export interface StepRecord {
  step: string;
  kind: 'image' | 'video';
  status: 'waiting' | 'stored' | 'failed' | 'canceled';
  predictionId?: string;
  attempts: number;
  requestedAt?: string;
  completedAt?: string;
  storedAt?: string;
  predictTimeSec?: number | null;
  keys?: { output?: string; seed?: string };
  media?: { width: number; height: number; durationSec?: number; frames?: number; fps?: number };
  error?: { error: string; cause: string };
}

export interface FilmRecord {
  key: string;
  contactSheetKey: string;
  continuityKey: string;
  durationSec: number;
  frames: number;
  fps: number;
  width: number;
  height: number;
  audioDurationSec: number | null;
  joinedAt: string;
}

export interface FailureRecord {
  state: string;
  error: string;
  cause: string;
  at: string;
  canceledPredictions: string[];
}

export interface Manifest {
  runId: string;
  title: string;
  status: RunStatus;
  strategy: RunPlan['strategy'];
  model: RunPlan['model'];
  createdAt: string;
  updatedAt: string;
  scenesTotal: number;
  scenesDone: number;
  currentStep: string | null;
  estimate: RunPlan['estimate'];
  cost: { usd: number; basis: string };
  storyboardKey: string;
  steps: StepRecord[];
  film: FilmRecord | null;
  failure: FailureRecord | null;
}

export interface ManifestState {
  createdAt: string;
  status?: RunStatus;
  film?: FilmRecord | null;
  failure?: FailureRecord | null;
}

const stepOrder = (step: string) => (step === 'anchor' ? 0 : Number(step.slice('scene-'.length)));

/** Cost of what was actually generated (stored outputs), at the prices in models.ts. */
export function spentUsd(plan: RunPlan, steps: StepRecord[]): number {
  let usd = 0;
  for (const record of steps) {
    if (record.status !== 'stored') continue;
    if (record.kind === 'image') usd += SDXL.usdPerImage;
    else usd += (record.media?.durationSec ?? 0) * VIDEO_MODELS[plan.model].usdPerSecond;
  }
  return Math.round(usd * 1000) / 1000;
}

export function buildManifest(plan: RunPlan, storyboardKey: string, steps: StepRecord[], state: ManifestState): Manifest {
  const sorted = [...steps].sort((a, b) => stepOrder(a.step) - stepOrder(b.step));
  const scenesDone = sorted.filter((s) => s.kind === 'video' && s.status === 'stored').length;
  const waiting = sorted.find((s) => s.status === 'waiting');
  const status: RunStatus = state.status ?? 'running';
  return {
    runId: plan.runId,
    title: plan.title,
    status,
    strategy: plan.strategy,
    model: plan.model,
    createdAt: state.createdAt,
    updatedAt: new Date().toISOString(),
    scenesTotal: plan.scenes.length,
    scenesDone,
    currentStep: status !== 'running' ? null : (waiting?.step ?? (scenesDone === plan.scenes.length ? 'join-film' : null)),
    estimate: plan.estimate,
    cost: { usd: spentUsd(plan, sorted), basis: 'stored outputs × list prices in models.ts (approximate)' },
    storyboardKey,
    steps: sorted,
    film: state.film ?? null,
    failure: state.failure ?? null,
  };
}

/** Step Functions reports a Lambda failure's Cause as JSON {errorType, errorMessage, trace}; keep the message. */
export function readableCause(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    if (parsed && typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    /* not JSON: already readable */
  }
  return cause;
}

/** The Catch paths store `$.failure.<StateName>`: the one key names the state that failed. */
export function failureFromState(failure: Record<string, { Error?: string; Cause?: string }> | undefined): {
  state: string;
  error: string;
  cause: string;
} {
  const [state, detail] = Object.entries(failure ?? {})[0] ?? ['unknown', {}];
  return { state, error: detail?.Error ?? 'States.Runtime', cause: readableCause(detail?.Cause) };
}
