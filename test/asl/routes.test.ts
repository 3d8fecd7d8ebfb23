// Each Retry and Catch route of the ASL, run through the local engine with stub handlers (no S3, no
// Replicate): which states a given error leads through, and how the run ends. Milliseconds per case.
import { describe, expect, it } from 'vitest';
import { LocalStepFunctions, type Execution } from '../../local/step-functions';
import { HANDLERS, type AnyHandler } from '../../local/handlers';
import { MAX_POLLS } from '../../functions/domain/prediction-windows';
import { newRunId } from '../../functions/domain/run-keys';

type Step = 'anchor' | 'scene-1' | 'keyframe-1';
/** What one start of a step leads to: a webhook result or failure, no webhook at all, or a thrown error. */
type Delivery = 'succeeded' | 'silent' | { fail: string } | { throws: string };
/** What one poll answers. */
type PollAnswer = 'running' | 'succeeded' | { throws: string };

interface Script {
  anchor?: Delivery[];
  clip?: Delivery[];
  poll?: Partial<Record<Step, PollAnswer[]>>;
  storeClip?: ({ throws: string } | 'ok')[];
  anchorMode?: 'generate' | 'none';
  /** keyframes: one keyframe (the anchor stub answers it too) before the scene. */
  strategy?: 'chain' | 'keyframes';
  throwsIn?: Partial<Record<'prepare' | 'store-output' | 'finish-segment' | 'join-film' | 'record-failure', string>>;
  /** What JoinFilm answers (default: joinFilmResult). */
  joinFilm?: (runId: string) => unknown;
}

/** What JoinFilm's Lambda answers (FilmResult): more than the execution's output should show. */
const joinFilmResult = (runId: string) => ({
  runId,
  sceneCount: 1,
  key: `runs/${runId}/final.mp4`,
  contactSheetKey: `runs/${runId}/contact-sheet.png`,
  continuityKey: `runs/${runId}/continuity.json`,
  driftChartKey: `runs/${runId}/drift-chart.png`,
  scenes: [{ index: 1, startSec: 0, endSec: 6 }],
  continuity: { lastSceneVsAnchor: 3.1 },
  durationSec: 6.04,
  frames: 151,
  fps: 25,
  width: 1920,
  height: 1080,
  audioDurationSec: 6.04,
  joinedAt: '2026-11-25T10:42:13.000Z',
  cost: { usd: 0.96, estimateUsd: 1.2 },
  recorded: true,
  finishingSec: 4.2,
});

const named = (name: string) => Object.assign(new Error(`${name} (scripted)`), { name });
const prediction = (id: string) => ({ id, status: 'succeeded', output: 'https://example.invalid/out', error: null });

