// Every handler validates its event at the boundary: what the ASL, API Gateway and EventBridge send
// is accepted (payloads built from statemachine/longshot.asl.json itself), and a malformed event is
// one InvalidEventError naming the handler and the field (a 400 for the HTTP handlers).
import { walkStates } from '../../local/step-functions';
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ASL_PATH, COMPARE_ASL_PATH, FUNCTIONS } from '../../functions/catalog';
import { buildPlan, type RunPlan } from '../../functions/domain/plan';
import { parseStoryboard } from '../../functions/domain/storyboard';
import { newRunId } from '../../functions/domain/run-keys';
import { toPredictionResult } from '../../functions/domain/replicate-inputs';
import { InvalidEventError } from '../../functions/domain/errors';
import * as events from '../../functions/handlers/events';
import * as compareEvents from '../../functions/handlers/compare-events';
import { HANDLERS } from '../../local/handlers';
import { logger } from '../../functions/adapters/logger';
import { apiEvent, bodyOf, objectCreatedEvent, tinyStoryboard } from './helpers';

type Json = Record<string, any>;

logger.setLogLevel('SILENT'); // the refusals log a warning each

/** Each catalog function's boundary schema. */
const SCHEMAS: Record<string, z.ZodType> = {
  prepare: events.prepareEvent,
  anchor: events.anchorOrKeyframeEvent,
  clip: events.clipEvent,
  poll: events.pollEvent,
  'store-output': events.storeOutputEvent,
  'finish-segment': events.finishSegmentEvent,
  'join-film': events.joinFilmEvent,
  'record-failure': events.recordFailureEvent,
  api: events.proxyEvent,
  webhook: events.proxyEvent,
  'start-from-upload': events.objectCreatedEvent,
  notify: events.notifyEvent,
  'execution-ended': events.executionStatusChangeEvent,
  'prepare-compare': compareEvents.prepareCompareEvent,
  'join-comparison': compareEvents.joinComparisonEvent,
  'record-compare-failure': compareEvents.recordCompareFailureEvent,
};

// Opaque like a real one: long, with the +/= characters AWS tokens carry.
const TOKEN = `AQCEAAAAKgAAAAMAAAAA+${'x'.repeat(600)}==`;

// ---- What the state machine sends: Parameters.Payload of every Task, resolved against run states ----

const asl = JSON.parse(readFileSync(ASL_PATH, 'utf8'));

const tasks = (states: Record<string, Json>) => ([...walkStates(states)] as [string, Json][]).filter(([, state]) => state.Type === 'Task');

const functionOf = (state: Json) => FUNCTIONS.find((f) => state.Parameters.FunctionName === `\${${f.placeholder}}`)!.name;

function lookup(root: unknown, path: string): unknown {
  if (path === '$' || path === '$$') return root;
  return path
    .replace(/^\$\$?\./, '')
    .split('.')
    .reduce<unknown>((value, part) => {
      if (value === null || typeof value !== 'object' || !(part in value)) throw new Error(`${path}: no "${part}" in the fixture state`);
      return (value as Json)[part];
    }, root);
}

/** Resolves `"key.$": "$.path"` / `"$$.Context.path"` like Step Functions does for Parameters. */
function resolve(template: Json, state: unknown, context: Json): Json {
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) => {
      if (key.endsWith('.$')) return [key.slice(0, -2), value.startsWith('$$') ? lookup(context, value) : lookup(state, value)];
      return [key, value !== null && typeof value === 'object' ? resolve(value, state, context) : value];
    }),
  );
}

