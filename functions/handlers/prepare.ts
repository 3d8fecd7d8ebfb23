// Validate the storyboard and write the plan (first state of the machine).
import { loadConfig } from '../adapters/config';
import { prepareRun } from '../workflow/prepare-run';
import { runIdForExecution } from '../domain/execution';
import { lambdaHandler } from './lambda-handler';
import { prepareEvent } from './events';

export const handler = lambdaHandler(
  { name: 'prepare', schema: prepareEvent, keys: ({ runId, startedAt }) => ({ runId: runIdForExecution(runId, startedAt) }) },
  async (event) => prepareRun(loadConfig(), event),
);
