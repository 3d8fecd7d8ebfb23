// The ASL file is the single source of truth: validate it, and check that every placeholder has a
// function, every error name it matches exists in code, and every wait has an explicit timeout.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ASL_PATH, taskFunctionsOf } from '../../functions/catalog';
import * as errors from '../../functions/domain/errors';
import { LocalStepFunctions, localFunctionArn, walkStates } from '../../local/step-functions';
import { HANDLERS } from '../../local/handlers';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator') as (definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }) => { isValid: boolean; errorsText: (sep?: string) => string };

type State = Record<string, any>;
const text = readFileSync(ASL_PATH, 'utf8');
const placeholders = [...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]))];

function substituted(): string {
  let out = text;
  for (const fn of taskFunctionsOf('run')) out = out.split(`\${${fn.placeholder}}`).join(localFunctionArn('us-east-1', fn.name));
  return out;
}

const allStates = (states: Record<string, State>) => [...walkStates(states)] as [string, State][];

const definition = JSON.parse(substituted());
const states = allStates(definition.States);

describe('statemachine/longshot.asl.json', () => {
  it('is valid ASL once every placeholder is substituted', () => {
    // The validator annotates what it is given; keep our copy pristine.
    const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('uses exactly the placeholders the function catalog substitutes, and none is left over', () => {
    const catalog = taskFunctionsOf('run').map((f) => f.placeholder!);
    expect(placeholders.sort()).toEqual([...catalog].sort());
    expect(substituted()).not.toMatch(/\$\{/);
  });

  it('is JSONPath only: no JSONata, no Assign (aws-local-stepfunctions ignores them silently)', () => {
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    for (const [name, state] of states) {
      expect(state.QueryLanguage, name).toBeUndefined();
      expect(state.Assign, name).toBeUndefined();
      expect(state.Arguments, name).toBeUndefined();
    }
  });

  it('bounds a whole run (6 h) so a stuck execution cannot wait forever', () => {
    expect(definition.TimeoutSeconds).toBe(21_600);
  });

  it('gives every Task an explicit TimeoutSeconds (the local default is 60 s) and callback tasks a token', () => {
    const tasks = states.filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThanOrEqual(8);
    for (const [name, task] of tasks) {
      expect(task.TimeoutSeconds, name).toBeGreaterThan(0);
      if (task.Resource.endsWith('.waitForTaskToken')) {
        expect(task.Parameters.Payload['taskToken.$'], name).toBe('$$.Task.Token');
        const timeoutCatch = task.Catch.find((c: State) => c.ErrorEquals.includes('States.Timeout'));
        expect(timeoutCatch?.ErrorEquals, name).toContain('States.HeartbeatTimeout');
        expect(timeoutCatch?.Next, name).toMatch(/^Start\w+Polls$/);
      }
    }
  });

  it('matches and raises only error names that exist (States.*, Lambda.* or classes in functions/domain/errors.ts)', () => {
    const known = new Set(Object.keys(errors).filter((k) => k.endsWith('Error')));
    for (const [name, state] of states) {
      const raised = state.Parameters?.Error ? [state.Parameters.Error] : [];
      for (const error of [...raised, ...[...(state.Retry ?? []), ...(state.Catch ?? [])].flatMap((rule: State) => rule.ErrorEquals as string[])]) {
        if (error.startsWith('States.') || error.startsWith('Lambda.')) continue;
        expect(known.has(error), `${name} names unknown error ${error}`).toBe(true);
      }
    }
  });

  it('never retries a still-running prediction as a Lambda error: polls loop with Choice + Wait + a counter', () => {
    expect(text).not.toContain('PredictionStillRunning');
    const byName = Object.fromEntries(states);
    for (const [poll, done, wait, count, exhausted, result, counter] of [
      ['PollAnchor', 'AnchorPollDone', 'WaitBeforeAnchorPoll', 'CountAnchorPoll', 'AnchorPollsExhausted', '$.anchorResult', '$.anchorPolls'],
      ['PollClip', 'ClipPollDone', 'WaitBeforeClipPoll', 'CountClipPoll', 'ClipPollsExhausted', '$.result', '$.polls'],
      ['PollKeyframe', 'KeyframePollDone', 'WaitBeforeKeyframePoll', 'CountKeyframePoll', 'KeyframePollsExhausted', '$.result', '$.polls'],
    ]) {
      expect(byName[poll]).toMatchObject({ ResultSelector: { 'done.$': '$.Payload.done', 'prediction.$': '$.Payload.prediction' }, ResultPath: result, Next: done });
      expect(byName[done].Choices[0]).toMatchObject({ Variable: `${result}.done`, BooleanEquals: true });
      expect(byName[done].Choices[1]).toMatchObject({ Variable: `${counter}.count`, Next: wait });
      expect(byName[done].Default).toBe(exhausted);
      expect(byName[wait]).toMatchObject({ Type: 'Wait', Next: count });
      expect(byName[count]).toMatchObject({ Type: 'Pass', Parameters: { 'count.$': `States.MathAdd(${counter}.count, 1)` }, ResultPath: counter, Next: poll });
      expect(byName[exhausted].Parameters.Error).toBe('PredictionTimedOutError');
    }
  });

  it('regenerates the anchor and each scene the same bounded way, from the webhook and the poll path alike', () => {
    const byName = Object.fromEntries(states);
    const loops = [
      { regenerate: 'AnchorRegenerateOrFail', next: 'NextAnchorAttempt', counter: '$.anchorTry.attempt', out: 'AnchorFailed', start: 'Anchor' },
      { regenerate: 'RegenerateOrFail', next: 'NextAttempt', counter: '$.attempt', out: 'SceneFailed', start: 'Clip' },
      { regenerate: 'KeyframeRegenerateOrFail', next: 'NextKeyframeAttempt', counter: '$.attempt', out: 'KeyframeFailed', start: 'Keyframe' },
    ];
    for (const loop of loops) {
      expect(byName[loop.regenerate]).toMatchObject({ Type: 'Choice', Default: loop.out });
      expect(byName[loop.regenerate].Choices).toEqual([{ Variable: loop.counter, NumericLessThan: 3, Next: loop.next }]);
      expect(byName[loop.next].Next).toBe(loop.start);
      expect(JSON.stringify(byName[loop.next].Parameters)).toContain(`States.MathAdd(${loop.counter}, 1)`);
    }
    expect(byName.FirstAnchorAttempt).toMatchObject({ Result: { attempt: 1 }, ResultPath: '$.anchorTry', Next: 'Anchor' });
    expect(definition.States.Scenes.ItemSelector.attempt).toBe(1);
    // The attempt travels to the start handler: a retried invoke of the same attempt reuses its prediction.
    expect(byName.Anchor.Parameters.Payload['attempt.$']).toBe('$.anchorTry.attempt');
    expect(byName.Clip.Parameters.Payload['attempt.$']).toBe('$.attempt');
    expect(byName.AnchorFailed).toMatchObject({ InputPath: '$.anchorError', ResultPath: '$.failure.Anchor', Next: 'RecordFailure' });
    expect(byName.SceneFailed).toMatchObject({ Type: 'Fail', ErrorPath: '$.lastError.Error', CausePath: '$.lastError.Cause' });
    expect(byName.KeyframeFailed).toMatchObject({ Type: 'Fail', ErrorPath: '$.lastError.Error', CausePath: '$.lastError.Cause' });
    expect(definition.States.Keyframes.ItemSelector.attempt).toBe(1);
    expect(byName.Keyframe.Parameters.Payload['attempt.$']).toBe('$.attempt');
  });

  it('strategy keyframes: keyframes after the anchor, all at once, then the scenes; other strategies go straight to the scenes', () => {
    for (const store of ['StoreAnchor', 'StoreProvidedAnchor']) expect(definition.States[store].Next).toBe('KeyframesOrScenes');
    expect(definition.States.KeyframesOrScenes).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.plan.strategy', StringEquals: 'keyframes', Next: 'Keyframes' }],
      Default: 'Scenes',
    });
    expect(definition.States.Keyframes).toMatchObject({ Type: 'Map', ItemsPath: '$.plan.keyframes', MaxConcurrency: 0, Next: 'Scenes' });
    // The anchor function starts a keyframe; StoreOutput stores it.
    const raw = JSON.parse(text).States.Keyframes.ItemProcessor.States;
    expect(raw.Keyframe.Parameters.FunctionName).toBe('${AnchorFunctionArn}');
    expect(definition.States.Keyframes.ItemProcessor.States.StoreKeyframe.Parameters.Payload.kind).toBe('keyframe');
  });

  it('sends every top-level failure to the one RecordFailure path, naming the state', () => {
    for (const [name, state] of Object.entries(definition.States) as [string, State][]) {
      if (!['Task', 'Map'].includes(state.Type) || name === 'RecordFailure') continue;
      const catchAll = state.Catch?.find((c: State) => c.ErrorEquals.includes('States.ALL'));
      expect(catchAll, name).toMatchObject({ Next: 'RecordFailure', ResultPath: `$.failure.${name}` });
    }
    expect(definition.States.Failed).toMatchObject({ Type: 'Fail', ErrorPath: '$.error', CausePath: '$.cause' });
  });

  it('runs scenes in order for chain (MaxConcurrency from the plan) and every state is reachable', () => {
    expect(definition.States.Scenes.MaxConcurrencyPath).toBe('$.plan.maxConcurrency');
    const reachable = new Set<string>();
    const visit = (group: Record<string, State>, start: string) => {
      const queue = [start];
      while (queue.length) {
        const name = queue.pop()!;
        if (reachable.has(name)) continue;
        reachable.add(name);
        const s = group[name];
        if (s.ItemProcessor) visit(s.ItemProcessor.States, s.ItemProcessor.StartAt);
        for (const branch of s.Branches ?? []) visit(branch.States, branch.StartAt);
        for (const next of [s.Next, s.Default, ...(s.Choices ?? []).map((c: State) => c.Next), ...(s.Catch ?? []).map((c: State) => c.Next)]) if (next) queue.push(next);
      }
    };
    visit(definition.States, definition.StartAt);
    expect(states.map(([name]) => name).filter((n) => !reachable.has(n))).toEqual([]);
  });

  it('loads into the local engine with a handler for every function', () => {
    expect(() => new LocalStepFunctions({ region: 'us-east-1', handlers: HANDLERS })).not.toThrow();
    const { prepare: _omit, ...missing } = HANDLERS;
    expect(() => new LocalStepFunctions({ region: 'us-east-1', handlers: missing })).toThrow(/prepare/);
  });
});
