// Anchor and clip tasks: write the callback record (task token) first, then create the prediction
// with a webhook that names only run and step. The webhook or the poll sends the task result.
// A retried start of the same attempt reuses its prediction; a new attempt cancels the old one.
import { cancelAfterCeilingSeconds, type RuntimeConfig } from '../adapters/config';
import { cancelPrediction, createPrediction } from '../adapters/replicate';
import { exists, presignGet, sha256Of } from '../adapters/s3';
import { sendTaskSuccess } from '../adapters/sfn';
import { findManifest, loadCallback, updateCallback, updateStep } from '../adapters/run-store';
import { logger } from '../adapters/logger';
import type { AnchorPlan, KeyframePlan, ScenePlan } from '../domain/plan';
import { awaitingPrediction, planStart, repointed, withPrediction, type CallbackRecord, type StepTarget } from '../domain/callbacks';
import { cancelAfterFor } from '../domain/prediction-windows';
import { anchorRequest, clipRequest, keyframeRequest, webhookUrl, withWebhook, type CreateRequest } from '../domain/replicate-inputs';
import { MissingObjectError, PredictionCanceledError, ReplicateRequestError } from '../domain/errors';
import { frameByContent, outputHash, reusableKey, reusedResult } from '../domain/reuse';
import type { Billing } from '../domain/spend';
import { notePredictionSpend, reserveSpend, settleSpend } from '../adapters/spend-ledger';

export interface Started {
  runId: string;
  step: string;
  predictionId: string;
  /** true: a retried start handed its earlier prediction to the new task token. */
  reused: boolean;
  /** Set when no prediction was made: an earlier one's stored output (this key) answered the task. */
  reusedOutput?: string;
}

/** fresh: make a new prediction even if an output with the same hash is stored (regenerate). */
type Target = StepTarget & { kind: 'image' | 'video'; billing: Billing; fresh?: boolean };

const IMAGE_BILLING: Billing = { per: 'predict-second' };

/** Cancel-After for this prediction's model and length, never beyond the deployment's PREDICTION_CANCEL_AFTER. */
function cancelAfterOf(config: RuntimeConfig, billing: Billing): number {
  const work = billing.per === 'output-second' ? { model: billing.model, seconds: billing.seconds } : 'image';
  return cancelAfterFor(work, cancelAfterCeilingSeconds(config));
}

/**
 * The request as sent (frames by presigned URL) and as hashed (frames by content): built by the
 * same function from each, so the hash covers every input that is sent.
 */
interface Requests {
  sent: CreateRequest;
  hashed: CreateRequest;
}

async function start(config: RuntimeConfig, target: Target, requests: Requests, taskToken: string): Promise<Started> {
  const plan = planStart(await loadCallback(config, target.runId, target.step), target.attempt);
  if (plan.action === 'reuse') return reuse(config, target, plan.predictionId, taskToken);
  const hash = outputHash(requests.hashed);
  const stored = reusableKey(hash, target.kind);
  if (!target.fresh && (await exists(config, stored))) return answerFromStore(config, target, hash, stored, taskToken);
  if (plan.supersede) await cancelSuperseded(config, target, plan.supersede);
  const { runId, step, kind } = target;
  // Before anything is written: a prediction the budget cannot pay for is never made.
  await reserveSpend(config, runId, step, target.attempt, target.billing);
  const requestedAt = new Date().toISOString();
  const cancelAfterSec = cancelAfterOf(config, target.billing);
  const awaiting = (current: CallbackRecord | null) => ({ ...awaitingPrediction(current, target, taskToken, requestedAt), cancelAfterSec });
  // The record must exist before Replicate can possibly call back.
  await updateCallback(config, runId, step, awaiting);
  const hook = config.webhookUrl ? webhookUrl(config.webhookUrl, runId, step) : null;
  const prediction = await createPrediction({ ...config, cancelAfter: `${cancelAfterSec}s` }, withWebhook(requests.sent, hook));
  await notePredictionSpend(config, runId, step, target.attempt, prediction.id);
  // Until this write lands, a webhook for the prediction is answered "not recorded" and retried.
  await updateCallback(config, runId, step, (current) => withPrediction(current ?? awaiting(null), prediction.id));
  await cancelIfRunEnded(config, target, prediction.id);
  await updateStep(config, runId, step, (previous) => ({
    kind,
    status: 'waiting',
    predictionId: prediction.id,
    attempts: (previous?.attempts ?? 0) + 1,
    requestedAt,
    outputHash: hash,
    reused: false,
  }));
  logger.info('prediction created', { runId, step, attempt: target.attempt, predictionId: prediction.id, webhook: Boolean(hook) });
  return { runId, step, predictionId: prediction.id, reused: false };
}

