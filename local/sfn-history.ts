// GetExecutionHistory for the local engine: its event log in the shape AWS's API returns (event
// types, ids, previousEventId, *EventDetails), so the AWS CLI and SDKs read it as they read AWS's.
// Inputs and outputs are never included: callback task inputs carry task tokens.
import { walkStates, type AslState, type Execution, type ProgressEvent } from './step-functions';

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

/** An AWS event type, and its details under the key AWS uses (StateEntered events share one key). */
/** The state events AWS's HistoryEventType knows (there is no FailStateExited, for one). */
const STATE_EVENTS = new Set(
  ['Choice', 'Map', 'Parallel', 'Pass', 'Succeed', 'Task', 'Wait'].flatMap((type) => [`${type}StateEntered`, `${type}StateExited`]).concat('FailStateEntered'),
);

type Details = [type: string, details?: Record<string, unknown>, key?: string];

const detailsKey = (type: string) => `${type[0].toLowerCase()}${type.slice(1)}EventDetails`;

/** arn:aws:states:::lambda:invoke.waitForTaskToken → { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' } */
function taskResource(state: AslState | undefined) {
  const [resourceType = 'unknown', resource = 'unknown'] = (state?.Resource ?? '').split(':').slice(-2);
  return { resourceType, resource };
}

function translate(event: ProgressEvent, execution: Execution, states: Map<string, AslState>): Details | null {
  const problem = { error: event.error ?? execution.error ?? '', cause: event.cause ?? execution.cause ?? '' };
  switch (event.type) {
    case 'ExecutionStarted':
      return ['ExecutionStarted', { roleArn: 'arn:aws:iam::000000000000:role/longshot-local' }];
    case 'ExecutionSucceeded':
      return ['ExecutionSucceeded', {}];
    case 'ExecutionFailed':
      return ['ExecutionFailed', problem];
    case 'ExecutionAborted':
      return ['ExecutionAborted', problem];
    case 'ExecutionTimeout':
      return ['ExecutionTimedOut', problem];
    case 'StateEntered':
    case 'StateExited': {
      const type = `${event.stateType}${event.type}`;
      return STATE_EVENTS.has(type) ? [type, { name: event.state }, detailsKey(event.type)] : null;
    }
    case 'StateFailed':
      // AWS records a failed attempt of a Task as TaskFailed (a retry is a new TaskScheduled).
      if (event.stateType === 'Task') return ['TaskFailed', { ...taskResource(states.get(event.state!)), ...problem }];
      return event.stateType === 'Map' ? ['MapStateFailed'] : null;
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      return [event.type, { name: event.state, index: event.index }];
    default:
      return null; // StateRetried, StateCaught: no AWS counterpart
  }
}

export function executionHistory(execution: Execution, definition: { States: Record<string, AslState> }): HistoryEvent[] {
  const states = new Map(walkStates(definition.States));
  const events: HistoryEvent[] = [];
  for (const event of execution.history) {
    const translated = translate(event, execution, states);
    if (!translated) continue;
    const [type, details, key = detailsKey(type)] = translated;
    const id = events.length + 1;
    events.push({ id, previousEventId: id - 1, timestamp: event.at / 1000, type, ...(details && { [key]: details }) });
  }
  return events;
}
