// The two ways a waiting task ends: a verified webhook, or a poll after the wait timed out.
// Both produce the same task result, and neither resumes anything twice: the one delivery that
// claims the callback record (a conditional write) is the one that sends the task result.
import { cancelAfterCeilingSeconds, type RuntimeConfig } from '../adapters/config';
import { getPrediction } from '../adapters/replicate';
import { verifyReplicateWebhook } from '../adapters/webhook-signature';
import { sendTaskFailure, sendTaskSuccess, type TaskOutcome } from '../adapters/sfn';
import { loadCallback, updateCallback } from '../adapters/run-store';
import { logger } from '../adapters/logger';
import { isRunId, isStepName } from '../domain/run-keys';
import { claimed, decideDelivery, released, type CallbackRecord, type DeliveryDecision } from '../domain/callbacks';
import { isTerminal, predictionError, toPredictionResult, type PredictionLike, type PredictionResult } from '../domain/replicate-inputs';
import { MissingObjectError, WebhookRejectedError } from '../domain/errors';
import { settleSpend } from '../adapters/spend-ledger';

export interface WebhookRequest {
  rawBody: string;
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
}

/**
 * resumed / duplicate / not-terminal / stale-prediction: done, Replicate may stop (2xx).
 * not-recorded (the create call has not answered yet) and late (the token closed; a retried start
 * may re-point the record): Replicate should deliver again (non-2xx).
 */
export type WebhookOutcome = 'resumed' | 'duplicate' | 'late' | 'not-terminal' | 'stale-prediction' | 'not-recorded';

export const RETRY_LATER: readonly WebhookOutcome[] = ['late', 'not-recorded'];

/** What a waiting task receives from the webhook; the poll adds `done`. */
export interface TaskResult {
  prediction: PredictionResult;
}

/** Rounds of claim → send → release when the record is re-pointed under a delivery. */
const DELIVERY_ROUNDS = 3;

/** Verifies a Replicate webhook and resumes the task it belongs to. */
export async function handleWebhook(config: RuntimeConfig, request: WebhookRequest): Promise<WebhookOutcome> {
  const { run, step } = request.query;
  if (!isRunId(run) || !isStepName(step)) throw new WebhookRejectedError('query must carry a valid run and step');
  const webhook = await verifyReplicateWebhook(config, request.rawBody, request.headers);
  const payload = webhook.payload as PredictionLike | null;
  if (!payload || typeof payload.id !== 'string' || typeof payload.status !== 'string') {
    throw new WebhookRejectedError('webhook rejected: the body is not a prediction');
  }
  const outcome = await deliver(config, run, step, toPredictionResult(payload), `webhook ${webhook.id}`);
  const log = outcome === 'resumed' || outcome === 'duplicate' ? logger.info : logger.warn;
  log.call(logger, 'webhook handled', { runId: run, step, predictionId: payload.id, outcome });
  return outcome;
}

/** What each decision but a claim answers. */
const ANSWERS: Record<Exclude<DeliveryDecision, 'claim'>, WebhookOutcome> = {
  unknown: 'not-recorded',
  stale: 'stale-prediction',
  'not-terminal': 'not-terminal',
  duplicate: 'duplicate',
};

async function deliver(config: RuntimeConfig, runId: string, step: string, prediction: PredictionResult, by: string): Promise<WebhookOutcome> {
  const deadline = cancelAfterCeilingSeconds(config); // before claiming: a claim must not be left behind by a config error
  // Every terminal report counts, a superseded attempt's too: what it cost is spent either way.
  if (isTerminal(prediction.status)) await settleSpend(config, runId, prediction.id, prediction);
  for (let round = 1; round <= DELIVERY_ROUNDS; round++) {
    let decision = 'missing' as DeliveryDecision | 'missing';
    const now = new Date().toISOString();
    const stored = await updateCallback(config, runId, step, (current) => {
      decision = current ? decideDelivery(current, prediction.id, isTerminal(prediction.status)) : 'missing';
      return decision === 'claim' && current ? claimed(current, by, prediction.status, now) : undefined;
    });
    if (decision === 'missing') throw new MissingObjectError(`no task waits for ${runId}/${step}`);
    if (decision !== 'claim') return ANSWERS[decision];
    const record = stored!;
    if ((await sendResult(config, record, prediction, record.cancelAfterSec ?? deadline)) === 'resumed') return 'resumed';
    // The token closed (a retried start, or the wait timed out): give the claim back so the
    // task the record points to now can still get this result.
    const after = await updateCallback(config, runId, step, (current) => released(current, { taskToken: record.taskToken, resumedBy: by }));
    if (!after || after.taskToken === record.taskToken || after.resumedAt) return 'late';
  }
  return 'late';
}

async function sendResult(config: RuntimeConfig, record: CallbackRecord, prediction: PredictionResult, deadline: number): Promise<TaskOutcome> {
  const failure = predictionError(record.step, prediction, deadline);
  try {
    return failure
      ? await sendTaskFailure(config, record.taskToken, failure.name, failure.message)
      : await sendTaskSuccess(config, record.taskToken, { prediction } satisfies TaskResult);
  } catch (error) {
    // Not sent (throttled, network): free the claim so Replicate's next delivery can try again.
    await updateCallback(config, record.runId, record.step, (current) =>
      released(current, { taskToken: record.taskToken, resumedBy: record.resumedBy! }),
    );
    throw error;
  }
}

/** The poll's answer: the prediction as it is now, and whether it ended (the state machine polls again if not). */
export interface PollResult extends TaskResult {
  done: boolean;
}

/**
 * The poll path: the wait timed out (or webhooks are off). Running → {done: false}; succeeded →
 * {done: true, prediction}; failed/canceled/timed out → the same named error the webhook path sends.
 */
export async function pollPrediction(config: RuntimeConfig, runId: string, step: string): Promise<PollResult> {
  const callback = await loadCallback(config, runId, step);
  if (!callback?.predictionId) throw new MissingObjectError(`${step}: no prediction was recorded for run ${runId}`);
  const prediction = await getPrediction(config, callback.predictionId);
  if (!isTerminal(prediction.status)) return { done: false, prediction };
  await settleSpend(config, runId, prediction.id, prediction);
  const now = new Date().toISOString();
  // From here on a late webhook for this step changes nothing.
  await updateCallback(config, runId, step, (current) =>
    current?.predictionId === prediction.id ? claimed(current, 'poll', prediction.status, now) : undefined,
  );
  const error = predictionError(step, prediction, callback.cancelAfterSec ?? cancelAfterCeilingSeconds(config));
  if (error) throw error;
  return { done: true, prediction };
}
