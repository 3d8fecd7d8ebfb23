// `--emulator-fault <step>:<kind>` (render, compare, dev): every prediction of one step fails, is
// rate-limited, is slow, loses its webhook or comes back corrupt. The emulator knows a prediction's
// step from its webhook URL (`?run=…&step=…`); without webhooks it recognises the step by what the
// create carries, so this module builds the run's plan from the storyboard and turns each faulted
// step into a matcher on its create request, made with the product's own request builders.
import { isDeepStrictEqual } from 'node:util';
import { buildPlan, type RunPlan } from '../functions/domain/plan';
import { anchorRequest, clipRequest, keyframeRequest, type CreateRequest } from '../functions/domain/replicate-inputs';
import { isStepName } from '../functions/domain/run-keys';
import { parseStoryboard, type StoryboardOverrides } from '../functions/domain/storyboard';
import { InvalidStoryboardError } from '../functions/domain/errors';
import { STEP_FAULT_KINDS, isUrlValue, requestMatches, type CreateSeen } from './replicate-emulator/step-faults';
import type { StepFault, StepFaultKind, StepRequestMatcher } from './replicate-emulator';
import type { StackOptions } from './stack';

export const EMULATOR_FAULT_FLAG = '--emulator-fault';

/** A bad `--emulator-fault`: the CLI prints the message on one line and exits 2, nothing started. */
export class EmulatorFaultError extends Error {
  override name = 'EmulatorFaultError';
}

/**
 * How long a task waits for its webhook when a fault sends it down the poll path, instead of the
 * ASL's 15 min: longer than an emulated prediction takes (its latency plus a render), and a `slow`
 * step's prediction outlasts it by SLOW_MARGIN_SECONDS.
 */
const SLOW_MARGIN_SECONDS = 5;
export function faultTiming(emulator: { latencySeconds?: number; fullSize?: boolean }): { callbackTimeoutMs: number; slowMs: number } {
  const renderSeconds = emulator.fullSize ? 30 : 10;
  return {
    callbackTimeoutMs: ((emulator.latencySeconds ?? 0) + renderSeconds) * 1000,
    slowMs: (renderSeconds + SLOW_MARGIN_SECONDS) * 1000,
  };
}

/** One run the command starts: the storyboard with the overrides of that run (a compare has one per variant). */
export interface FaultRun {
  storyboard: unknown;
  overrides?: StoryboardOverrides;
}

export interface FaultContext {
  /** The runs the command will start; null when they are not known in advance (`dev`). */
  runs: FaultRun[] | null;
  replicate?: 'emulator' | 'live';
  webhooks: boolean;
}

const KINDS = STEP_FAULT_KINDS.join(', ');
const fail = (value: string, why: string) => new EmulatorFaultError(`${EMULATOR_FAULT_FLAG} ${JSON.stringify(value)}: ${why}`);

/** `step:kind`, syntax only: a step name and one of the kinds. */
export function parseEmulatorFault(value: string): { step: string; kind: StepFaultKind } {
  const parts = value.trim().split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw fail(value, `expected <step>:<kind>, e.g. scene-3:fail (steps: anchor, keyframe-N, scene-N; kinds: ${KINDS})`);
  }
  const [step, kind] = parts;
  if (!isStepName(step)) throw fail(value, `"${step}" is not a step; steps are anchor, keyframe-N and scene-N (N from 1 to 99)`);
  if (!(STEP_FAULT_KINDS as readonly string[]).includes(kind)) throw fail(value, `unknown kind "${kind}"; kinds are ${KINDS}`);
  return { step, kind: kind as StepFaultKind };
}

/** The create request of every step that calls Replicate, with a placeholder for each presigned URL. */
function stepRequests(plan: RunPlan): Map<string, CreateRequest> {
  const url = 'https://frames.invalid/frame.png';
  const requests = new Map<string, CreateRequest>();
  if (plan.anchor.mode === 'generate') requests.set('anchor', anchorRequest(plan.anchor));
  for (const keyframe of plan.keyframes ?? []) requests.set(keyframe.step, keyframeRequest(keyframe, url));
  for (const scene of plan.scenes) {
    requests.set(scene.step, clipRequest(scene, scene.seedKey ? url : null, scene.endFrameKey ? url : null));
  }
  return requests;
}

/** What the step's request carries in every run: fields derived from the run id (the keyframe seed) are left out. */
function matcherOf(one: CreateRequest, other: CreateRequest | undefined): StepRequestMatcher {
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(one.input)) {
    if (!isUrlValue(value) && isDeepStrictEqual(value, other?.input[key])) input[key] = value;
  }
  const urls = Object.keys(one.input).filter((key) => isUrlValue(one.input[key])).sort();
  return { ...('model' in one ? { model: one.model } : { version: one.version }), input, urls };
}

const seen = (request: CreateRequest): CreateSeen => ({
  model: 'model' in request ? request.model : '',
  version: 'version' in request ? request.version : '',
  input: request.input,
});

