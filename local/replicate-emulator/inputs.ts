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
  | { kind: 'sdxl'; prompt: string; width: number; height: number; numOutputs: number; seed?: number }
  | {
      kind: 'ltx';
      modelId: VideoModelId;
      prompt: string;
      image?: string;
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
    if (problems.length) return { problems };
    return {
      job: {
        kind: 'sdxl',
        prompt,
        width: width as number,
        height: height as number,
        numOutputs: numOutputs as number,
        seed: isInt(i.seed) ? i.seed : undefined,
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
  if (i.image !== undefined && i.image !== null) {
    if (typeof i.image !== 'string' || !/^(https?:|data:)/.test(i.image)) {
      bad('image', 'image must be an http(s) or data: URL');
    }
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
      duration: duration as number,
      fps: fps as number,
      resolution: resolution as Resolution,
      audio: audio as boolean,
      seed: isInt(i.seed) ? i.seed : undefined,
    },
  };
}
