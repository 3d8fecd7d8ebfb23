// Anchor and clip tasks: write the callback record (task token) first, then create the prediction
// with a webhook that names only run and step. The webhook or the poll sends the task result.
// A retried start of the same attempt reuses its prediction; a new attempt cancels the old one.
import type { RuntimeConfig } from '../adapters/config';
import { cancelPrediction, createPrediction } from '../adapters/replicate';
import { exists, presignGet } from '../adapters/s3';
import { findManifest, loadCallback, updateCallback, updateStep } from '../adapters/run-store';
import { logger } from '../adapters/logger';
import type { AnchorPlan, KeyframePlan, ScenePlan } from '../domain/plan';
import { awaitingPrediction, planStart, repointed, withPrediction, type StepTarget } from '../domain/callbacks';
import { anchorRequest, clipRequest, keyframeRequest, webhookUrl, withWebhook, type CreateRequest } from '../domain/replicate-inputs';
import { MissingObjectError, PredictionCanceledError, ReplicateRequestError } from '../domain/errors';

export interface Started {
  runId: string;
  step: string;
  predictionId: string;
  /** true: a retried start handed its earlier prediction to the new task token. */
  reused: boolean;
}

type Target = StepTarget & { kind: 'image' | 'video' };

async function start(config: RuntimeConfig, target: Target, request: CreateRequest, taskToken: string): Promise<Started> {
  const plan = planStart(await loadCallback(config, target.runId, target.step), target.attempt);
  if (plan.action === 'reuse') return reuse(config, target, plan.predictionId, taskToken);
  if (plan.supersede) await cancelSuperseded(config, target, plan.supersede);
  const { runId, step, kind } = target;
  const requestedAt = new Date().toISOString();
  // The record must exist before Replicate can possibly call back.
  await updateCallback(config, runId, step, (current) => awaitingPrediction(current, target, taskToken, requestedAt));
  const hook = config.webhookUrl ? webhookUrl(config.webhookUrl, runId, step) : null;
  const prediction = await createPrediction(config, withWebhook(request, hook));
  // Until this write lands, a webhook for the prediction is answered "not recorded" and retried.
  await updateCallback(config, runId, step, (current) => withPrediction(current ?? awaitingPrediction(null, target, taskToken, requestedAt), prediction.id));
  await cancelIfRunEnded(config, target, prediction.id);
  await updateStep(config, runId, step, (previous) => ({
    kind,
    status: 'waiting',
    predictionId: prediction.id,
    attempts: (previous?.attempts ?? 0) + 1,
    requestedAt,
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

/** An earlier attempt's prediction may still run (it timed out on our side): stop paying for it. */
async function cancelSuperseded(config: RuntimeConfig, target: Target, predictionId: string): Promise<void> {
  try {
    const superseded = await cancelPrediction(config, predictionId);
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
    await cancelPrediction(config, predictionId);
    throw new PredictionCanceledError(`${target.step}: run ${target.runId} is ${manifest.status}; prediction ${predictionId} canceled`);
  }
}

export function startAnchor(config: RuntimeConfig, anchor: AnchorPlan, taskToken: string, attempt = 1) {
  const target: Target = { runId: anchor.runId, step: 'anchor', kind: 'image', attempt };
  return start(config, target, anchorRequest(anchor), taskToken);
}

/** A presigned URL of a frame a step starts from (or ends on); missing means an earlier step did not store it. */
async function presignFrame(config: RuntimeConfig, step: string, what: string, key: string): Promise<string> {
  if (!(await exists(config, key))) {
    throw new MissingObjectError(`${step}: ${what} ${key} is missing (did the previous step store it?)`);
  }
  return presignGet(config, key);
}

/** Strategy keyframes: SDXL image-to-image from the stored anchor, with the run's fixed seed. */
export async function startKeyframe(config: RuntimeConfig, keyframe: KeyframePlan, taskToken: string, attempt = 1) {
  const imageUrl = await presignFrame(config, keyframe.step, 'anchor', keyframe.sourceKey);
  const target: Target = { runId: keyframe.runId, step: keyframe.step, kind: 'image', attempt };
  return start(config, target, keyframeRequest(keyframe, imageUrl), taskToken);
}

export async function startClip(config: RuntimeConfig, scene: ScenePlan, taskToken: string, attempt = 1) {
  const imageUrl = scene.seedKey ? await presignFrame(config, scene.step, 'seed frame', scene.seedKey) : null;
  const lastFrameUrl = scene.endFrameKey ? await presignFrame(config, scene.step, 'keyframe', scene.endFrameKey) : null;
  const target: Target = { runId: scene.runId, step: scene.step, kind: 'video', attempt };
  return start(config, target, clipRequest(scene, imageUrl, lastFrameUrl), taskToken);
}