function runFixture(anchor: unknown, extra: Json = {}): { plan: RunPlan; input: Json; state: Json } {
  const board = parseStoryboard({ ...tinyStoryboard('Boundary film', 2), anchor, ...extra });
  const plan = buildPlan(newRunId(board.title), board);
  const prediction = toPredictionResult({ id: 'p-1', status: 'succeeded', output: 'https://example.invalid/out.mp4', created_at: '2026-11-25T10:42:13.000Z', metrics: { predict_time: 6 } });
  const clips = plan.scenes.map((s) => ({
    index: s.index, step: s.step, clipKey: s.clipKey, seedKey: s.seedKey, lastFrameKey: s.lastFrameKey,
    durationSec: s.duration, frames: s.duration * s.fps, fps: s.fps, width: 1920, height: 1080, hasAudio: false,
    corrections: {
      headTrimFrames: s.index > 1 ? 1 : 0, frozenHeadFrames: 0, gainDb: 0, gainCapped: false, loudness: null, onsetLevelling: [[0.005, 12], [0.3, 0]],
      grade: { head: { contrast: 1, brightness: 0, saturation: 0.95 }, tail: { contrast: 0.97, brightness: 0.01, saturation: 0.9 }, cast: { u: 0.5, v: -1 }, clamped: false },
      looks: { head: { l: 50, a: 1, b: 2, chroma: 20, contrast: 12 }, tail: { l: 52, a: 1, b: 3, chroma: 24, contrast: 13 } },
    },
  }));
  const input = { storyboard: tinyStoryboard('Boundary film', 2), overrides: { model: 'ltx-2-fast' } };
  // The union of what the states hold by the time each Task runs (Map iterations: {scene, attempt}).
  const state = {
    ...input, plan, anchorResult: { prediction }, anchorStored: { seedKey: plan.anchor.seedKey },
    anchorTry: { attempt: 1 }, scene: plan.scenes[1], keyframe: plan.keyframes?.[1], attempt: 2, result: { prediction }, clips,
    failure: { Scenes: { Error: 'PredictionFailedError', Cause: 'scene-2: prediction p-1 failed' } },
  };
  return { plan, input, state };
}

const FIXTURES = {
  'generated anchor': runFixture({ prompt: 'A red kite', width: 1344, height: 768 }),
  'provided anchor': runFixture({ image: 'images/first-frame.png' }),
  'text only': runFixture(false),
  keyframes: runFixture({ prompt: 'A red kite' }, { strategy: 'keyframes', model: 'ltx-2.3-fast' }),
};

/** The Keyframes map's Tasks run only for strategy keyframes. */
const KEYFRAME_STATES = ['Keyframe', 'PollKeyframe', 'StoreKeyframe'];

/** The anchor branch ChooseAnchor takes for each plan.anchor.mode; other Tasks run in every run. */
const ANCHOR_STATES: Record<string, string[]> = { generate: ['Anchor', 'PollAnchor', 'StoreAnchor'], provided: ['StoreProvidedAnchor'], none: [] };
const ALL_ANCHOR_STATES = Object.values(ANCHOR_STATES).flat();

describe('the boundary accepts what the state machine sends', () => {
  const cases = Object.entries(FIXTURES).flatMap(([fixture, run]) =>
    tasks(asl.States)
      .filter(([name]) => !ALL_ANCHOR_STATES.includes(name) || ANCHOR_STATES[run.plan.anchor.mode].includes(name))
      .filter(([name]) => !KEYFRAME_STATES.includes(name) || run.plan.strategy === 'keyframes')
      // Only a chained scene finishes the segment before it (HasPreviousSegment).
      .filter(([name]) => name !== 'FinishPreviousSegment' || run.plan.strategy === 'chain')
      .map(([name, state]) => [fixture, name, run, state] as const),
  );

  it.each(cases)('%s: %s', (_fixture, name, run, state) => {
    const context = { Execution: { Name: run.plan.runId, StartTime: '2026-11-25T10:42:13.000Z' }, Task: { Token: TOKEN } };
    const payload = resolve(state.Parameters.Payload, name === asl.StartAt ? run.input : run.state, context);
    const fn = functionOf(state);
    const parsed = SCHEMAS[fn].safeParse(JSON.parse(JSON.stringify(payload)));
    expect(parsed.error?.issues ?? [], `${name} → ${fn}`).toEqual([]);
  });

  it('a console start (generated execution name, any object input) still reaches prepare and record-failure', () => {
    expect(events.prepareEvent.safeParse({ runId: '0f1e2d3c-4b5a-6978-8091-a2b3c4d5e6f7', request: { hello: 'world' } }).success).toBe(true);
    expect(events.recordFailureEvent.safeParse({ runId: '0f1e2d3c-4b5a-6978-8091-a2b3c4d5e6f7', failure: { Prepare: { Error: 'InvalidStoryboardError', Cause: '…' } } }).success).toBe(true);
  });

  it('every catalog function has a boundary schema and a local handler', () => {
    expect(Object.keys(SCHEMAS).sort()).toEqual(FUNCTIONS.map((f) => f.name).sort());
    expect(Object.keys(HANDLERS).sort()).toEqual(FUNCTIONS.map((f) => f.name).sort());
  });
});

