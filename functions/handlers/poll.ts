// After a wait timed out: the prediction as it is now ({done, prediction}); the state machine waits
// and polls again while it runs. A failed or timed-out prediction is the same named error the webhook sends.
import { loadConfig } from '../adapters/config';
import { pollPrediction } from '../workflow/resume-task';

export const handler = async (event: { runId: string; step: string }) =>
  pollPrediction(loadConfig(), event.runId, event.step);
