// Fallback after a wait timed out: the prediction's result, or PredictionStillRunning to retry.
import { loadConfig } from '../adapters/config';
import { pollPrediction } from '../workflow/resume-task';
import { lambdaHandler } from './lambda-handler';
import { pollEvent } from './events';

export const handler = lambdaHandler(
  { name: 'poll', schema: pollEvent, keys: ({ runId, step }) => ({ runId, step }) },
  async (event) => pollPrediction(loadConfig(), event.runId, event.step),
);
