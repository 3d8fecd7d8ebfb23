// Which models the emulator knows and how it validates their inputs (422 like Replicate's schema check).
import {
  SDXL,
  VIDEO_MODELS,
  VIDEO_MODEL_IDS,
  clipProblems,
  type Resolution,
  type VideoModelId,
} from '../../functions/domain/models';

export interface ModelRef {
  kind: 'sdxl' | 'ltx';
  model: string;
  version: string;
  videoModel?: VideoModelId;
}

export type Job =
  | {
      kind: 'sdxl';
      prompt: string;
      width: number;
      height: number;
      numOutputs: number;
      seed?: number;
      /** Image-to-image: the picture to re-render, and how far from it (prompt_strength, 0–1). */
      image?: string;
      promptStrength?: number;
    }
  | {
      kind: 'ltx';
      modelId: VideoModelId;
      prompt: string;
      image?: string;
      /** LTX-2.3 `last_frame_image`: the clip ends exactly on it. */
      lastFrameImage?: string;
      duration: number;
      fps: number;
      resolution: Resolution;
      audio: boolean;
      /** Not in LTX-2's published inputs; honoured when given, so a test can vary one generation. */
      seed?: number;
    };

// Official models have no public version hash; Replicate reports "hidden".
const OFFICIAL_VERSION = 'hidden';

/** `owner/name` of an official model (POST /v1/models/{owner}/{name}/predictions). */
export function officialModel(owner: string, name: string): ModelRef | undefined {
  const id = VIDEO_MODEL_IDS.find((m) => VIDEO_MODELS[m].replicateModel === `${owner}/${name}`);
  return id && { kind: 'ltx', model: `${owner}/${name}`, version: OFFICIAL_VERSION, videoModel: id };
}

/** `version` of POST /v1/predictions: a hash, `owner/name:hash`, or an official `owner/name`. */
export function modelForVersion(version: unknown): ModelRef | undefined {
  if (typeof version !== 'string') return undefined;
  const [name, hash] = version.includes(':') ? version.split(':', 2) : [undefined, version];
  if (hash === SDXL.version && (name === undefined || name === SDXL.replicateModel)) {
    return { kind: 'sdxl', model: SDXL.replicateModel, version: SDXL.version };
  }
  if (name === undefined && version.includes('/')) {
    const [owner, model] = version.split('/', 2);
    return officialModel(owner, model);
  }
  return undefined;
}

export interface FieldProblem {
  field: string;
  description: string;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
/** Absent, or a URL the emulator can download. */
const isImageUrl = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && /^(https?:|data:)/.test(v));

/** Normalises the input with the model's defaults, or lists what is wrong with it. */
export function validateInput(ref: ModelRef, input: unknown): { job: Job } | { problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const bad = (field: string, description: string) => problems.push({ field, description });
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    return { problems: [{ field: 'input', description: 'input is required and must be an object' }] };
  }
  const i = input as Record<string, unknown>;
  if (typeof i.prompt !== 'string' || !i.prompt.trim()) bad('prompt', 'prompt is required');
  const prompt = typeof i.prompt === 'string' ? i.prompt : '';

  if (ref.kind === 'sdxl') {
    const width = i.width ?? 1024;
    const height = i.height ?? 1024;
    const numOutputs = i.num_outputs ?? 1;
    for (const [field, value] of [['width', width], ['height', height]] as const) {
      if (!isInt(value) || value < SDXL.minSide || value > SDXL.maxSide || value % 8 !== 0) {
        bad(field, `${field} must be a multiple of 8 between ${SDXL.minSide} and ${SDXL.maxSide}`);
      }
    }
    if (!isInt(numOutputs) || numOutputs < 1 || numOutputs > 4) bad('num_outputs', 'num_outputs must be 1 to 4');
    if (i.seed !== undefined && i.seed !== null && !isInt(i.seed)) bad('seed', 'seed must be an integer');
    if (!isImageUrl(i.image)) bad('image', 'image must be an http(s) or data: URL');
    const strength = i.prompt_strength ?? 0.8;
    if (typeof strength !== 'number' || strength < 0 || strength > 1) bad('prompt_strength', 'prompt_strength must be between 0 and 1');
    if (problems.length) return { problems };
    return {
      job: {
        kind: 'sdxl',
        prompt,
        width: width as number,
        height: height as number,
        numOutputs: numOutputs as number,
        seed: isInt(i.seed) ? i.seed : undefined,
        ...(typeof i.image === 'string' && { image: i.image, promptStrength: strength as number }),
      },
    };
  }

  const modelId = ref.videoModel!;
  const duration = i.duration ?? VIDEO_MODELS[modelId].durations[0];
  const fps = i.fps ?? 25;
  const resolution = i.resolution ?? '1080p';
  const audio = i.generate_audio ?? true;
  if (!isInt(duration)) bad('duration', 'duration must be an integer');
  if (!isInt(fps)) bad('fps', 'fps must be an integer');
  if (typeof resolution !== 'string') bad('resolution', 'resolution must be a string');
  if (typeof audio !== 'boolean') bad('generate_audio', 'generate_audio must be a boolean');
  if (i.seed !== undefined && i.seed !== null && !isInt(i.seed)) bad('seed', 'seed must be an integer');
  if (!isImageUrl(i.image)) bad('image', 'image must be an http(s) or data: URL');
  if (i.last_frame_image !== undefined && i.last_frame_image !== null) {
    // Strict on purpose: sending it to a model without it would be silently ignored by a real host.
    if (!VIDEO_MODELS[modelId].acceptsLastFrame) bad('last_frame_image', `${modelId} has no last_frame_image input`);
    else if (!isImageUrl(i.last_frame_image)) bad('last_frame_image', 'last_frame_image must be an http(s) or data: URL');
  }
  if (!problems.length) {
    const clip = { duration: duration as number, fps: fps as number, resolution: resolution as Resolution };
    for (const text of clipProblems(modelId, clip, 'input')) {
      bad(text.slice(0, text.indexOf(':')).replace(/^input\./, ''), text);
    }
  }
  if (problems.length) return { problems };
  return {
    job: {
      kind: 'ltx',
      modelId,
      prompt,
      image: typeof i.image === 'string' ? i.image : undefined,
      lastFrameImage: typeof i.last_frame_image === 'string' ? i.last_frame_image : undefined,
      duration: duration as number,
      fps: fps as number,
      resolution: resolution as Resolution,
      audio: audio as boolean,
      seed: isInt(i.seed) ? i.seed : undefined,
    },
  };
}
