// Validate the storyboard and write the plan (first state of the machine).
import { loadConfig } from '../adapters/config';
import { prepareRun, type RunRequest } from '../workflow/prepare-run';

export const handler = async (event: { runId: string; request: RunRequest }) =>
  prepareRun(loadConfig(), event.runId, event.request);
