// The manifest view: progress, current step, money spent and the failure, rebuilt from step records.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildManifest, failureFromState, readableCause, type FilmRecord, type ManifestSources, type StepRecord } from '../../functions/domain/manifest';
import type { RunEnding } from '../../functions/domain/ending';
import { buildPlan } from '../../functions/domain/plan';
import { parseStoryboard } from '../../functions/domain/storyboard';
import type { SpendLedger } from '../../functions/domain/spend';

const runId = '20261125-1042-winter-ad-3f9c2a7be41d08c6';
const plan = buildPlan(
  runId,
  parseStoryboard({ title: 'Winter ad', scenes: [{ prompt: 'a' }, { prompt: 'b' }, { prompt: 'c' }] }),
);
const storyboardKey = `runs/${runId}/storyboard.json`;
const createdAt = '2026-11-25T10:42:13.000Z';
const sources = (steps: StepRecord[], more: Partial<ManifestSources> = {}): ManifestSources => ({
  runId,
  executionName: runId,
  createdAt,
  plan,
  steps,
  ending: null,
  ...more,
});
const film: FilmRecord = {
  key: `runs/${runId}/final.mp4`,
  contactSheetKey: `runs/${runId}/contact-sheet.png`,
  continuityKey: `runs/${runId}/continuity.json`,
  driftChartKey: `runs/${runId}/drift-chart.png`,
  scenes: [],
  continuity: { lastSceneVsAnchor: null, deltaEPerHop: null, maxSeamDeltaE: null, maxLoudnessJumpLu: null, worstDipDb: null, maxStillRun: null },
  durationSec: 30,
  frames: 750,
  fps: 25,
  width: 1920,
  height: 1080,
  audioDurationSec: 30,
  joinedAt: createdAt,
};
const failure = { state: 'Scenes', error: 'PredictionFailedError', cause: 'x', at: createdAt, canceledPredictions: ['p1'] };
const endings: Record<'succeeded' | 'failed' | 'canceled', RunEnding> = {
  succeeded: { status: 'succeeded', at: createdAt, by: 'join-film', film },
  failed: { status: 'failed', at: createdAt, by: 'record-failure', failure },
  canceled: { status: 'canceled', at: createdAt, by: 'cancel-request', failure: { ...failure, state: 'Canceled', error: 'RunCanceled' } },
};

const anchor = (status: StepRecord['status']): StepRecord => ({ step: 'anchor', kind: 'image', status, attempts: 1 });
const scene = (n: number, status: StepRecord['status'], durationSec = 10): StepRecord => ({
  step: `scene-${n}`,
  kind: 'video',
  status,
  attempts: 1,
  ...(status === 'stored' && { media: { width: 1920, height: 1080, durationSec, fps: 25, frames: durationSec * 25 } }),
});

