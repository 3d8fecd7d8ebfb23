// Fallback after a wait timed out: the prediction's result, or PredictionStillRunning to retry.
import { loadConfig } from '../adapters/config';
import { pollPrediction } from '../workflow/resume-task';

export const handler = async (event: { runId: string; step: string }) =>
  pollPrediction(loadConfig(), event.runId, event.step);
