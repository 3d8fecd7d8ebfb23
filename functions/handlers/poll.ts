// After a wait timed out: the prediction as it is now ({done, prediction}); the state machine waits
// and polls again while it runs. A failed or timed-out prediction is the same named error the webhook sends.
import { loadConfig } from '../adapters/config';
import { pollPrediction } from '../workflow/resume-task';
import { lambdaHandler } from './lambda-handler';
import { pollEvent } from './events';

export const handler = lambdaHandler(
  { name: 'poll', schema: pollEvent, keys: ({ runId, step }) => ({ runId, step }) },
  async (event) => pollPrediction(loadConfig(), event.runId, event.step),
);
