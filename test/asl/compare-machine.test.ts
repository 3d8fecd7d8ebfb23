// statemachine/compare.asl.json: one parent execution whose Map runs each variant as a child
// execution of the run state machine (startExecution.sync:2), a failed child caught so the others
// finish. Checked statically, then run through the local engines with stub handlers (milliseconds).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMPARE_ASL_PATH, RUN_STATE_MACHINE_PLACEHOLDER, taskFunctionsOf } from '../../functions/catalog';
import { LocalStepFunctions, localFunctionArn, walkStates, type Execution } from '../../local/step-functions';
import { HANDLERS, type AnyHandler } from '../../local/handlers';
import { newRunId } from '../../functions/domain/run-keys';
import { waitUntil } from '../support/wait';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator') as (definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }) => { isValid: boolean; errorsText: (sep?: string) => string };

type State = Record<string, any>;
const text = readFileSync(COMPARE_ASL_PATH, 'utf8');
const RUN_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:longshot';
const substituted = taskFunctionsOf('compare')
  .reduce((out, fn) => out.split(`\${${fn.placeholder}}`).join(localFunctionArn('us-east-1', fn.name)), text)
  .split(`\${${RUN_STATE_MACHINE_PLACEHOLDER}}`)
  .join(RUN_MACHINE);
const definition = JSON.parse(substituted);
const states = new Map([...walkStates(definition.States)] as [string, State][]);

describe('statemachine/compare.asl.json', () => {
  it('is valid ASL, JSONPath only, with exactly the compare functions and the run machine as placeholders', () => {
    const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
    expect(result.errorsText('\n')).toBe('');
    const placeholders = [...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]))].sort();
    expect(placeholders).toEqual([...taskFunctionsOf('compare').map((f) => f.placeholder!), RUN_STATE_MACHINE_PLACEHOLDER].sort());
    for (const [name, state] of states) expect(state.Arguments ?? state.Assign ?? state.QueryLanguage, name).toBeUndefined();
  });

  it('runs each variant with startExecution.sync:2 on the run machine, named by its run id and linked to the parent', () => {
    const map = states.get('Variants')!;
    expect(map).toMatchObject({ Type: 'Map', ItemsPath: '$.compare.runs' });
    const task = map.ItemProcessor.States[map.ItemProcessor.StartAt];
    expect(task.Resource).toBe('arn:aws:states:::states:startExecution.sync:2');
    expect(task.Parameters).toMatchObject({
      StateMachineArn: RUN_MACHINE,
      'Name.$': '$.run.runId',
      Input: { 'storyboard.$': '$.storyboard', 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
    });
    // Longer than a run may last (its own 6 h timeout), so the child always ends first.
    expect(task.TimeoutSeconds).toBeGreaterThan(21_600);
    expect(definition.TimeoutSeconds).toBeGreaterThan(task.TimeoutSeconds);
  });

  it('catches a failed child inside the iteration, so the other variants go on', () => {
    const map = states.get('Variants')!;
    const task = map.ItemProcessor.States[map.ItemProcessor.StartAt];
    expect(task.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'VariantFailed' })]);
    expect(map.ItemProcessor.States.VariantFailed).toMatchObject({ Type: 'Pass', End: true });
  });

  it('routes every other failure to RecordCompareFailure, which ends in Failed', () => {
    for (const name of ['PrepareCompare', 'Variants', 'JoinComparison']) {
      expect(states.get(name)!.Catch, name).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], ResultPath: `$.failure.${name}`, Next: 'RecordCompareFailure' })]);
    }
    expect(states.get('RecordCompareFailure')!.Next).toBe('Failed');
  });
});

// ---- Through the local engines: the compare engine starts children on a run engine ----

const named = (name: string, message = `${name} (scripted)`) => Object.assign(new Error(message), { name });
const dir = mkdtempSync(join(tmpdir(), 'longshot-compare-asl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A one-Task stand-in for the run machine: Prepare answers with what it was started with. */
const childAsl = join(dir, 'child.asl.json');
writeFileSync(
  childAsl,
  JSON.stringify({
    StartAt: 'Prepare',
    States: {
      Prepare: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: '${PrepareFunctionArn}', Payload: { 'runId.$': '$$.Execution.Name', 'request.$': '$' } },
        TimeoutSeconds: 5,
        OutputPath: '$.Payload',
        End: true,
      },
    },
  }),
);

const VARIANTS = [
  { label: 'ltx-2-fast × chain', model: 'ltx-2-fast', strategy: 'chain' },
  { label: 'ltx-2-fast × single', model: 'ltx-2-fast', strategy: 'single' },
  { label: 'ltx-2-pro × chain', model: 'ltx-2-pro', strategy: 'chain' },
];

