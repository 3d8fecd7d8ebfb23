// The state machine's one failure path: record state, error and cause; cancel running predictions.
import { loadConfig } from '../adapters/config';
import { recordFailure } from '../workflow/end-run';
import { count } from '../adapters/observability';
import { lambdaHandler } from './lambda-handler';
import { recordFailureEvent } from './events';
import { runCost } from './run-cost';
import { runIdForExecution } from '../domain/execution';

export const handler = lambdaHandler(
  { name: 'record-failure', schema: recordFailureEvent, keys: ({ runId, startedAt }) => ({ runId: runIdForExecution(runId, startedAt) }) },
  async (event) => recordFailure(loadConfig(), event),
  // The run failed even when recording it did not (the machine then ends in FailedUnrecorded).
  { metrics: async ({ event }) => [count('RunsFailed'), ...(await runCost(runIdForExecution(event.runId, event.startedAt)))] },
);