describe('the boundary accepts what the compare state machine sends', () => {
  const compareAsl = JSON.parse(readFileSync(COMPARE_ASL_PATH, 'utf8'));
  const compareId = newRunId('Boundary compare');
  const runs = [{ runId: newRunId('Boundary film'), label: 'ltx-2-fast × chain', model: 'ltx-2-fast', strategy: 'chain' }];
  const state = {
    storyboard: tinyStoryboard('Boundary film', 2), variants: ['fast:chain'], compare: { compareId, runs },
    failure: { Variants: { Error: 'States.Runtime', Cause: '…' } },
  };
  const lambdaTasks = tasks(compareAsl.States).filter(([, task]) => task.Resource === 'arn:aws:states:::lambda:invoke');

  it.each(lambdaTasks)('%s', (name, task) => {
    const context = { Execution: { Name: compareId, StartTime: '2026-11-25T10:42:13.000Z' } };
    // JoinComparison runs after the Map: $.variants holds its results.
    const current = name === 'JoinComparison' ? { ...state, variants: [{ runId: runs[0].runId, status: 'SUCCEEDED' }] } : state;
    const payload = resolve(task.Parameters.Payload, current, context);
    const fn = FUNCTIONS.find((f) => task.Parameters.FunctionName === `\${${f.placeholder}}`)!.name;
    const parsed = SCHEMAS[fn].safeParse(JSON.parse(JSON.stringify(payload)));
    expect(parsed.error?.issues ?? [], `${name} → ${fn}`).toEqual([]);
  });
});

describe('the boundary accepts what API Gateway and EventBridge send', () => {
  it.each([
    ['api: POST /runs', 'api', apiEvent('POST', '/runs', { body: '{}', headers: { 'content-type': 'application/json' } })],
    ['api: GET /runs/{runId}', 'api', apiEvent('GET', `/runs/${newRunId('x')}`)],
    ['webhook', 'webhook', apiEvent('POST', `/webhooks/replicate?run=${newRunId('x')}&step=scene-1`, { body: '{"id":"p"}' })],
    ['start-from-upload', 'start-from-upload', objectCreatedEvent('bucket', 'inbox/a b+c%.json')],
    ['start-from-upload (AWS sample, with version-id)', 'start-from-upload', awsObjectCreated()],
    ['execution-ended (AWS sample)', 'execution-ended', awsStatusChange()],
  ])('%s', (_label, fn, event) => {
    expect(SCHEMAS[fn].safeParse(event).error?.issues ?? []).toEqual([]);
  });
});

// ---- What must be refused ----

type Variant = [string, (event: Json) => unknown, string];

const set = (path: string, value: unknown) => (event: Json) => {
  const copy = structuredClone(event);
  const parts = path.split('.');
  const last = parts.pop()!;
  const parent = parts.reduce<Json>((node, part) => node[part], copy);
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy;
};

const generated = FIXTURES['generated anchor'];
const valid: Record<string, Json> = {
  prepare: { runId: generated.plan.runId, request: generated.input },
  anchor: { anchor: generated.plan.anchor, taskToken: TOKEN },
  clip: { scene: generated.plan.scenes[1], taskToken: TOKEN },
  poll: { runId: generated.plan.runId, step: 'scene-1' },
  'store-output': { runId: generated.plan.runId, step: 'scene-2', kind: 'video', scene: generated.plan.scenes[1], prediction: generated.state.result.prediction },
  'join-film': { runId: generated.plan.runId, clips: generated.state.clips, join: generated.plan.join },
  'record-failure': { runId: generated.plan.runId, failure: generated.state.failure },
  'start-from-upload': objectCreatedEvent('bucket', 'inbox/film.json'),
  notify: { runId: generated.plan.runId },
  'execution-ended': awsStatusChange(),
};