/** What JoinComparison's Lambda answers (ComparisonResult), with a field the output should not show. */
const comparisonResult = ({ compareId, variants }: { compareId: string; variants: { runId: string; status: string }[] }) => ({
  compareId,
  status: 'succeeded',
  sideBySideKey: `compares/${compareId}/side-by-side.mp4`,
  variants: variants.map((v, i) => ({ label: VARIANTS[i].label, runId: v.runId, outcome: v.status === 'SUCCEEDED' ? 'succeeded' : 'failed', film: v.status === 'SUCCEEDED' ? `runs/${v.runId}/final.mp4` : null })),
  table: 'x'.repeat(10_000),
});

function engines(child: AnyHandler) {
  const joined: unknown[] = [];
  const handlers: Record<string, AnyHandler> = {
    ...HANDLERS,
    prepare: child,
    'prepare-compare': async ({ compareId }) => ({ compareId, runs: VARIANTS.map((v, i) => ({ ...v, runId: newRunId(`variant ${i + 1}`) })) }),
    'join-comparison': async (event) => (joined.push(event), comparisonResult(event)),
    'record-compare-failure': async () => ({ error: 'Recorded', cause: 'recorded' }),
  };
  const runs = new LocalStepFunctions({ region: 'us-east-1', handlers, definitionPath: childAsl });
  const compares = new LocalStepFunctions({ region: 'us-east-1', handlers, machine: 'compare', nested: [runs], retryIntervalMs: 0 });
  return { runs, compares, joined };
}

async function ended(execution: Execution) {
  await execution.done;
  await waitUntil('the event log to end', () => execution.history.some((e) => /^Execution(Succeeded|Failed|Aborted)$/.test(e.type)), { timeoutMs: 5000 });
  return execution;
}

describe('the compare machine on the local engines', () => {
  it('starts one child per variant, linked to the parent, and joins once all have ended, a failed one included', async () => {
    const { runs, compares, joined } = engines(async ({ runId, request }) => {
      if (request.overrides.strategy === 'single') throw named('PredictionFailedError', 'scene-1 failed');
      return { runId, startedBy: request.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID };
    });
    const parent = await ended(compares.startExecution(newRunId('three variants compare'), JSON.stringify({ storyboard: { title: 't' } })));
    expect(parent.status).toBe('SUCCEEDED');
    const children = runs.list();
    expect(children.map((c) => [c.status, JSON.parse(c.input).AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID])).toEqual([
      ['SUCCEEDED', parent.executionArn],
      ['FAILED', parent.executionArn],
      ['SUCCEEDED', parent.executionArn],
    ]);
    expect(joined).toEqual([
      expect.objectContaining({
        variants: children.map((c) => (c.status === 'SUCCEEDED' ? { runId: c.name, status: 'SUCCEEDED' } : { runId: c.name, status: 'FAILED', error: 'States.TaskFailed' })),
      }),
    ]);
  });

  it('ends with an output naming side-by-side.mp4 and each variant’s run, outcome and film (what the console shows)', async () => {
    const { runs, compares } = engines(async ({ runId, request }) => {
      if (request.overrides.strategy === 'single') throw named('PredictionFailedError', 'scene-1 failed');
      return { runId };
    });
    const compareId = newRunId('output compare');
    const parent = await ended(compares.startExecution(compareId, JSON.stringify({ storyboard: { title: 't' } })));
    const [fast, single, pro] = runs.list().map((c) => c.name);
    expect(JSON.parse(parent.output!)).toStrictEqual({
      compareId,
      status: 'succeeded',
      sideBySideKey: `compares/${compareId}/side-by-side.mp4`,
      variants: [
        { label: VARIANTS[0].label, runId: fast, outcome: 'succeeded', film: `runs/${fast}/final.mp4` },
        { label: VARIANTS[1].label, runId: single, outcome: 'failed', film: null },
        { label: VARIANTS[2].label, runId: pro, outcome: 'succeeded', film: `runs/${pro}/final.mp4` },
      ],
    });
  });

  it('fails the task of a failed child with States.TaskFailed and the child DescribeExecution as the cause (as AWS)', async () => {
    const { compares } = engines(async () => {
      throw named('PredictionFailedError', 'scene-1 failed');
    });
    const parent = await ended(compares.startExecution(newRunId('failing compare'), JSON.stringify({ storyboard: {} })));
    const failure = parent.history.find((e) => e.type === 'StateFailed' && e.state === 'RunVariant')!;
    expect(failure.error).toBe('States.TaskFailed');
    expect(JSON.parse(failure.cause!)).toMatchObject({ Status: 'FAILED', Error: 'PredictionFailedError', Cause: 'scene-1 failed', StateMachineArn: RUN_MACHINE });
  });

  it('stops the children when the parent is stopped', async () => {
    const { runs, compares } = engines(() => new Promise(() => undefined));
    const parent = compares.startExecution(newRunId('stopped compare'), JSON.stringify({ storyboard: {} }));
    await waitUntil('three children', () => runs.list().length === 3, { timeoutMs: 5000 });
    compares.stopExecution(parent.executionArn, 'Interrupted', 'stopped by the test');
    await Promise.all(runs.list().map((c) => c.done));
    expect(runs.list().map((c) => c.status)).toEqual(['ABORTED', 'ABORTED', 'ABORTED']);
  });
});