describe('buildManifest', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-11-25T10:50:00.000Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('starts as a running run with nothing done', () => {
    const m = buildManifest(sources([]));
    expect(m).toMatchObject({
      runId,
      title: 'Winter ad',
      status: 'running',
      strategy: 'chain',
      model: 'ltx-2-fast',
      createdAt,
      updatedAt: '2026-11-25T10:50:00.000Z',
      scenesTotal: 3,
      scenesDone: 0,
      currentStep: null,
      estimate: { seconds: 30, usd: 1.204 },
      storyboardKey,
      steps: [],
      film: null,
      failure: null,
    });
    expect(m.cost.usd).toBe(0);
  });

  it('sorts steps anchor first, then scenes numerically', () => {
    const steps = [scene(10, 'waiting'), scene(2, 'stored'), anchor('stored'), scene(1, 'stored'), scene(9, 'waiting')];
    const m = buildManifest(sources(steps));
    expect(m.steps.map((s) => s.step)).toEqual(['anchor', 'scene-1', 'scene-2', 'scene-9', 'scene-10']);
    expect(steps[0].step).toBe('scene-10'); // input untouched
  });

  it('sorts keyframes (strategy keyframes) after the anchor and before the scenes, numerically; they count as images', () => {
    const keyframe = (n: number): StepRecord => ({ step: `keyframe-${n}`, kind: 'image', status: 'stored', attempts: 1 });
    const m = buildManifest(sources([scene(1, 'stored'), keyframe(10), anchor('stored'), keyframe(2), scene(2, 'waiting')]));
    expect(m.steps.map((s) => s.step)).toEqual(['anchor', 'keyframe-2', 'keyframe-10', 'scene-1', 'scene-2']);
    expect(m.scenesDone).toBe(1);
  });

  it('counts stored scenes (not the anchor) and points at the first waiting step', () => {
    const m = buildManifest(sources([anchor('stored'), scene(1, 'stored'), scene(2, 'waiting')]));
    expect(m.scenesDone).toBe(1);
    expect(m.currentStep).toBe('scene-2');
    expect(buildManifest(sources([anchor('waiting')])).currentStep).toBe('anchor');
  });

  it('says join-film once every scene is stored', () => {
    const steps = [anchor('stored'), scene(1, 'stored'), scene(2, 'stored'), scene(3, 'stored')];
    const m = buildManifest(sources(steps));
    expect(m.scenesDone).toBe(3);
    expect(m.currentStep).toBe('join-film');
  });

  it.each(['succeeded', 'failed', 'canceled'] as const)('has no current step once the run has ended (%s)', (status) => {
    const steps = [anchor('stored'), scene(1, 'waiting')];
    expect(buildManifest(sources(steps, { ending: endings[status] })).currentStep).toBeNull();
  });

  it('a succeeded ending gives the status and the film, and no failure', () => {
    const m = buildManifest(sources([], { ending: endings.succeeded }));
    expect(m).toMatchObject({ status: 'succeeded', film, failure: null, endedAt: createdAt, endedBy: 'join-film' });
  });

  it.each(['failed', 'canceled'] as const)('a %s ending gives the status and the failure, and no film', (status) => {
    const ending = endings[status] as Extract<RunEnding, { failure: unknown }>;
    const m = buildManifest(sources([], { ending }));
    expect(m).toMatchObject({ status, failure: ending.failure, film: null, endedBy: ending.by });
  });

  it('is running, with no film and no failure, until an ending is recorded', () => {
    expect(buildManifest(sources([scene(1, 'stored')]))).toMatchObject({ status: 'running', film: null, failure: null, endedAt: null, endedBy: null });
  });

  it('records the execution name (a console execution has its own)', () => {
    expect(buildManifest(sources([], { executionName: 'a5e1c7de-0000-4000-8000-000000000000' })).executionName).toBe('a5e1c7de-0000-4000-8000-000000000000');
  });

  it('without a plan (the run ended in Prepare) says why and leaves the plan fields empty', () => {
    const m = buildManifest(sources([], { plan: null, ending: endings.failed }));
    expect(m).toMatchObject({
      runId,
      status: 'failed',
      title: null,
      strategy: null,
      model: null,
      estimate: null,
      storyboardKey: null,
      scenesTotal: 0,
      scenesDone: 0,
      currentStep: null,
      failure,
      cost: { usd: 0 },
    });
  });

  it('points at the stored storyboard when there is a plan', () => {
    expect(buildManifest(sources([])).storyboardKey).toBe(storyboardKey);
  });

  it('costs what the spend ledger says Replicate reported, and holds what still runs', () => {
    const spend: SpendLedger = {
      runId,
      budgetUsd: 2,
      entries: [
        { step: 'anchor', attempt: 1, predictionId: 'a', billing: { per: 'predict-second' }, reservedUsd: 0.004, usd: 0.0039, status: 'succeeded' },
        { step: 'scene-1', attempt: 1, predictionId: 'b', billing: { per: 'output-second', model: 'ltx-2-fast', seconds: 6 }, reservedUsd: 0.24, usd: 0, status: 'failed' },
        { step: 'scene-1', attempt: 2, predictionId: 'c', billing: { per: 'output-second', model: 'ltx-2-fast', seconds: 6 }, reservedUsd: 0.24, usd: null, status: null },
      ],
    };
    const m = buildManifest(sources([anchor('stored'), { ...scene(2, 'stored'), reused: true }], { spend }));
    expect(m.cost).toMatchObject({ usd: 0.0039, runningUsd: 0.24, estimateUsd: plan.estimate.usd, budgetUsd: 2, reusedSteps: 1 });
    expect(m.predictions).toHaveLength(3);
  });

  it('costs nothing and lists no predictions without a ledger', () => {
    expect(buildManifest(sources([anchor('stored')])).cost).toMatchObject({ usd: 0, runningUsd: 0, reusedSteps: 0 });
  });
});

describe('readableCause', () => {
  it('extracts errorMessage from a Lambda failure cause', () => {
    const cause = JSON.stringify({ errorType: 'PredictionFailedError', errorMessage: 'scene-2: prediction p failed: oom', trace: ['at x'] });
    expect(readableCause(cause)).toBe('scene-2: prediction p failed: oom');
  });

  it('returns other causes unchanged', () => {
    expect(readableCause('States.Timeout after 900 s')).toBe('States.Timeout after 900 s');
    expect(readableCause('{"errorType":"X"}')).toBe('{"errorType":"X"}');
    expect(readableCause('{"errorMessage":42}')).toBe('{"errorMessage":42}');
    expect(readableCause('null')).toBe('null');
    expect(readableCause('{broken')).toBe('{broken');
  });

  it('is empty for no cause', () => {
    expect(readableCause(undefined)).toBe('');
    expect(readableCause('')).toBe('');
  });
});

describe('failureFromState', () => {
  it('names the state that failed, its error and a readable cause', () => {
    const failure = { RenderScenes: { Error: 'PredictionFailedError', Cause: JSON.stringify({ errorMessage: 'scene-3 failed' }) } };
    expect(failureFromState(failure)).toEqual({ state: 'RenderScenes', error: 'PredictionFailedError', cause: 'scene-3 failed' });
  });

  it('defaults to States.Runtime and an empty cause when details are missing', () => {
    expect(failureFromState({ Join: {} })).toEqual({ state: 'Join', error: 'States.Runtime', cause: '' });
  });

  it('reports an unknown state when there is no failure record', () => {
    const unknown = { state: 'unknown', error: 'States.Runtime', cause: '' };
    expect(failureFromState(undefined)).toEqual(unknown);
    expect(failureFromState({})).toEqual(unknown);
  });
});
