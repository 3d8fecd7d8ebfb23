// What each Replicate model accepts and costs, as data. Each field says where its values come from
// and how sure they are (Lightricks' published matrix; prices are other hosts' and unconfirmed).
// Update here when Lightricks changes its matrix; validation, the emulator and cost all read this table.

export type VideoModelId = 'ltx-2-fast' | 'ltx-2-pro' | 'ltx-2.3-fast' | 'ltx-2.3-pro';
export type Resolution = '1080p' | '1440p' | '2160p';

export interface VideoModel {
  id: VideoModelId;
  /** Official model: created with POST /v1/models/{owner}/{name}/predictions (no version hash). */
  replicateModel: `${string}/${string}`;
  /** Allowed clip lengths in seconds, ascending. */
  durations: number[];
  fps: number[];
  resolutions: Resolution[];
  /** Longest clip at each fps / above 1080p (Lightricks' matrix). */
  maxDurationAt50Fps: number;
  maxDurationAbove1080p: number;
  /** Approximate USD per second of output at 1080p (unconfirmed; other hosts' prices). */
  usdPerSecond: number;
  /** Accepts `last_frame_image` (the clip ends on that image): what strategy "keyframes" needs. */
  acceptsLastFrame: boolean;
  /** Typical generation time per second of output (unconfirmed estimate); sizes each prediction's Cancel-After. */
  generationSecondsPerOutputSecond: number;
}

const evenSeconds = (from: number, to: number) =>
  Array.from({ length: (to - from) / 2 + 1 }, (_, i) => from + 2 * i);

export const VIDEO_MODELS: Record<VideoModelId, VideoModel> = {
  'ltx-2-fast': {
    id: 'ltx-2-fast',
    replicateModel: 'lightricks/ltx-2-fast',
    durations: evenSeconds(6, 20),
    fps: [25, 50],
    resolutions: ['1080p', '1440p', '2160p'],
    maxDurationAt50Fps: 10,
    maxDurationAbove1080p: 10,
    usdPerSecond: 0.04,
    acceptsLastFrame: false,
    generationSecondsPerOutputSecond: 5,
  },
  'ltx-2-pro': {
    id: 'ltx-2-pro',
    replicateModel: 'lightricks/ltx-2-pro',
    durations: [6, 8, 10],
    fps: [25, 50],
    resolutions: ['1080p', '1440p', '2160p'],
    maxDurationAt50Fps: 10,
    maxDurationAbove1080p: 10,
    usdPerSecond: 0.06,
    acceptsLastFrame: false,
    generationSecondsPerOutputSecond: 12,
  },
  // LTX-2.3 (unconfirmed, third-party listing in facts.md "Replicate, more"): prompt, image,
  // last_frame_image, resolution 1080p/2k/4k, duration, aspect_ratio 16:9/9:16, fps 24/25/48/50,
  // generate_audio. We send the LTX-2 fields plus last_frame_image; the limits and prices below are
  // LTX-2's, assumed until Replicate's schema page can be read. "2k"/"4k" are mapped from 1440p/2160p
  // nowhere yet: keyframes films use 1080p, which both generations accept under the same name.
  'ltx-2.3-fast': {
    id: 'ltx-2.3-fast',
    replicateModel: 'lightricks/ltx-2.3-fast',
    durations: evenSeconds(6, 20),
    fps: [24, 25, 48, 50],
    resolutions: ['1080p'],
    maxDurationAt50Fps: 10,
    maxDurationAbove1080p: 10,
    usdPerSecond: 0.04,
    acceptsLastFrame: true,
    generationSecondsPerOutputSecond: 5,
  },
  'ltx-2.3-pro': {
    id: 'ltx-2.3-pro',
    replicateModel: 'lightricks/ltx-2.3-pro',
    durations: [6, 8, 10],
    fps: [24, 25, 48, 50],
    resolutions: ['1080p'],
    maxDurationAt50Fps: 10,
    maxDurationAbove1080p: 10,
    usdPerSecond: 0.06,
    acceptsLastFrame: true,
    generationSecondsPerOutputSecond: 12,
  },
};

export const VIDEO_MODEL_IDS = Object.keys(VIDEO_MODELS) as VideoModelId[];

/** Models that can be pinned between a first and a last frame (strategy "keyframes"). */
export const LAST_FRAME_MODEL_IDS = VIDEO_MODEL_IDS.filter((id) => VIDEO_MODELS[id].acceptsLastFrame);

/** SDXL is a versioned community model: POST /v1/predictions with this version. */
export const SDXL = {
  id: 'sdxl',
  replicateModel: 'stability-ai/sdxl',
  version: '7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc',
  /** Anchors at 16:9: a square anchor came back as letterboxed 1920x1080 clips. */
  defaultWidth: 1344,
  defaultHeight: 768,
  /** SDXL accepts multiples of 8 between these bounds. */
  minSide: 256,
  maxSide: 2048,
  /** List price of one image (about 4 s on the GPU): what an estimate and a reservation count. */
  usdPerImage: 0.004,
  /**
   * Community models are billed by GPU time: Replicate's public Nvidia L40S price per second
   * (unconfirmed from here). A prediction's actual cost is its predict_time × this.
   */
  usdPerPredictSecond: 0.000975,
  /** Typical seconds one image takes (unconfirmed estimate); sizes its Cancel-After. */
  typicalSeconds: 10,
} as const;

/** Output frame size for a resolution label (16:9, as LTX-2 renders it). */
export const RESOLUTION_SIZE: Record<Resolution, { width: number; height: number }> = {
  '1080p': { width: 1920, height: 1080 },
  '1440p': { width: 2560, height: 1440 },
  '2160p': { width: 3840, height: 2160 },
};

export interface ClipRequest {
  duration: number;
  fps: number;
  resolution: Resolution;
}

/**
 * Every reason `model` would refuse this clip, phrased with the allowed values.
 * `field` prefixes each message so storyboard errors can name where the value came from.
 */
export function clipProblems(modelId: VideoModelId, clip: ClipRequest, field = 'clip'): string[] {
  const model = VIDEO_MODELS[modelId];
  const problems: string[] = [];
  if (!model.durations.includes(clip.duration)) {
    problems.push(
      `${field}.duration: ${clip.duration} s is not accepted by ${modelId}; allowed: ${model.durations.join(', ')} s`,
    );
  }
  if (!model.fps.includes(clip.fps)) {
    problems.push(`${field}.fps: ${clip.fps} is not accepted by ${modelId}; allowed: ${model.fps.join(', ')}`);
  }
  if (!model.resolutions.includes(clip.resolution)) {
    problems.push(
      `${field}.resolution: "${clip.resolution}" is not accepted by ${modelId}; allowed: ${model.resolutions.join(', ')}`,
    );
  }
  if (clip.fps === 50 && clip.duration > model.maxDurationAt50Fps) {
    problems.push(
      `${field}.duration: ${clip.duration} s at 50 fps is too long for ${modelId}; at 50 fps the maximum is ${model.maxDurationAt50Fps} s (use fps 25 for longer clips)`,
    );
  }
  if (clip.resolution !== '1080p' && clip.duration > model.maxDurationAbove1080p) {
    problems.push(
      `${field}.duration: ${clip.duration} s at ${clip.resolution} is too long for ${modelId}; above 1080p the maximum is ${model.maxDurationAbove1080p} s`,
    );
  }
  return problems;
}

export function isVideoModelId(value: unknown): value is VideoModelId {
  return typeof value === 'string' && Object.hasOwn(VIDEO_MODELS, value);
}
