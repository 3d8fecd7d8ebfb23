// `--emulator-fault <step>:<kind>`: the parser, the validation against the runs a command starts, the
// request matchers built from the plan, and the stack options a fault needs.
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../functions/domain/plan';
import { parseStoryboard } from '../../functions/domain/storyboard';
import { anchorRequest, clipRequest, keyframeRequest, type CreateRequest } from '../../functions/domain/replicate-inputs';
import {
  EmulatorFaultError,
  faultTiming,
  parseEmulatorFault,
  resolveEmulatorFaults,
  withEmulatorFaults,
  type FaultRun,
} from '../../local/emulator-faults';
import { stepFaultsFor } from '../../local/replicate-emulator/step-faults';
import type { StepFault } from '../../local/replicate-emulator';
import { shortStoryboard } from '../e2e/short-storyboard';

const chain: FaultRun[] = [{ storyboard: shortStoryboard('Faults', 2) }];
const render = (values: string[], runs: FaultRun[] | null = chain, webhooks = true) => resolveEmulatorFaults(values, { runs, webhooks });

/** What start-prediction sends for a step of a real run: its own run id, real presigned URLs. */
function productRequests(storyboard: unknown, overrides = {}): Map<string, CreateRequest> {
  const runId = '20261125-1042-faults-3f9c2a7be41d08c6';
  const plan = buildPlan(runId, parseStoryboard(storyboard, overrides));
  const presigned = (key: string) => `http://127.0.0.1:4569/longshot-local/${key}?X-Amz-Signature=abc`;
  const requests = new Map<string, CreateRequest>();
  if (plan.anchor.mode === 'generate') requests.set('anchor', anchorRequest(plan.anchor));
  for (const k of plan.keyframes ?? []) requests.set(k.step, keyframeRequest(k, presigned(k.sourceKey)));
  for (const s of plan.scenes) requests.set(s.step, clipRequest(s, s.seedKey && presigned(s.seedKey), s.endFrameKey ? presigned(s.endFrameKey) : null));
  return requests;
}

/** The steps whose product requests a fault list hits when there is no webhook. */
function hitSteps(faults: StepFault[], requests: Map<string, CreateRequest>): string[] {
  return [...requests].filter(([, r]) => stepFaultsFor(faults, {
    model: 'model' in r ? r.model : 'stability-ai/sdxl',
    version: 'version' in r ? r.version : 'hidden',
    input: r.input,
  }).length).map(([step]) => step);
}

describe('parseEmulatorFault', () => {
  it.each([
    ['scene-3:fail', 'scene-3', 'fail'],
    ['anchor:429', 'anchor', '429'],
    ['keyframe-2:slow', 'keyframe-2', 'slow'],
    ['scene-12:drop-webhook', 'scene-12', 'drop-webhook'],
    [' scene-1:corrupt ', 'scene-1', 'corrupt'],
  ])('%s → step %s, kind %s', (value, step, kind) => {
    expect(parseEmulatorFault(value)).toEqual({ step, kind });
  });

  it.each([
    ['scene-3', /^--emulator-fault "scene-3": expected <step>:<kind>, e\.g\. scene-3:fail \(steps: anchor, keyframe-N, scene-N; kinds: fail, 429, slow, drop-webhook, corrupt\)$/],
    ['scene-3:', /expected <step>:<kind>/],
    [':fail', /expected <step>:<kind>/],
    ['scene-1:fail:twice', /expected <step>:<kind>/],
    ['scene-3:boom', /^--emulator-fault "scene-3:boom": unknown kind "boom"; kinds are fail, 429, slow, drop-webhook, corrupt$/],
    ['scene-3:FAIL', /unknown kind "FAIL"/],
    ['scene-0:fail', /^--emulator-fault "scene-0:fail": "scene-0" is not a step; steps are anchor, keyframe-N and scene-N \(N from 1 to 99\)$/],
    ['scene:fail', /"scene" is not a step/],
    ['clip-1:fail', /"clip-1" is not a step/],
  ])('refuses %j naming the flag and what it accepts', (value, message) => {
    expect(() => parseEmulatorFault(value)).toThrow(EmulatorFaultError);
    expect(() => parseEmulatorFault(value)).toThrow(message);
  });
});

