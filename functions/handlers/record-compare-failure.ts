// The compare machine's one failure path: record the compare's ending as failed, once.
import { loadConfig } from '../adapters/config';
import { recordCompareFailure } from '../workflow/compares';
import { runIdForExecution } from '../domain/execution';
import { lambdaHandler } from './lambda-handler';
import { recordCompareFailureEvent } from './compare-events';

export const handler = lambdaHandler(
  { name: 'record-compare-failure', schema: recordCompareFailureEvent, keys: ({ compareId, startedAt }) => ({ runId: runIdForExecution(compareId, startedAt) }) },
  async (event) => recordCompareFailure(loadConfig(), event),
);
