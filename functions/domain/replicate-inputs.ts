// What we send to Replicate for each step, and how we read what comes back. Pure: no client here.
import type { AnchorPlan, KeyframePlan, ScenePlan } from './plan';
import { SDXL, VIDEO_MODELS } from './models';
import { PredictionCanceledError, PredictionFailedError, PredictionStillRunning, PredictionTimedOutError } from './errors';

export type CreateRequest =
  | { model: string; input: Record<string, unknown>; webhook?: string; webhook_events_filter?: ['completed'] }
  | { version: string; input: Record<string, unknown>; webhook?: string; webhook_events_filter?: ['completed'] };

export function anchorRequest(anchor: AnchorPlan): CreateRequest {
  return {
    version: SDXL.version,
    input: {
      prompt: anchor.prompt,
      width: anchor.width,
      height: anchor.height,
      num_outputs: 1,
      ...(anchor.negativePrompt && { negative_prompt: anchor.negativePrompt }),
      ...(anchor.seed !== undefined && { seed: anchor.seed }),
    },
  };
}

/**
 * How far SDXL image-to-image may depart from the anchor (Replicate's `prompt_strength`, 1 = ignore
 * the image): enough for each scene's prompt to show, little enough that subject and look stay.
 */
export const KEYFRAME_PROMPT_STRENGTH = 0.45;

/** SDXL image-to-image: `imageUrl` is the stored anchor, presigned. */
export function keyframeRequest(keyframe: KeyframePlan, imageUrl: string): CreateRequest {
  return {
    version: SDXL.version,
    input: {
      prompt: keyframe.prompt,
      image: imageUrl,
      prompt_strength: KEYFRAME_PROMPT_STRENGTH,
      width: keyframe.width,
      height: keyframe.height,
      num_outputs: 1,
      seed: keyframe.seed,
      ...(keyframe.negativePrompt && { negative_prompt: keyframe.negativePrompt }),
    },
  };
}

/**
 * `imageUrl` is a presigned HTTPS URL: data URLs are capped at 256 KB and a 1080p PNG is larger.
 * `lastFrameUrl` (strategy keyframes) is the frame the clip must end on (LTX-2.3 `last_frame_image`).
 */
export function clipRequest(scene: ScenePlan, imageUrl: string | null, lastFrameUrl: string | null = null): CreateRequest {
  return {
    model: VIDEO_MODELS[scene.model].replicateModel,
    input: {
      prompt: scene.prompt,
      ...(imageUrl && { image: imageUrl }),
      ...(lastFrameUrl && { last_frame_image: lastFrameUrl }),
      duration: scene.duration,
      fps: scene.fps,
      resolution: scene.resolution,
      generate_audio: scene.generateAudio,
    },
  };
}

export function withWebhook<T extends CreateRequest>(request: T, webhookUrl: string | null): T {
  if (!webhookUrl) return request;
  return { ...request, webhook: webhookUrl, webhook_events_filter: ['completed'] };
}

/** The callback URL carries only run and step; never the task token. */
export function webhookUrl(base: string, runId: string, step: string): string {
  const url = new URL(base);
  url.searchParams.set('run', runId);
  url.searchParams.set('step', step);
  return url.toString();
}

/** The slice of a Replicate prediction that travels through the state machine (logs dropped: they can be 100 KB+). */
export interface PredictionResult {
  id: string;
  status: string;
  output: unknown;
  error: string | null;
  createdAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  predictTimeSec: number | null;
  /** Set instead of an output URL when an earlier prediction's stored output was reused (reuse.ts). */
  reusedKey?: string;
}

export interface PredictionLike {
  id: string;
  status: string;
  output?: unknown;
  error?: unknown;
  created_at?: string | null;
  started_at?: string | null;
  completed_at?: string | null;
  metrics?: { predict_time?: number } | null;
}

export const TERMINAL_STATUSES = ['succeeded', 'failed', 'canceled', 'aborted'] as const;
export const isTerminal = (status: string) => (TERMINAL_STATUSES as readonly string[]).includes(status);

export function toPredictionResult(p: PredictionLike): PredictionResult {
  return {
    id: p.id,
    status: p.status,
    output: p.output ?? null,
    error: p.error == null ? null : String(p.error).slice(0, 2000),
    createdAt: p.created_at ?? null,
    startedAt: p.started_at ?? null,
    completedAt: p.completed_at ?? null,
    predictTimeSec: p.metrics?.predict_time ?? null,
  };
}

/** Replicate's clock may round; a cancel this close to the deadline is the deadline's. */
const DEADLINE_TOLERANCE_SECONDS = 1;

/**
 * Was this canceled/aborted prediction stopped by its Cancel-After deadline (it lived that long,
 * queue time included) rather than by us when its run ended, which always happens earlier?
 */
export function endedAtDeadline(p: PredictionResult, deadlineSeconds: number | undefined): boolean {
  if (deadlineSeconds === undefined || (p.status !== 'canceled' && p.status !== 'aborted')) return false;
  const created = Date.parse(p.createdAt ?? '');
  const completed = Date.parse(p.completedAt ?? '');
  if (Number.isNaN(created) || Number.isNaN(completed)) return false;
  return (completed - created) / 1000 >= deadlineSeconds - DEADLINE_TOLERANCE_SECONDS;
}

/**
 * The error a terminal non-success prediction maps to (null when it succeeded). With the Cancel-After
 * deadline given, a prediction that ran into it is PredictionTimedOutError (generate again) instead of
 * canceled (the run ended: stop) or aborted.
 */
export function predictionError(step: string, p: PredictionResult, deadlineSeconds?: number): Error | null {
  if (endedAtDeadline(p, deadlineSeconds)) {
    return new PredictionTimedOutError(`${step}: prediction ${p.id} ${p.status} by Replicate at its Cancel-After deadline (${deadlineSeconds} s)`);
  }
  switch (p.status) {
    case 'succeeded':
      return null;
    case 'canceled':
      return new PredictionCanceledError(`${step}: prediction ${p.id} was canceled`);
    case 'failed':
    case 'aborted':
      return new PredictionFailedError(`${step}: prediction ${p.id} ${p.status}: ${p.error ?? 'no error message'}`);
    default:
      return new PredictionStillRunning(`${step}: prediction ${p.id} is still ${p.status}`);
  }
}

/** The one URL of a step's output: SDXL returns an array of PNG URLs, LTX-2 one video URL. */
export function outputUrl(step: string, p: PredictionResult): string {
  const value = Array.isArray(p.output) ? p.output[0] : p.output;
  if (typeof value !== 'string' || !/^https?:\/\//.test(value)) {
    throw new PredictionFailedError(
      `${step}: prediction ${p.id} succeeded without an output URL (SDXL drops NSFW-flagged images)`,
    );
  }
  return value;
}