/** Runs the real ASL with scripted handlers; returns the execution and what each handler saw. */
async function run(script: Script) {
  const calls = { anchor: [] as number[], clip: [] as number[], poll: [] as string[], recorded: [] as unknown[] };
  const take = <T,>(list: T[] | undefined, fallback: T): T => (list && list.length ? list.shift()! : fallback);
  let engine!: LocalStepFunctions;
  const start = (step: Step, deliveries: Delivery[] | undefined) => async (event: { attempt: number; taskToken: string }) => {
    (step === 'anchor' ? calls.anchor : calls.clip).push(event.attempt);
    const delivery = take(deliveries, 'succeeded');
    if (typeof delivery === 'object' && 'throws' in delivery) throw named(delivery.throws);
    if (delivery === 'succeeded') engine.sendTaskSuccess(event.taskToken, JSON.stringify({ prediction: prediction(`${step}-${event.attempt}`) }));
    else if (typeof delivery === 'object') engine.sendTaskFailure(event.taskToken, delivery.fail, `${step}: prediction ${delivery.fail}`);
    return { predictionId: `${step}-${event.attempt}` };
  };
  const storeClip = [...(script.storeClip ?? [])];
  const polls = {
    anchor: [...(script.poll?.anchor ?? [])],
    'scene-1': [...(script.poll?.['scene-1'] ?? [])],
    'keyframe-1': [...(script.poll?.['keyframe-1'] ?? [])],
  };
  const thrower = (name: keyof NonNullable<Script['throwsIn']>, body: AnyHandler): AnyHandler => async (event) => {
    if (script.throwsIn?.[name]) throw named(script.throwsIn[name]!);
    return body(event);
  };
  const handlers: Record<string, AnyHandler> = {
    ...HANDLERS,
    prepare: thrower('prepare', async ({ runId }) => ({
      runId,
      strategy: script.strategy ?? 'chain',
      maxConcurrency: 1,
      ...(script.strategy === 'keyframes' && { keyframes: [{ runId, step: 'keyframe-1', index: 1 }] }),
      anchor: { mode: script.anchorMode ?? 'generate', runId, step: 'anchor' },
      scenes: [{ runId, step: 'scene-1', index: 1, finishAlongside: null, finishOwnSegment: true }],
      join: {},
    })),
    anchor: start('anchor', [...(script.anchor ?? [])]),
    clip: start('scene-1', [...(script.clip ?? [])]),
    poll: async ({ step }: { step: Step }) => {
      calls.poll.push(step);
      const answer = take(polls[step], 'succeeded');
      if (typeof answer === 'object') throw named(answer.throws);
      return { done: answer === 'succeeded', prediction: { ...prediction(`${step}-polled`), status: answer === 'running' ? 'processing' : 'succeeded' } };
    },
    'store-output': thrower('store-output', async (event: { kind: string; step: string }) => {
      if (event.kind === 'image') return { seedKey: 'seed-0' };
      if (event.kind === 'keyframe') return { keyframeKey: 'keyframe-1' };
      const next = take(storeClip, 'ok');
      if (next !== 'ok') throw named(next.throws);
      return { step: event.step, clipKey: 'clip' };
    }),
    'finish-segment': thrower('finish-segment', async ({ step }: { step: string }) => ({ step, segment: 'segment.json' })),
    'join-film': thrower('join-film', async ({ runId }: { runId: string }) => (script.joinFilm ?? joinFilmResult)(runId)),
    'record-failure': thrower('record-failure', async (event: { failure: Record<string, { Error: string; Cause: string }> }) => {
      calls.recorded.push(event.failure);
      const [state, detail] = Object.entries(event.failure)[0];
      return { error: detail.Error, cause: `${state}: ${detail.Cause}`, state };
    }),
  };
  engine = new LocalStepFunctions({ region: 'us-east-1', handlers, retryIntervalMs: 0, waitMs: 0, callbackTimeoutMs: 20 });
  const execution: Execution = await engine.startExecution(newRunId('routes'), JSON.stringify({ storyboard: {} })).done;
  // The event log streams on after the result: wait for its last event.
  const deadline = Date.now() + 5000;
  while (!execution.history.some((e) => /^Execution(Succeeded|Failed)$/.test(e.type))) {
    if (Date.now() > deadline) throw new Error('the event log never ended');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const entered = execution.history.filter((e) => e.type === 'StateEntered').map((e) => e.state!);
  return { execution, entered, calls, count: (state: string) => entered.filter((s) => s === state).length };
}

describe('anchor and scene outcomes route the same way on the webhook and the poll path', () => {
  const timedOutWait = 'silent' as const;
  it.each([
    ['anchor', 'webhook', 'PredictionFailedError', { anchor: [{ fail: 'PredictionFailedError' }] }],
    ['anchor', 'poll', 'PredictionFailedError', { anchor: [timedOutWait], poll: { anchor: [{ throws: 'PredictionFailedError' }] } }],
    ['anchor', 'webhook', 'PredictionTimedOutError', { anchor: [{ fail: 'PredictionTimedOutError' }] }],
    ['anchor', 'poll', 'PredictionTimedOutError', { anchor: [timedOutWait], poll: { anchor: [{ throws: 'PredictionTimedOutError' }] } }],
    ['scene-1', 'webhook', 'PredictionFailedError', { clip: [{ fail: 'PredictionFailedError' }] }],
    ['scene-1', 'poll', 'PredictionFailedError', { clip: [timedOutWait], poll: { 'scene-1': [{ throws: 'PredictionFailedError' }] } }],
    ['scene-1', 'webhook', 'PredictionTimedOutError', { clip: [{ fail: 'PredictionTimedOutError' }] }],
    ['scene-1', 'poll', 'PredictionTimedOutError', { clip: [timedOutWait], poll: { 'scene-1': [{ throws: 'PredictionTimedOutError' }] } }],
  ] as [Step, string, string, Script][])('%s, %s path, %s → generated again (attempt 2), run succeeds', async (step, _path, _error, script) => {
    const { execution, calls, count } = await run(script);
    expect(execution.status).toBe('SUCCEEDED');
    expect(step === 'anchor' ? calls.anchor : calls.clip).toEqual([1, 2]);
    expect(count(step === 'anchor' ? 'NextAnchorAttempt' : 'NextAttempt')).toBe(1);
  });

  it.each([
    ['anchor', 'webhook', { anchor: [{ fail: 'PredictionCanceledError' }] }, 'Anchor'],
    ['anchor', 'poll', { anchor: ['silent'], poll: { anchor: [{ throws: 'PredictionCanceledError' }] } }, 'PollAnchor'],
    ['scene-1', 'webhook', { clip: [{ fail: 'PredictionCanceledError' }] }, 'Scenes'],
    ['scene-1', 'poll', { clip: ['silent'], poll: { 'scene-1': [{ throws: 'PredictionCanceledError' }] } }, 'Scenes'],
  ] as [Step, string, Script, string][])('%s, %s path, canceled because the run ended → no new attempt, the run fails', async (step, _path, script, state) => {
    const { execution, calls, count, entered } = await run(script);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'PredictionCanceledError' });
    expect(step === 'anchor' ? calls.anchor : calls.clip).toEqual([1]);
    expect(count('NextAnchorAttempt') + count('NextAttempt')).toBe(0);
    expect(calls.recorded).toEqual([{ [state]: expect.objectContaining({ Error: 'PredictionCanceledError' }) }]);
    expect(entered.at(-1)).toBe('Failed');
  });

  it.each([
    ['anchor', { anchor: ['silent'], poll: { anchor: Array(MAX_POLLS).fill('running') } }, 'AnchorPollsExhausted'],
    ['scene-1', { clip: ['silent'], poll: { 'scene-1': Array(MAX_POLLS).fill('running') } }, 'ClipPollsExhausted'],
  ] as [Step, Script, string][])('%s still running after MAX_POLLS polls → PredictionTimedOutError, generated again', async (step, script, exhausted) => {
    const { execution, calls, count } = await run(script);
    expect(execution.status).toBe('SUCCEEDED');
    expect(calls.poll.filter((s) => s === step)).toHaveLength(MAX_POLLS);
    expect(count(exhausted)).toBe(1);
    expect(step === 'anchor' ? calls.anchor : calls.clip).toEqual([1, 2]);
  });

  it.each([
    ['anchor', { anchor: Array(3).fill({ fail: 'PredictionFailedError' }) }, 'Anchor', 'NextAnchorAttempt'],
    ['scene-1', { clip: Array(3).fill({ fail: 'PredictionFailedError' }) }, 'Scenes', 'NextAttempt'],
  ] as [Step, Script, string, string][])('%s failing 3 times → the run fails with the last error, recorded once', async (step, script, state, next) => {
    const { execution, calls, count } = await run(script);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'PredictionFailedError' });
    expect(step === 'anchor' ? calls.anchor : calls.clip).toEqual([1, 2, 3]);
    // Two new attempts, then the failure (the local engine does not log a Fail state inside a Parallel branch).
    expect(count(next)).toBe(2);
    expect(calls.recorded).toEqual([{ [state]: expect.objectContaining({ Error: 'PredictionFailedError' }) }]);
  });
});