describe('resolveEmulatorFaults', () => {
  it('returns nothing without the flag', () => {
    expect(render([])).toEqual([]);
  });

  it.each([
    ['scene-3:fail', /^--emulator-fault "scene-3:fail": the run has no step scene-3; its steps are anchor, scene-1, scene-2$/],
    ['keyframe-1:fail', /the run has no step keyframe-1/],
  ])('refuses %s, a step the storyboard does not have', (value, message) => {
    expect(() => render([value])).toThrow(message);
  });

  it('refuses the anchor of a storyboard without one', () => {
    expect(() => render(['anchor:fail'], [{ storyboard: { ...shortStoryboard(), anchor: false } }])).toThrow(/no step anchor; its steps are scene-1, scene-2$/);
  });

  it('accepts a step of any run a compare starts (keyframes exist only in the keyframes variant)', () => {
    const runs = [{ storyboard: shortStoryboard() }, { storyboard: shortStoryboard(), overrides: { model: 'ltx-2.3-fast', strategy: 'keyframes' } }];
    expect(render(['keyframe-2:corrupt'], runs)).toMatchObject([{ step: 'keyframe-2', kind: 'corrupt' }]);
  });

  it('refuses --replicate live', () => {
    expect(() => resolveEmulatorFaults(['scene-1:fail'], { runs: chain, webhooks: false, replicate: 'live' })).toThrow(/^--emulator-fault injects faults into the emulator; it cannot be used with --replicate live$/);
  });

  it('dev (no storyboard): checks the syntax only, and needs webhooks to know the step', () => {
    expect(render(['scene-7:fail'], null)).toEqual([{ step: 'scene-7', kind: 'fail' }]);
    expect(() => render(['scene-7:fail'], null, false)).toThrow(/^--emulator-fault on dev needs webhooks .*; drop --no-webhooks$/);
  });

  it('leaves an invalid storyboard to render, which refuses it with every problem', () => {
    expect(render(['scene-9:fail'], [{ storyboard: { title: 'x' } }])).toEqual([{ step: 'scene-9', kind: 'fail' }]);
  });

  it('without webhooks, refuses a fault on one of two steps that send the same request; with webhooks, accepts it', () => {
    const twins = [{ storyboard: { ...shortStoryboard(), strategy: 'independent', scenes: [{ prompt: 'the same' }, { prompt: 'the same' }] } }];
    expect(() => render(['scene-2:fail'], twins, false)).toThrow(/scene-2 sends the same request as scene-1; give them different prompts or drop --no-webhooks$/);
    expect(render(['scene-2:fail'], twins, true)).toHaveLength(1);
  });

  it('keeps one fault per step and kind', () => {
    expect(render(['scene-1:fail', 'scene-1:fail', 'scene-1:slow'])).toMatchObject([{ step: 'scene-1', kind: 'fail' }, { step: 'scene-1', kind: 'slow' }]);
  });
});

describe('request matchers (how the emulator knows a step without a webhook)', () => {
  it.each([
    ['chain', {}, ['anchor', 'scene-1', 'scene-2']],
    ['keyframes', { model: 'ltx-2.3-fast', strategy: 'keyframes' }, ['anchor', 'keyframe-1', 'keyframe-2', 'scene-1', 'scene-2']],
    ['single', { strategy: 'single' }, ['scene-1']],
  ])('%s: each step\'s fault hits that step\'s request of another run and no other step\'s', (_name, overrides, steps) => {
    const runs = [{ storyboard: shortStoryboard(), overrides }];
    const requests = productRequests(shortStoryboard(), overrides);
    expect([...requests.keys()].sort()).toEqual(steps);
    for (const step of steps) expect(hitSteps(render([`${step}:fail`], runs, false), requests)).toEqual([step]);
  });

  it('tells the anchor from keyframe 1 and scene 1, which share its prompt', () => {
    const runs = [{ storyboard: shortStoryboard(), overrides: { model: 'ltx-2.3-fast', strategy: 'keyframes' } }];
    const [anchor] = render(['anchor:fail'], runs, false);
    expect(anchor.requests).toEqual([expect.objectContaining({ urls: [] })]);
    expect(hitSteps([anchor], productRequests(shortStoryboard(), runs[0].overrides))).toEqual(['anchor']);
  });

  it('hits a compare\'s scene 1 in every variant, with its prompt and model', () => {
    const variants = [{}, { model: 'ltx-2-pro' }, { strategy: 'single' }];
    const faults = render(['scene-1:fail'], variants.map((overrides) => ({ storyboard: shortStoryboard(), overrides })), false);
    for (const overrides of variants) expect(hitSteps(faults, productRequests(shortStoryboard(), overrides))).toEqual(['scene-1']);
  });
});

describe('withEmulatorFaults (stack options)', () => {
  it('leaves the stack alone without faults', () => {
    const stack = { webhooks: true, emulator: { latencySeconds: 2 } };
    expect(withEmulatorFaults(stack, undefined, chain)).toBe(stack);
  });

  it.each([
    ['drop-webhook', true, true],
    ['slow', true, true],
    ['fail', true, false],
    ['drop-webhook', false, false],
  ])('%s with webhooks %s: shortens the webhook wait: %s', (kind, webhooks, shortened) => {
    const options = withEmulatorFaults({ webhooks, emulator: { latencySeconds: 2 } }, [`scene-1:${kind}`], chain);
    expect(options.callbackTimeoutMs).toBe(shortened ? faultTiming({ latencySeconds: 2 }).callbackTimeoutMs : undefined);
    expect(options.emulator).toMatchObject({ latencySeconds: 2, faults: { steps: [{ step: 'scene-1', kind }] } });
  });

  it.each([[0, false], [8, false], [0, true], [30, true]])('a slow prediction (latency %s s, full size %s) outlasts the webhook wait by 5 s or more', (latencySeconds, fullSize) => {
    const { callbackTimeoutMs, slowMs } = faultTiming({ latencySeconds, fullSize });
    expect(callbackTimeoutMs).toBeGreaterThanOrEqual((latencySeconds + 10) * 1000);
    expect(latencySeconds * 1000 + slowMs - callbackTimeoutMs).toBeGreaterThanOrEqual(5000);
  });
});
