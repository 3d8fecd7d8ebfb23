// A Task that gives up before its Lambda does abandons work that is still running (and retries it
// next to the first attempt): every Task of the ASL must wait at least its function's timeout plus a
// margin. Callback tasks (.waitForTaskToken) are excluded: their wait is for the webhook, not the Lambda.
import { walkStates } from '../../local/step-functions';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ASL_PATH } from '../../functions/catalog';
import { synthesize, type SynthesizedStack } from './template';

/** Cold start and invoke overhead on top of the function's own timeout. */
const MARGIN_SECONDS = 30;

type State = { Type: string; Resource?: string; TimeoutSeconds?: number; Parameters?: Record<string, unknown>; ItemProcessor?: { States: Record<string, State> }; Iterator?: { States: Record<string, State> } };

const lambdaTasks = (states: Record<string, State>) =>
  ([...walkStates(states as never)] as [string, State][]).filter(([, state]) => state.Type === 'Task' && state.Resource?.startsWith('arn:aws:states:::lambda:invoke'));

const asl = JSON.parse(readFileSync(ASL_PATH, 'utf8')) as { States: Record<string, State> };
const tasks = lambdaTasks(asl.States);
const synchronous = tasks.filter(([, task]) => !task.Resource!.endsWith('.waitForTaskToken'));

let stack: SynthesizedStack;
beforeAll(() => {
  stack = synthesize();
});

/** The Lambda timeout of the function a Task's `${Placeholder}` names in the synthesized template. */
function functionTimeout(task: State): number {
  const placeholder = /^\$\{(\w+)\}$/.exec(String(task.Parameters?.FunctionName))?.[1];
  const [, machine] = stack.ofType('AWS::StepFunctions::StateMachine')[0];
  const functionId = machine.Properties.DefinitionSubstitutions[placeholder!]['Fn::GetAtt'][0];
  return stack.resources[functionId].Properties.Timeout;
}

describe('Task timeouts against Lambda timeouts', () => {
  it('finds the synchronous Lambda tasks of the ASL', () => {
    expect(synchronous.map(([name]) => name)).toEqual(
      expect.arrayContaining(['Prepare', 'PollAnchor', 'StoreAnchor', 'StoreProvidedAnchor', 'PollClip', 'StoreClip', 'JoinFilm', 'RecordFailure']),
    );
  });

  it.each(synchronous)('%s waits at least its function’s timeout plus the margin', (name, task) => {
    const lambdaTimeout = functionTimeout(task);
    expect(lambdaTimeout, `${name}: function timeout`).toBeGreaterThan(0);
    expect(task.TimeoutSeconds, `${name}: TimeoutSeconds vs Lambda timeout ${lambdaTimeout} s`).toBeGreaterThanOrEqual(lambdaTimeout + MARGIN_SECONDS);
  });
});