describe('polling', () => {
  it('polls again after a Wait while the prediction runs, then stores the result', async () => {
    const { execution, calls, count } = await run({ clip: ['silent'], poll: { 'scene-1': ['running', 'running', 'succeeded'] } });
    expect(execution.status).toBe('SUCCEEDED');
    expect(calls.poll).toEqual(['scene-1', 'scene-1', 'scene-1']);
    expect(count('WaitBeforeClipPoll')).toBe(2);
    expect(count('CountClipPoll')).toBe(2);
    expect(count('StoreClip')).toBe(1);
    expect(calls.clip).toEqual([1]);
  });
});

describe('strategy keyframes', () => {
  it.each([
    ['webhook', { anchor: ['succeeded', { fail: 'PredictionFailedError' }] }],
    ['poll', { anchor: ['succeeded', 'silent'], poll: { 'keyframe-1': [{ throws: 'PredictionTimedOutError' }] } }],
  ] as [string, Script][])('a failed keyframe (%s path) is generated again, then the scene runs', async (_, script) => {
    const { execution, calls, count } = await run({ strategy: 'keyframes', ...script });
    expect(execution.status).toBe('SUCCEEDED');
    expect(calls.anchor).toEqual([1, 1, 2]);
    expect(count('Keyframe')).toBe(2);
    expect(count('StoreKeyframe')).toBe(1);
    expect(calls.clip).toEqual([1]);
  });

  it('chain never enters the keyframe states', async () => {
    const { execution, entered } = await run({});
    expect(execution.status).toBe('SUCCEEDED');
    expect(entered.filter((s) => s.startsWith('Keyframe'))).toEqual(['KeyframesOrScenes']);
  });
});