const TASK_VARIANTS: Record<string, Variant[]> = {
  prepare: [
    ['no runId', set('runId', undefined), 'runId'],
    ['an empty runId', set('runId', ''), 'runId'],
    ['a startedAt that is not a string', set('startedAt', 5), 'startedAt'],
  ],
  anchor: [
    ['no task token', set('taskToken', undefined), 'taskToken'],
    ['a task token over 2048 characters', set('taskToken', 'A'.repeat(2049)), 'taskToken'],
    ['a runId that is a path', set('anchor.runId', '../runs/other'), 'anchor.runId'],
    ['an unknown mode', set('anchor.mode', 'maybe'), 'anchor.mode'],
    ['a width that is a string', set('anchor.width', '1344'), 'anchor.width'],
    ['neither anchor nor keyframe', set('anchor', undefined), 'anchor'],
    ['both anchor and keyframe', set('keyframe', FIXTURES.keyframes.plan.keyframes![0]), 'anchor'],
    ['a keyframe whose step is a scene', () => ({ keyframe: { ...FIXTURES.keyframes.plan.keyframes![0], step: 'scene-1' }, taskToken: TOKEN }), 'keyframe.step'],
    ['a keyframe without its seed', () => ({ keyframe: { ...FIXTURES.keyframes.plan.keyframes![0], seed: undefined }, taskToken: TOKEN }), 'keyframe.seed'],
  ],
  clip: [
    ['no scene', set('scene', undefined), 'scene'],
    ['step scene-0', set('scene.step', 'scene-0'), 'scene.step'],
    ['an unknown model', set('scene.model', 'ltx-3'), 'scene.model'],
    ['a seedKey that is a number', set('scene.seedKey', 1), 'scene.seedKey'],
    ['an empty prompt', set('scene.prompt', ''), 'scene.prompt'],
  ],
  poll: [
    ['no runId', set('runId', undefined), 'runId'],
    ['a step with a path', set('step', '../callbacks/x'), 'step'],
  ],
  'store-output': [
    ['an unknown kind', set('kind', 'audio'), 'kind'],
    ['a video without its scene', set('scene', undefined), 'scene'],
    ['a prediction without a status', set('prediction.status', undefined), 'prediction.status'],
    ['an image with neither prediction nor source', () => ({ runId: generated.plan.runId, step: 'anchor', kind: 'image' }), 'prediction'],
    ['a keyframe without its plan', (e) => ({ runId: e.runId, step: 'keyframe-1', kind: 'keyframe', prediction: e.prediction }), 'keyframe'],
  ],
  'join-film': [
    ['no clips', set('clips', []), 'clips'],
    ['a clip whose fps is a string', (e) => set('clips', [{ ...e.clips[0], fps: '25' }])(e), 'clips[0].fps'],
    ['a clip without its corrections', (e) => set('clips', [{ ...e.clips[0], corrections: undefined }])(e), 'clips[0].corrections'],
    ['a grade that is not a number', (e) => set('clips', [{ ...e.clips[0], corrections: { ...e.clips[0].corrections, grade: { ...e.clips[0].corrections.grade, cast: { u: 'x', v: 0 } } } }])(e), 'clips[0].corrections.grade.cast.u'],
    ['no join settings', set('join', undefined), 'join'],
  ],
  'record-failure': [
    ['a failure whose Error is not a string', set('failure', { Scenes: { Error: 1 } }), 'failure.Scenes.Error'],
    ['an execution name over 80 characters', set('runId', 'x'.repeat(81)), 'runId'],
  ],
  'start-from-upload': [
    ['another detail-type', set('detail-type', 'Object Deleted'), 'detail-type'],
    ['another source', set('source', 'aws.states'), 'source'],
    ['no object key', set('detail.object.key', undefined), 'detail.object.key'],
    ['a time that is not ISO 8601', set('time', 'yesterday'), 'time'],
  ],
  notify: [
    ['no runId', set('runId', undefined), 'runId'],
    ['a runId that is a path', set('runId', '../runs/other'), 'runId'],
    ['both a runId and a compareId', set('compareId', '20261125-1042-winter-ad-compare-3f9c2a7be41d08c6'), 'runId'],
    ['a compareId that is a path', () => ({ compareId: '../compares/other' }), 'compareId'],
  ],
  'execution-ended': [
    ['an unknown status', set('detail.status', 'DONE'), 'detail.status'],
    ['no execution name', set('detail.name', undefined), 'detail.name'],
    ['another detail-type', set('detail-type', 'Object Created'), 'detail-type'],
  ],
};

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the handler to reject the event');
}

