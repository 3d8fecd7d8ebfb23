// The local engine's event log as AWS's GetExecutionHistory events: names, detail keys, what AWS
// has no event for.
import { describe, expect, it } from 'vitest';
import { executionHistory } from '../../local/sfn-history';
import type { Execution, ProgressEvent } from '../../local/step-functions';

const definition = {
  States: {
    Prepare: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke' },
    Scenes: { Type: 'Map', ItemProcessor: { States: { Clip: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken' } } } },
    Failed: { Type: 'Fail' },
  },
};

const historyOf = (events: Omit<ProgressEvent, 'at'>[], execution: Partial<Execution> = {}) =>
  executionHistory({ history: events.map((e, i) => ({ ...e, at: 1_000 + i })), ...execution } as Execution, definition);

describe('executionHistory', () => {
  it('records a failed Task attempt as TaskFailed with the resource, error and cause', () => {
    const [event] = historyOf([{ type: 'StateFailed', state: 'Clip', stateType: 'Task', error: 'PredictionFailedError', cause: 'scene-1: boom' }]);
    expect(event).toEqual({
      id: 1,
      previousEventId: 0,
      timestamp: 1,
      type: 'TaskFailed',
      taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken', error: 'PredictionFailedError', cause: 'scene-1: boom' },
    });
  });

  it('drops what AWS has no event for (retries, catches, a Fail state exiting)', () => {
    const events = historyOf([
      { type: 'StateRetried', state: 'Prepare', stateType: 'Task' },
      { type: 'StateCaught', state: 'Prepare', stateType: 'Task' },
      { type: 'StateEntered', state: 'Failed', stateType: 'Fail' },
      { type: 'StateExited', state: 'Failed', stateType: 'Fail' },
    ]);
    expect(events.map((e) => e.type)).toEqual(['FailStateEntered']);
    expect(events[0]).toMatchObject({ id: 1, stateEnteredEventDetails: { name: 'Failed' } });
  });

  it('takes an aborted execution’s error and cause from the stop', () => {
    const [event] = historyOf([{ type: 'ExecutionAborted' }], { error: 'Interrupted', cause: 'stopped' });
    expect(event).toMatchObject({ type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'Interrupted', cause: 'stopped' } });
  });
});