describe('Task retries', () => {
  it.each([
    ['Lambda.ServiceException', 'anchor'],
    ['RateLimitedError', 'anchor'],
    ['Lambda.ServiceException', 'scene-1'],
    ['RateLimitedError', 'scene-1'],
  ] as [string, Step][])('%s from the %s start is retried with the same attempt number', async (error, step) => {
    const script: Script = step === 'anchor' ? { anchor: [{ throws: error }] } : { clip: [{ throws: error }] };
    const { execution, calls } = await run(script);
    expect(execution.status).toBe('SUCCEEDED');
    expect(step === 'anchor' ? calls.anchor : calls.clip).toEqual([1, 1]);
  });

  it('an undecodable clip (OutputInvalidError from StoreClip) is generated again', async () => {
    const { execution, calls, count } = await run({ storeClip: [{ throws: 'OutputInvalidError' }] });
    expect(execution.status).toBe('SUCCEEDED');
    expect(calls.clip).toEqual([1, 2]);
    expect(count('StoreClip')).toBe(2);
  });
});

describe('the execution output (what the console shows for a succeeded run)', () => {
  it('names the film’s key, duration, size and the run’s cost, and nothing else', async () => {
    const { execution } = await run({});
    expect(execution.status).toBe('SUCCEEDED');
    const runId = execution.name;
    expect(JSON.parse(execution.output!)).toStrictEqual({
      runId,
      film: { key: `runs/${runId}/final.mp4`, durationSec: 6.04, width: 1920, height: 1080 },
      cost: { usd: 0.96, estimateUsd: 1.2 },
    });
  });

  it('keeps a null estimate (a run from before estimates) instead of failing the execution', async () => {
    const { execution } = await run({ joinFilm: (runId) => ({ ...joinFilmResult(runId), cost: { usd: 0, estimateUsd: null } }) });
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!).cost).toStrictEqual({ usd: 0, estimateUsd: null });
  });
});

describe('the one failure path', () => {
  it.each([
    ['Prepare', { throwsIn: { prepare: 'InvalidStoryboardError' } }, 'InvalidStoryboardError'],
    ['StoreAnchor', { throwsIn: { 'store-output': 'OutputInvalidError' } }, 'OutputInvalidError'],
    ['JoinFilm', { throwsIn: { 'join-film': 'MediaToolError' } }, 'MediaToolError'],
    ['Scenes', { storeClip: [{ throws: 'MediaToolError' }] }, 'MediaToolError'],
    ['Scenes', { throwsIn: { 'finish-segment': 'OutputInvalidError' } }, 'OutputInvalidError'],
  ] as [string, Script, string][])('an error in %s is recorded under that state name, then the run fails with it', async (state, script, error) => {
    const { execution, calls, entered } = await run(script);
    expect(execution).toMatchObject({ status: 'FAILED', error });
    expect(calls.recorded).toEqual([{ [state]: expect.objectContaining({ Error: error }) }]);
    expect(entered.slice(-2)).toEqual(['RecordFailure', 'Failed']);
  });

  it('a failure that cannot be recorded ends in FailedUnrecorded', async () => {
    const { execution, entered } = await run({ throwsIn: { 'join-film': 'MediaToolError', 'record-failure': 'ConcurrentUpdateError' } });
    expect(execution).toMatchObject({ status: 'FAILED', error: 'RecordFailureFailed' });
    expect(entered.at(-1)).toBe('FailedUnrecorded');
  });

  it('a keyframe failing 3 times → the run fails with its error, recorded under Keyframes, no scene started', async () => {
    const failed = { fail: 'PredictionFailedError' };
    const { execution, calls, count } = await run({ strategy: 'keyframes', anchor: ['succeeded', failed, failed, failed] });
    expect(execution).toMatchObject({ status: 'FAILED', error: 'PredictionFailedError' });
    expect(calls.anchor).toEqual([1, 1, 2, 3]);
    expect(calls.recorded).toEqual([{ Keyframes: expect.objectContaining({ Error: 'PredictionFailedError' }) }]);
    expect(count('Clip')).toBe(0);
  });

  it('a text-only run skips the anchor entirely', async () => {
    const { execution, calls, entered } = await run({ anchorMode: 'none' });
    expect(execution.status).toBe('SUCCEEDED');
    expect(calls.anchor).toEqual([]);
    expect(entered).not.toContain('FirstAnchorAttempt');
  });
});