describe('the boundary refuses malformed events with one named error', () => {
  const cases = Object.entries(TASK_VARIANTS).flatMap(([fn, variants]) =>
    variants.map(([label, mutate, field]) => [fn, label, mutate, field] as const),
  );

  it.each(Object.keys(valid))('%s: the valid fixture is accepted', (fn) => {
    expect(SCHEMAS[fn].safeParse(valid[fn]).error?.issues ?? []).toEqual([]);
  });

  it.each(cases)('%s: %s → InvalidEventError naming the field', async (fn, _label, mutate, field) => {
    const error = await rejection(HANDLERS[fn](mutate(valid[fn])));
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error.name).toBe('InvalidEventError');
    expect(error.message).toMatch(new RegExp(`^${fn}: invalid event: `));
    expect((error as InvalidEventError).problems.some((p) => p.startsWith(`${field}:`)), (error as InvalidEventError).problems.join('\n')).toBe(true);
  });

  it.each(['null', 'a string', 'an array'])('%s as the whole event → InvalidEventError', async (kind) => {
    const event = kind === 'null' ? null : kind === 'a string' ? 'event' : [];
    for (const fn of Object.keys(valid)) {
      const error = await rejection(HANDLERS[fn](event));
      expect(error.name, fn).toBe('InvalidEventError');
    }
  });

  it('never echoes a value, so a task token cannot leak through the error message', async () => {
    const error = await rejection(HANDLERS.clip({ ...valid.clip, scene: { ...valid.clip.scene, step: TOKEN } }));
    expect(error.name).toBe('InvalidEventError');
    expect(error.message).not.toContain(TOKEN.slice(0, 30));
  });
});

describe('a malformed proxy event is a 400 from the HTTP handlers, not a 500', () => {
  const proxy = () => apiEvent('POST', '/runs', { body: '{}', headers: { 'content-type': 'application/json' } }) as unknown as Json;
  const variants: Variant[] = [
    ['an unknown method', (e) => set('httpMethod', 'BREW')(e), 'httpMethod'],
    ['a body that is not a string', (e) => set('body', { title: 'x' })(e), 'body'],
    ['a header value that is not a string', (e) => set('headers', { 'content-type': ['a', 'b'] })(e), 'headers.content-type'],
    ['isBase64Encoded missing', (e) => set('isBase64Encoded', undefined)(e), 'isBase64Encoded'],
    ['no path', (e) => set('path', undefined)(e), 'path'],
  ];
  const cases = ['api', 'webhook'].flatMap((fn) => variants.map(([label, mutate, field]) => [fn, label, mutate, field] as const));

  it.each(cases)('%s: %s → 400 InvalidEventError naming the field', async (fn, _label, mutate, field) => {
    const response = (await HANDLERS[fn](mutate(proxy()))) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(400);
    const body = bodyOf(response as never);
    expect(body.error).toBe('InvalidEventError');
    expect((body.problems as string[]).some((p) => p.startsWith(`${field}:`)), body.problems.join('\n')).toBe(true);
  });

  it.each(['api', 'webhook'])('%s: a null event → 400', async (fn) => {
    const response = (await HANDLERS[fn](null)) as { statusCode: number };
    expect(response.statusCode).toBe(400);
  });
});

// ---- AWS's own sample events (EventBridge docs), with fields the local stack does not send ----

function awsObjectCreated(): Json {
  return {
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '111122223333',
    time: '2021-11-12T00:00:00Z',
    region: 'ca-central-1',
    resources: ['arn:aws:s3:::example-bucket'],
    detail: {
      version: '0',
      bucket: { name: 'example-bucket' },
      object: { key: 'inbox/example-key.json', size: 5, etag: 'b1946ac92492d2347c6235b4d2611184', 'version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e', sequencer: '617f08299329d189' },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      'source-ip-address': '1.2.3.4',
      reason: 'PutObject',
    },
  };
}

function awsStatusChange(): Json {
  return {
    version: '0',
    id: '315c1398-40ff-a850-213b-158f73e60175',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '123456789012',
    time: '2019-02-26T19:42:21Z',
    region: 'us-east-1',
    resources: ['arn:aws:states:us-east-1:123456789012:execution:state-machine-name:execution-name'],
    detail: {
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:state-machine-name:20261125-1042-film-3f9c2a7be41d08c6',
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:state-machine',
      name: '20261125-1042-film-3f9c2a7be41d08c6',
      status: 'FAILED',
      startDate: 1551225146847,
      stopDate: 1551225151881,
      input: '{}',
      inputDetails: { included: true },
      output: null,
      outputDetails: null,
      error: 'States.Timeout',
      cause: null,
      redriveCount: 0,
    },
  };
}
