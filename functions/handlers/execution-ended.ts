// EventBridge "Step Functions Execution Status Change" (FAILED, TIMED_OUT, ABORTED): records runs
// and compares that ended where their state machine's own paths could not run — a stop from the
// console, the execution timeout — and cancels a run's running predictions.
import { loadConfig } from '../adapters/config';
import { recordAnyExecutionEnd } from '../workflow/end-compare';
import { isRunId } from '../domain/run-keys';
import { endingCount } from '../adapters/observability';
import { runStatusOfExecution } from '../domain/ending';
import { lambdaHandler } from './lambda-handler';
import { executionStatusChangeEvent } from './events';
import { runCost } from './run-cost';

export const handler = lambdaHandler(
  {
    name: 'execution-ended',
    schema: executionStatusChangeEvent,
    keys: ({ detail }) => ({ runId: isRunId(detail.name) ? detail.name : undefined }),
  },
  async (event) => recordAnyExecutionEnd(loadConfig(), event.detail),
  {
    // Only ends recorded here (RecordFailure counts its own); a stop from outside (ABORTED) is a cancel.
    metrics: async ({ event, result }) =>
      result?.recorded && result.runId
        ? [...endingCount(runStatusOfExecution(event.detail.status)), ...(await runCost(result.runId))]
        : [],
  },
);
