// The state machine's one failure path: record state, error and cause; cancel running predictions.
import { loadConfig } from '../adapters/config';
import { recordFailure } from '../workflow/end-run';
import { endingCount } from '../adapters/observability';
import { lambdaHandler } from './lambda-handler';
import { recordFailureEvent } from './events';
import { runCost } from './run-cost';
import { runIdForExecution } from '../domain/execution';

export const handler = lambdaHandler(
  { name: 'record-failure', schema: recordFailureEvent, keys: ({ runId, startedAt }) => ({ runId: runIdForExecution(runId, startedAt) }) },
  async (event) => recordFailure(loadConfig(), event),
  // Only the failure that became the run's ending counts (once): not one that found a cancel or a
  // film recorded first, nor one that could not be recorded (execution-ended records and counts it).
  {
    metrics: async ({ event, result }) =>
      result?.recorded ? [...endingCount('failed'), ...(await runCost(runIdForExecution(event.runId, event.startedAt)))] : [],
  },
);
