// The two ways a waiting task ends: a verified webhook, or a poll after the wait timed out.
// Both produce the same task result, and neither resumes anything twice.
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { RuntimeConfig } from '../adapters/config';
import { getPrediction, webhookSigningSecret } from '../adapters/replicate';
import { sendTaskFailure, sendTaskSuccess } from '../adapters/sfn';
import { loadCallback, saveCallback, type CallbackRecord } from '../adapters/run-store';
import { logger } from '../adapters/logger';
import { isRunId, isStepName } from '../domain/run-keys';
import { isTerminal, predictionError, toPredictionResult, type PredictionLike, type PredictionResult } from '../domain/replicate-inputs';
import { MissingObjectError, WebhookRejectedError } from '../domain/errors';

export interface WebhookRequest {
  rawBody: string;
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
}

export type WebhookOutcome =
  | 'resumed'
  | 'duplicate'
  | 'late'
  | 'not-terminal'
  | 'stale-prediction';

/** What a waiting task receives, from the webhook or the poll alike. */
export interface TaskResult {
  prediction: PredictionResult;
}

const lowerCaseKeys = (headers: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v ?? '']));

/**
 * Verifies a Replicate webhook (Standard Webhooks: HMAC over id.timestamp.rawBody, ±tolerance,
 * constant-time compare inside the library) and resumes the task it belongs to.
 */
export async function handleWebhook(config: RuntimeConfig, request: WebhookRequest): Promise<WebhookOutcome> {
  const { run, step } = request.query;
  if (!isRunId(run) || !isStepName(step)) throw new WebhookRejectedError('query must carry a valid run and step');

  const secret = await webhookSigningSecret(config);
  const headers = lowerCaseKeys(request.headers);
  let payload: PredictionLike;
  try {
    const verifier = new Webhook(secret);
    // The library's fixed tolerance is 5 minutes, which is Replicate's recommendation.
    payload = verifier.verify(request.rawBody, headers) as PredictionLike;
  } catch (error) {
    const reason = error instanceof WebhookVerificationError ? error.message : 'malformed request';
    throw new WebhookRejectedError(`webhook rejected: ${reason}`);
  }

  const callback = await loadCallback(config, run, step);
  if (!callback) throw new MissingObjectError(`no task waits for ${run}/${step}`);
  if (!payload?.id || payload.id !== callback.predictionId) {
    // A prediction from an earlier attempt of this step: signed, but nobody waits for it.
    logger.warn('webhook for a prediction nobody waits for', { runId: run, step, predictionId: payload?.id });
    return 'stale-prediction';
  }
  const prediction = toPredictionResult(payload);
  if (!isTerminal(prediction.status)) return 'not-terminal';
  if (callback.resumedAt) return 'duplicate';
  return resume(config, callback, prediction, `webhook ${headers['webhook-id']}`);
}

async function resume(
  config: RuntimeConfig,
  callback: CallbackRecord,
  prediction: PredictionResult,
  by: string,
): Promise<'resumed' | 'late'> {
  const failure = predictionError(callback.step, prediction);
  const outcome = failure
    ? await sendTaskFailure(config, callback.taskToken, failure.name, failure.message)
    : await sendTaskSuccess(config, callback.taskToken, { prediction } satisfies TaskResult);
  await saveCallback(config, {
    ...callback,
    resumedAt: new Date().toISOString(),
    resumedBy: outcome === 'resumed' ? by : `${by} (task already closed)`,
    outcome: prediction.status,
  });
  logger.info('task result sent', { runId: callback.runId, step: callback.step, predictionId: prediction.id, outcome, by });
  return outcome === 'resumed' ? 'resumed' : 'late';
}

/**
 * The poll path: the wait timed out (or webhooks are off). Terminal → the task result itself;
 * running → PredictionStillRunning, which the state machine retries with backoff.
 */
export async function pollPrediction(config: RuntimeConfig, runId: string, step: string): Promise<TaskResult> {
  const callback = await loadCallback(config, runId, step);
  if (!callback?.predictionId) throw new MissingObjectError(`${step}: no prediction was recorded for run ${runId}`);
  const prediction = await getPrediction(config, callback.predictionId);
  const error = predictionError(step, prediction);
  if (isTerminal(prediction.status) && !callback.resumedAt) {
    // From here on a late webhook for this step changes nothing.
    await saveCallback(config, { ...callback, resumedAt: new Date().toISOString(), resumedBy: 'poll', outcome: prediction.status });
  }
  if (error) throw error;
  return { prediction };
}
