// Anchor and clip tasks: write the callback record (task token) first, then create the prediction
// with a webhook that names only run and step. The webhook or the poll sends the task result.
import type { RuntimeConfig } from '../adapters/config';
import { createPrediction } from '../adapters/replicate';
import { exists, presignGet } from '../adapters/s3';
import { findManifest, saveCallback, updateStep, type CallbackRecord } from '../adapters/run-store';
import { cancelPrediction } from '../adapters/replicate';
import { logger } from '../adapters/logger';
import type { AnchorPlan, ScenePlan } from '../domain/plan';
import { anchorRequest, clipRequest, webhookUrl, withWebhook, type CreateRequest } from '../domain/replicate-inputs';
import { MissingObjectError, PredictionCanceledError } from '../domain/errors';

export interface Started {
  runId: string;
  step: string;
  predictionId: string;
}

async function start(
  config: RuntimeConfig,
  target: { runId: string; step: string; kind: 'image' | 'video' },
  request: CreateRequest,
  taskToken: string,
): Promise<Started> {
  const { runId, step, kind } = target;
  const record: CallbackRecord = { runId, step, taskToken, predictionId: null, createdAt: new Date().toISOString() };
  // The record must exist before Replicate can possibly call back.
  await saveCallback(config, record);
  const hook = config.webhookUrl ? webhookUrl(config.webhookUrl, runId, step) : null;
  const prediction = await createPrediction(config, withWebhook(request, hook));
  await saveCallback(config, { ...record, predictionId: prediction.id });
  // A cancel or failure that landed while we were creating could not see this prediction.
  const manifest = await findManifest(config, runId);
  if (manifest && (manifest.status === 'canceled' || manifest.status === 'failed')) {
    await cancelPrediction(config, prediction.id);
    throw new PredictionCanceledError(`${step}: run ${runId} is ${manifest.status}; prediction ${prediction.id} canceled`);
  }
  await updateStep(config, runId, step, (previous) => ({
    kind,
    status: 'waiting',
    predictionId: prediction.id,
    attempts: (previous?.attempts ?? 0) + 1,
    requestedAt: record.createdAt,
  }));
  logger.info('prediction created', { runId, step, predictionId: prediction.id, webhook: Boolean(hook) });
  return { runId, step, predictionId: prediction.id };
}

export function startAnchor(config: RuntimeConfig, anchor: AnchorPlan, taskToken: string) {
  return start(config, { runId: anchor.runId, step: 'anchor', kind: 'image' }, anchorRequest(anchor), taskToken);
}

export async function startClip(config: RuntimeConfig, scene: ScenePlan, taskToken: string) {
  let imageUrl: string | null = null;
  if (scene.seedKey) {
    if (!(await exists(config, scene.seedKey))) {
      throw new MissingObjectError(`${scene.step}: seed frame ${scene.seedKey} is missing (did the previous step store it?)`);
    }
    imageUrl = await presignGet(config, scene.seedKey);
  }
  return start(config, { runId: scene.runId, step: scene.step, kind: 'video' }, clipRequest(scene, imageUrl), taskToken);
}
