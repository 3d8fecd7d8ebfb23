// Validate the storyboard and write the plan (first state of the machine).
import { loadConfig } from '../adapters/config';
import { prepareRun } from '../workflow/prepare-run';
import { lambdaHandler } from './lambda-handler';
import { prepareEvent } from './events';

export const handler = lambdaHandler(
  { name: 'prepare', schema: prepareEvent, keys: ({ runId }) => ({ runId }) },
  async (event) => prepareRun(loadConfig(), event.runId, event.request),
);
