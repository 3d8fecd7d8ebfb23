// The ASL file is the single source of truth: validate it, and check that every placeholder has a
// function, every error name it matches exists in code, and every wait has an explicit timeout.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ASL_PATH, FUNCTIONS } from '../../functions/catalog';
import * as errors from '../../functions/domain/errors';
import { LocalStepFunctions, localFunctionArn } from '../../local/step-functions';
import { HANDLERS } from '../../local/handlers';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator') as (definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }) => { isValid: boolean; errorsText: (sep?: string) => string };

type State = Record<string, any>;
const text = readFileSync(ASL_PATH, 'utf8');
const placeholders = [...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]))];

function substituted(): string {
  let out = text;
  for (const fn of FUNCTIONS) if (fn.placeholder) out = out.split(`\${${fn.placeholder}}`).join(localFunctionArn('us-east-1', fn.name));
  return out;
}

function allStates(states: Record<string, State>): [string, State][] {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, State],
    ...(state.ItemProcessor ? allStates(state.ItemProcessor.States) : []),
  ]);
}

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
    const catalog = FUNCTIONS.flatMap((f) => (f.placeholder ? [f.placeholder] : []));
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
        expect(timeoutCatch?.Next, name).toMatch(/^Poll/);
      }
    }
  });

  it('matches only error names that exist (States.* or classes in functions/domain/errors.ts)', () => {
    const known = new Set(Object.keys(errors).filter((k) => k.endsWith('Error') || k === 'PredictionStillRunning'));
    for (const [name, state] of states) {
      for (const rule of [...(state.Retry ?? []), ...(state.Catch ?? [])]) {
        for (const error of rule.ErrorEquals as string[]) {
          if (error.startsWith('States.') || error.startsWith('Lambda.')) continue;
          expect(known.has(error), `${name} matches unknown error ${error}`).toBe(true);
        }
      }
    }
  });

  it('retries rate limits and failed predictions on the waits, and polls while a prediction runs', () => {
    const byName = Object.fromEntries(states);
    for (const wait of ['Anchor', 'Clip']) {
      const retried = byName[wait].Retry.flatMap((r: State) => r.ErrorEquals);
      expect(retried).toContain('RateLimitedError');
      expect(retried).not.toContain('PredictionCanceledError');
    }
    expect(byName.Anchor.Retry.flatMap((r: State) => r.ErrorEquals)).toContain('PredictionFailedError');
    // A scene whose prediction fails (webhook or poll) or whose clip does not decode is generated
    // again by the iteration's own loop, a bounded number of times.
    for (const [state, error] of [['Clip', 'PredictionFailedError'], ['PollClip', 'PredictionFailedError'], ['StoreClip', 'OutputInvalidError']]) {
      expect(byName[state].Catch.find((c: State) => c.ErrorEquals.includes(error))?.Next, state).toBe('RegenerateOrFail');
    }
    expect(byName.RegenerateOrFail.Choices[0]).toMatchObject({ Variable: '$.attempt', NumericLessThan: 3, Next: 'NextAttempt' });
    expect(byName.NextAttempt.Parameters['attempt.$']).toBe('States.MathAdd($.attempt, 1)');
    expect(byName.SceneFailed).toMatchObject({ Type: 'Fail', ErrorPath: '$.lastError.Error' });
    for (const poll of ['PollAnchor', 'PollClip']) {
      expect(byName[poll].Retry.flatMap((r: State) => r.ErrorEquals)).toContain('PredictionStillRunning');
    }
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