/** The same attempt started again (Lambda retried the invoke): its prediction now answers this task. */
async function reuse(config: RuntimeConfig, target: Target, predictionId: string, taskToken: string): Promise<Started> {
  const { runId, step, kind } = target;
  await updateCallback(config, runId, step, (current) => (current ? repointed(current, taskToken) : undefined));
  await cancelIfRunEnded(config, target, predictionId);
  await updateStep(config, runId, step, (previous) => ({ kind, status: 'waiting', predictionId, attempts: previous?.attempts ?? 1 }));
  logger.warn('start retried: prediction reused for the new task token', { runId, step, attempt: target.attempt, predictionId });
  return { runId, step, predictionId, reused: true };
}

/** The same output was made before: hand the stored one to the task, and make no prediction. */
async function answerFromStore(config: RuntimeConfig, target: Target, hash: string, key: string, taskToken: string): Promise<Started> {
  const { runId, step, kind } = target;
  const at = new Date().toISOString();
  await updateStep(config, runId, step, (previous) => ({ kind, status: 'waiting', attempts: previous?.attempts ?? 0, requestedAt: at, outputHash: hash, reused: true }));
  const result = reusedResult(hash, key, at);
  await sendTaskSuccess(config, taskToken, { prediction: result });
  logger.info('stored output reused; no prediction made', { runId, step, attempt: target.attempt, key });
  return { runId, step, predictionId: result.id, reused: false, reusedOutput: key };
}

/** An earlier attempt's prediction may still run (it timed out on our side): stop paying for it. */
async function cancelSuperseded(config: RuntimeConfig, target: Target, predictionId: string): Promise<void> {
  try {
    const superseded = await cancelPrediction(config, predictionId);
    await settleSpend(config, target.runId, predictionId, superseded);
    logger.info('earlier attempt canceled', { runId: target.runId, step: target.step, predictionId, status: superseded.status });
  } catch (error) {
    // Gone or refused (4xx): nothing to stop. Rate limits and outages fail the start, which is retried.
    if (!(error instanceof ReplicateRequestError)) throw error;
    logger.warn('could not cancel earlier attempt', { runId: target.runId, step: target.step, predictionId, error: error.message });
  }
}

/** A cancel or failure that landed while we were creating could not see this prediction. */
async function cancelIfRunEnded(config: RuntimeConfig, target: Target, predictionId: string): Promise<void> {
  const manifest = await findManifest(config, target.runId);
  if (manifest && (manifest.status === 'canceled' || manifest.status === 'failed')) {
    await settleSpend(config, target.runId, predictionId, await cancelPrediction(config, predictionId));
    throw new PredictionCanceledError(`${target.step}: run ${target.runId} is ${manifest.status}; prediction ${predictionId} canceled`);
  }
}

export function startAnchor(config: RuntimeConfig, anchor: AnchorPlan, taskToken: string, attempt = 1) {
  const target: Target = { runId: anchor.runId, step: 'anchor', kind: 'image', billing: IMAGE_BILLING, attempt };
  const request = anchorRequest(anchor);
  return start(config, target, { sent: request, hashed: request }, taskToken);
}

/** A frame a step starts from (or ends on), by presigned URL and by content; missing means an earlier step did not store it. */
async function frameInput(config: RuntimeConfig, step: string, what: string, key: string): Promise<{ url: string; content: string }> {
  let sha256: string;
  try {
    sha256 = await sha256Of(config, key); // one read: it also finds out that the frame is there
  } catch (error) {
    if (error instanceof MissingObjectError) throw new MissingObjectError(`${step}: ${what} ${key} is missing (did the previous step store it?)`);
    throw error;
  }
  return { url: await presignGet(config, key), content: frameByContent(sha256) };
}

const optionalFrame = (config: RuntimeConfig, step: string, what: string, key: string | null | undefined) =>
  key ? frameInput(config, step, what, key) : Promise.resolve(null);

/** Strategy keyframes: SDXL image-to-image from the stored anchor, with the run's fixed seed. */
export async function startKeyframe(config: RuntimeConfig, keyframe: KeyframePlan, taskToken: string, attempt = 1) {
  const image = await frameInput(config, keyframe.step, 'anchor', keyframe.sourceKey);
  const target: Target = { runId: keyframe.runId, step: keyframe.step, kind: 'image', billing: IMAGE_BILLING, attempt };
  const requests = { sent: keyframeRequest(keyframe, image.url), hashed: keyframeRequest(keyframe, image.content) };
  return start(config, target, requests, taskToken);
}

export async function startClip(config: RuntimeConfig, scene: ScenePlan, taskToken: string, attempt = 1) {
  const [image, last] = await Promise.all([
    optionalFrame(config, scene.step, 'seed frame', scene.seedKey),
    optionalFrame(config, scene.step, 'keyframe', scene.endFrameKey),
  ]);
  const billing: Billing = { per: 'output-second', model: scene.model, seconds: scene.duration };
  const target: Target = { runId: scene.runId, step: scene.step, kind: 'video', billing, attempt, fresh: scene.fresh === true };
  const requests = {
    sent: clipRequest(scene, image?.url ?? null, last?.url ?? null),
    hashed: clipRequest(scene, image?.content ?? null, last?.content ?? null),
  };
  return start(config, target, requests, taskToken);
}
