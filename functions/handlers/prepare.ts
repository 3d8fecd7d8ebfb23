// Validate the storyboard and write the plan (first state of the machine).
import { loadConfig } from '../adapters/config';
import { prepareRun, type PrepareInput } from '../workflow/prepare-run';

export const handler = async (event: PrepareInput) => prepareRun(loadConfig(), event);