// Two run ids: what differs between their requests depends on the run, not on the step.
const PROBE_RUN_IDS = ['20000101-0000-emulator-fault-0000000000000000', '20000101-0000-emulator-fault-ffffffffffffffff'];

/** Every step of every run that calls Replicate, in plan order, with its matchers and one request. */
function stepsOf(runs: FaultRun[]): Map<string, { matchers: StepRequestMatcher[]; requests: CreateRequest[] }> {
  const steps = new Map<string, { matchers: StepRequestMatcher[]; requests: CreateRequest[] }>();
  for (const run of runs) {
    let plans: RunPlan[];
    try {
      const board = parseStoryboard(run.storyboard, run.overrides);
      plans = PROBE_RUN_IDS.map((runId) => buildPlan(runId, board));
    } catch (error) {
      if (error instanceof InvalidStoryboardError) continue; // render refuses it with every problem
      throw error;
    }
    const [one, other] = plans.map(stepRequests);
    for (const [step, request] of one) {
      const entry = steps.get(step) ?? { matchers: [], requests: [] };
      const matcher = matcherOf(request, other.get(step));
      if (!entry.matchers.some((m) => isDeepStrictEqual(m, matcher))) entry.matchers.push(matcher);
      entry.requests.push(request);
      steps.set(step, entry);
    }
  }
  return steps;
}

/** anchor, keyframe-1…, scene-1…: the order a run makes them in (scenes of a chain after its anchor). */
const stepRank = (step: string) => (step === 'anchor' ? [0, 0] : [step.startsWith('keyframe-') ? 1 : 2, Number(step.split('-')[1])]);
const byStepOrder = (a: string, b: string) => {
  const [x, y] = [stepRank(a), stepRank(b)];
  return x[0] - y[0] || x[1] - y[1];
};

/** Without webhooks two steps that send the same request cannot be told apart: refuse rather than hit both. */
function assertDistinct(value: string, step: string, steps: ReturnType<typeof stepsOf>) {
  const matchers = steps.get(step)!.matchers;
  for (const [other, { requests }] of steps) {
    if (other === step) continue;
    if (requests.some((r) => matchers.some((m) => requestMatches(m, seen(r))))) {
      throw fail(value, `without webhooks the emulator tells steps apart by their requests, and ${step} sends the same request as ${other}; give them different prompts or drop --no-webhooks`);
    }
  }
}

/**
 * Parses and validates every `--emulator-fault` value for the runs the command starts, and turns
 * them into the emulator's step faults. Throws EmulatorFaultError with one line naming the flag and
 * what it accepts. Pure: nothing is started.
 */
export function resolveEmulatorFaults(values: string[], context: FaultContext): StepFault[] {
  if (!values.length) return [];
  if (context.replicate === 'live') {
    throw new EmulatorFaultError(`${EMULATOR_FAULT_FLAG} injects faults into the emulator; it cannot be used with --replicate live`);
  }
  if (!context.runs && !context.webhooks) {
    throw new EmulatorFaultError(`${EMULATOR_FAULT_FLAG} on dev needs webhooks (the emulator knows a step by its webhook URL; dev has no storyboard to recognise requests by); drop --no-webhooks`);
  }
  const faults: StepFault[] = [];
  const steps = context.runs && stepsOf(context.runs);
  for (const value of values) {
    const { step, kind } = parseEmulatorFault(value);
    if (faults.some((f) => f.step === step && f.kind === kind)) continue;
    if (!steps || !steps.size) {
      faults.push({ step, kind });
      continue;
    }
    const known = steps.get(step);
    if (!known) throw fail(value, `the run has no step ${step}; its steps are ${[...steps.keys()].sort(byStepOrder).join(', ')}`);
    if (!context.webhooks) assertDistinct(value, step, steps);
    faults.push({ step, kind, requests: known.matchers });
  }
  return faults;
}

/**
 * The stack options with the faults applied: the emulator's step faults, and (with webhooks) a
 * webhook wait short enough that a dropped webhook or a slow prediction reaches the poll path in
 * seconds instead of the ASL's 15 min.
 */
export function withEmulatorFaults(stack: StackOptions, values: string[] | undefined, runs: FaultRun[] | null): StackOptions {
  const webhooks = stack.webhooks ?? stack.replicate !== 'live';
  const steps = resolveEmulatorFaults(values ?? [], { runs, replicate: stack.replicate, webhooks });
  if (!steps.length) return stack;
  const timing = faultTiming(stack.emulator ?? {});
  const needsPoll = webhooks && steps.some((f) => f.kind === 'slow' || f.kind === 'drop-webhook');
  return {
    ...stack,
    ...(needsPoll && stack.callbackTimeoutMs === undefined && { callbackTimeoutMs: timing.callbackTimeoutMs }),
    emulator: { ...stack.emulator, faults: { ...stack.emulator?.faults, steps, slowMs: timing.slowMs } },
  };
}
