// The manifest is a view: rebuilt from the plan, the per-step records and the run's one ending
// whenever one of them changes, so parallel scenes never overwrite each other's progress (each
// writes only its own record) and the status, film and failure always come from the same ending.
import type { RunPlan } from './plan';
import type { Look } from './colour';
import type { GradeTarget } from './grade';
import type { ClipCorrections } from './continuity';
import type { FilmFigures, SceneSpan } from './continuity-report';
import type { EndedBy, RunEnding } from './ending';
import { BILLING_BASIS, committedUsd, spentUsd, type SpendEntry, type SpendLedger } from './spend';
import type { RunOrigin } from './rerun';
import { runKeys } from './run-keys';

/** The run's state: `running` until its ending is recorded, then that ending's status, for good. */
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
  /** The hash of everything that determines this step's output (reuse.ts). */
  outputHash?: string;
  /** true: no prediction was made; a stored output with the same hash was used, at no cost. */
  reused?: boolean;
  keys?: { output?: string; seed?: string };
  media?: { width: number; height: number; durationSec?: number; frames?: number; fps?: number; look?: Look; gradeTarget?: GradeTarget };
  /** A clip's continuity corrections, decided when it was stored. */
  corrections?: ClipCorrections;
  error?: { error: string; cause: string };
}

export interface FilmRecord {
  key: string;
  contactSheetKey: string;
  continuityKey: string;
  driftChartKey: string;
  /** Where each scene sits in the film. */
  scenes: SceneSpan[];
  /** The film's continuity figures (the whole report is at continuityKey). */
  continuity: FilmFigures;
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

/** Plan fields are null when the run ended before it had a plan (e.g. its input was not a storyboard). */
export interface Manifest {
  runId: string;
  /** The Step Functions execution: the run id itself, unless the execution was started by hand. */
  executionName: string;
  title: string | null;
  status: RunStatus;
  strategy: RunPlan['strategy'] | null;
  model: RunPlan['model'] | null;
  createdAt: string;
  updatedAt: string;
  endedAt: string | null;
  endedBy: EndedBy | null;
  scenesTotal: number;
  scenesDone: number;
  currentStep: string | null;
  estimate: RunPlan['estimate'] | null;
  cost: RunCost;
  /** Every prediction made for the run, oldest first, with what it cost. */
  predictions: SpendEntry[];
  /** Set for a run made from another one (regenerate, resume). */
  origin: RunOrigin | null;
  storyboardKey: string | null;
  steps: StepRecord[];
  /** Only on a succeeded run. */
  film: FilmRecord | null;
  /** Only on a failed or canceled run. */
  failure: FailureRecord | null;
}

/** Everything the manifest is built from. */
export interface ManifestSources {
  runId: string;
  executionName: string;
  createdAt: string;
  plan: RunPlan | null;
  steps: StepRecord[];
  ending: RunEnding | null;
  /** The spend ledger (absent for runs from before it existed). */
  spend?: SpendLedger | null;
}

/** anchor, then keyframes (strategy keyframes), then scenes, each in index order. */
const stepOrder = (step: string) => {
  if (step === 'anchor') return 0;
  const [kind, n] = step.split('-');
  return kind === 'keyframe' ? Number(n) / 1000 : Number(n);
};

/** What the run costs: estimate, budget and what Replicate's reports add up to (spend.ts). */
export interface RunCost {
  /** Spent: predictions whose end Replicate reported, failed and canceled attempts included. */
  usd: number;
  /** Held at list price for predictions still running (or whose end was never reported). */
  runningUsd: number;
  /** The plan's estimate at list prices, as if nothing were reused. */
  estimateUsd: number | null;
  budgetUsd: number | null;
  /** Steps answered from stored outputs, at no cost. */
  reusedSteps: number;
  basis: string;
}

export function runCost(plan: RunPlan | null, steps: StepRecord[], spend: SpendLedger | null): RunCost {
  const spent = spend ? spentUsd(spend) : 0;
  return {
    usd: spent,
    runningUsd: spend ? Math.round((committedUsd(spend) - spent) * 10000) / 10000 : 0,
    estimateUsd: plan?.estimate.usd ?? null,
    budgetUsd: spend?.budgetUsd ?? plan?.budgetUsd ?? null,
    reusedSteps: steps.filter((s) => s.reused).length,
    basis: BILLING_BASIS,
  };
}

export function buildManifest({ runId, executionName, createdAt, plan, steps, ending, spend = null }: ManifestSources): Manifest {
  const sorted = [...steps].sort((a, b) => stepOrder(a.step) - stepOrder(b.step));
  const scenesDone = sorted.filter((s) => s.kind === 'video' && s.status === 'stored').length;
  const scenesTotal = plan?.scenes.length ?? 0;
  const waiting = sorted.find((s) => s.status === 'waiting');
  const status: RunStatus = ending?.status ?? 'running';
  return {
    runId,
    executionName,
    title: plan?.title ?? null,
    status,
    strategy: plan?.strategy ?? null,
    model: plan?.model ?? null,
    createdAt,
    updatedAt: new Date().toISOString(),
    endedAt: ending?.at ?? null,
    endedBy: ending?.by ?? null,
    scenesTotal,
    scenesDone,
    currentStep: status !== 'running' || !plan ? null : (waiting?.step ?? (scenesDone === scenesTotal ? 'join-film' : null)),
    estimate: plan?.estimate ?? null,
    cost: runCost(plan, sorted, spend),
    predictions: spend?.entries ?? [],
    origin: plan?.origin ?? null,
    storyboardKey: plan ? runKeys(runId).storyboard : null,
    steps: sorted,
    // One ending, one state: a film only with success, a failure only without it.
    film: ending?.status === 'succeeded' ? ending.film : null,
    failure: ending && ending.status !== 'succeeded' ? ending.failure : null,
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
