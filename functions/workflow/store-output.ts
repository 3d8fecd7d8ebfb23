// store-output: copy a prediction's output into the run at once (Replicate deletes it after an hour),
// check it decodes, and store the frame the next scene starts from: the clip's TRUE last frame,
// or the anchor image itself.
import { join } from 'node:path';
import type { RuntimeConfig } from '../adapters/config';
import { deleteObject, downloadToFile, uploadFile } from '../adapters/s3';
import { findStep, loadPlan, updateStep } from '../adapters/run-store';
import { imageFrame } from '../adapters/looks';
import { clipAnalysis } from '../adapters/clip-analysis';
import { lookOf } from '../domain/colour';
import { gradeTargetOf } from '../domain/grade';
import type { ClipCorrections } from '../domain/continuity';
import { correctClip } from './clip-corrections';
import { settleAll, withScratchDir } from '../adapters/scratch';
import { imageToPng, probeVideo } from '../adapters/media';
import { describeUrl, downloadOutput, fetchPublicFile, FetchRefusedError } from '../adapters/safe-fetch';
import { InvalidStoryboardError, MissingObjectError, OutputInvalidError, PredictionFailedError } from '../domain/errors';
import { keyProblem, runKeys } from '../domain/run-keys';
import type { KeyframePlan, ScenePlan } from '../domain/plan';
import { outputUrl, predictionError, type PredictionResult } from '../domain/replicate-inputs';
import { reusableKey, reusedKeyOf, type OutputKind } from '../domain/reuse';

/** A storyboard's own anchor image: what we fetch from the URL it names, at most. */
export const ANCHOR_IMAGE_LIMITS = {
  maxBytes: 20 * 1024 * 1024,
  timeoutMs: 20_000,
  contentTypes: ['image/png', 'image/jpeg', 'image/webp'],
  maxSide: 8192,
} as const;

/** Replicate's outputs: well inside the store function's 5 minutes and 2 GB of /tmp. */
const OUTPUT_LIMITS = { maxBytes: 1024 * 1024 * 1024, timeoutMs: 240_000 };

export interface StoredImage {
  seedKey: string;
  anchorKey: string;
  width: number;
  height: number;
}

export interface StoredClip {
  index: number;
  step: string;
  clipKey: string;
  /** The frame this clip was asked to start from (null: text-to-video). */
  seedKey: string | null;
  lastFrameKey: string;
  durationSec: number;
  frames: number;
  fps: number;
  width: number;
  height: number;
  hasAudio: boolean;
  /** Head trim, grade and gain the join applies (decided when the clip was stored). */
  corrections: ClipCorrections;
}

function succeeded(step: string, prediction: PredictionResult): string {
  const error = predictionError(step, prediction);
  if (error) throw error;
  return outputUrl(step, prediction);
}

/** The output's bytes into `file`: the stored output a start reused, or the prediction's, downloaded. */
async function fetchOutput(config: RuntimeConfig, step: string, prediction: PredictionResult, file: string): Promise<void> {
  const reused = reusedKeyOf(prediction);
  if (reused) return downloadToFile(config, reused, file);
  await downloadOutput(succeeded(step, prediction), file, step, OUTPUT_LIMITS);
}

/** A new output, checked and stored: keep it for reuse under the hash its start recorded. */
async function keepForReuse(config: RuntimeConfig, runId: string, step: string, prediction: PredictionResult, output: { kind: OutputKind; file: string; contentType: string }) {
  if (reusedKeyOf(prediction)) return;
  const hash = (await findStep(config, runId, step))?.outputHash;
  if (hash) await uploadFile(config, reusableKey(hash, output.kind), output.file, output.contentType);
}

/** A reused output that turns out not to decode must not answer the next attempt too. */
async function forgetInvalidReuse<T>(config: RuntimeConfig, prediction: PredictionResult | undefined, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const reused = prediction && reusedKeyOf(prediction);
    if (reused && error instanceof OutputInvalidError) await deleteObject(config, reused);
    throw error;
  }
}

/**
 * Runs `work` in a scratch directory; errors leave it without the directory's path (/tmp/longshot-…),
 * which would otherwise reach failure causes and the manifest. `names` says what each file was.
 */
async function inScratch<T>(label: string, names: Record<string, string>, work: (dir: string) => Promise<T>): Promise<T> {
  return withScratchDir(label, async (dir) => {
    try {
      return await work(dir);
    } catch (error) {
      throw withoutPaths(error, dir, names);
    }
  });
}

function withoutPaths(error: unknown, dir: string, names: Record<string, string>, depth = 0): unknown {
  if (!(error instanceof Error) || depth > 3) return error;
  const scrub = (text: string) =>
    Object.entries(names).reduce((acc, [file, name]) => acc.replaceAll(join(dir, file), name), text).replaceAll(dir, '(scratch)');
  error.message = scrub(error.message);
  if (error.stack) error.stack = scrub(error.stack);
  if (error instanceof InvalidStoryboardError) error.problems.splice(0, error.problems.length, ...error.problems.map(scrub));
  if (error.cause) withoutPaths(error.cause, dir, names, depth + 1);
  return error;
}

/** The storyboard's own image, by URL (public addresses only) or by key in the bucket. */
async function fetchProvidedImage(config: RuntimeConfig, source: string, file: string): Promise<void> {
  if (source.startsWith('https://')) {
    try {
      await fetchPublicFile(source, file, { field: 'anchor.image', ...ANCHOR_IMAGE_LIMITS });
    } catch (error) {
      if (error instanceof FetchRefusedError) throw new InvalidStoryboardError([error.message]);
      throw error;
    }
    return;
  }
  // Validated with the storyboard; checked again here because this is where the key is used.
  const problem = keyProblem(source);
  if (problem) throw new InvalidStoryboardError([`anchor.image: ${JSON.stringify(source)} ${problem}`]);
  try {
    await downloadToFile(config, source, file);
  } catch (error) {
    // Without s3:ListBucket, S3 answers a missing key with 403 instead of 404.
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (error instanceof MissingObjectError || status === 403) {
      throw new InvalidStoryboardError([`anchor.image: ${JSON.stringify(source)} does not exist in the bucket (or cannot be read)`]);
    }
    throw error;
  }
}

/** Anchor image: from the SDXL prediction, or the storyboard's own image (URL or bucket key). */
export async function storeImage(
  config: RuntimeConfig,
  runId: string,
  input: { prediction?: PredictionResult; source?: string },
): Promise<StoredImage> {
  const keys = runKeys(runId);
  const what = input.prediction ? `anchor: prediction ${input.prediction.id} output` : `anchor.image: ${describeSource(input.source)}`;
  return forgetInvalidReuse(config, input.prediction, inScratch('image', { original: what, 'anchor.png': 'anchor.png' }, async (dir) => {
    const original = join(dir, 'original');
    if (input.prediction) await fetchOutput(config, 'anchor', input.prediction, original);
    else if (input.source) await fetchProvidedImage(config, input.source, original);
    else throw new PredictionFailedError('anchor: neither a prediction nor a source image was given');

    // Normalise to PNG (JPEG/WebP sources) so every seed is the same format.
    const png = join(dir, 'anchor.png');
    let size: { width: number; height: number };
    try {
      size = await imageToPng(original, png, what, ANCHOR_IMAGE_LIMITS.maxSide);
    } catch (error) {
      // A bad image of the user's own is a storyboard problem; a bad SDXL output is the model's.
      if (error instanceof OutputInvalidError && !input.prediction) throw new InvalidStoryboardError([error.message]);
      throw error;
    }
    const { width, height } = size;
    // The anchor's colours: what every clip is graded towards, and what drift is measured from.
    const frame = await imageFrame(png, join(dir, 'anchor.rgb'));
    await uploadFile(config, keys.anchor, png, 'image/png');
    await uploadFile(config, keys.seed(0), png, 'image/png');
    if (input.prediction) await keepForReuse(config, runId, 'anchor', input.prediction, { kind: 'image', file: png, contentType: 'image/png' });
    await updateStep(config, runId, 'anchor', {
      kind: 'image',
      status: 'stored',
      storedAt: new Date().toISOString(),
      ...(input.prediction && {
        completedAt: input.prediction.completedAt ?? undefined,
        predictTimeSec: input.prediction.predictTimeSec,
      }),
      keys: { output: keys.anchor, seed: keys.seed(0) },
      media: { width, height, look: lookOf(frame), gradeTarget: gradeTargetOf(frame) },
    });
    return { seedKey: keys.seed(0), anchorKey: keys.anchor, width, height };
  }));
}

export interface StoredKeyframe {
  index: number;
  keyframeKey: string;
  width: number;
  height: number;
}

/** Strategy keyframes: SDXL's image-to-image output, as PNG under keyframes/ (never seeds/: clips write those). */
export async function storeKeyframe(config: RuntimeConfig, keyframe: KeyframePlan, prediction: PredictionResult): Promise<StoredKeyframe> {
  const what = `${keyframe.step}: prediction ${prediction.id} output`;
  return forgetInvalidReuse(config, prediction, inScratch('keyframe', { original: what, 'keyframe.png': `${keyframe.step}.png` }, async (dir) => {
    const original = join(dir, 'original');
    const png = join(dir, 'keyframe.png');
    await fetchOutput(config, keyframe.step, prediction, original);
    const { width, height } = await imageToPng(original, png, what, ANCHOR_IMAGE_LIMITS.maxSide);
    await uploadFile(config, keyframe.keyframeKey, png, 'image/png');
    await keepForReuse(config, keyframe.runId, keyframe.step, prediction, { kind: 'image', file: png, contentType: 'image/png' });
    await updateStep(config, keyframe.runId, keyframe.step, {
      kind: 'image',
      status: 'stored',
      storedAt: new Date().toISOString(),
      completedAt: prediction.completedAt ?? undefined,
      predictTimeSec: prediction.predictTimeSec,
      keys: { output: keyframe.keyframeKey },
      media: { width, height },
    });
    return { index: keyframe.index, keyframeKey: keyframe.keyframeKey, width, height };
  }));
}

/** A source for messages: a URL without its query (presigned URLs carry signatures), a key as JSON. */
function describeSource(source: string | undefined): string {
  if (!source) return '(none)';
  if (!source.startsWith('https://')) return JSON.stringify(source);
  return URL.canParse(source) ? describeUrl(new URL(source)) : JSON.stringify(source.slice(0, 100));
}

/** A scene's clip: store it, probe it, and store its true last frame as the next seed. */
export async function storeClip(config: RuntimeConfig, scene: ScenePlan, prediction: PredictionResult): Promise<StoredClip> {
  const what = `${scene.step}: prediction ${prediction.id} output`;
  return forgetInvalidReuse(config, prediction, inScratch('clip', { 'clip.mp4': what, 'last.png': `${scene.step} last frame`, 'seed.png': `${scene.step} seed` }, async (dir) => {
    const clip = join(dir, 'clip.mp4');
    await fetchOutput(config, scene.step, prediction, clip);
    let probe;
    try {
      probe = await probeVideo(clip); // demuxes only: cheap, and gives the exact frame count
    } catch (error) {
      throw new OutputInvalidError(`${what} is not a playable video (${(error as Error).message.replaceAll(clip, 'the file')})`);
    }
    const [plan, anchor] = await Promise.all([loadPlan(config, scene.runId), findStep(config, scene.runId, 'anchor')]);
    // One decode of the clip yields its last frame, head motion and look frames (clip-frames.ts).
    const { corrections, seed } = await correctClip(
      {
        plan,
        index: scene.index,
        clip,
        frames: probe.frames,
        hasAudio: probe.audioCodec !== null,
        anchor: anchor?.media?.gradeTarget && anchor.media.look ? { target: anchor.media.gradeTarget, look: anchor.media.look } : undefined,
        dir,
      },
      clipAnalysis,
    );
    await settleAll([
      uploadFile(config, scene.clipKey, clip, 'video/mp4'),
      uploadFile(config, scene.lastFrameKey, seed, 'image/png'),
      keepForReuse(config, scene.runId, scene.step, prediction, { kind: 'video', file: clip, contentType: 'video/mp4' }),
    ]);
    await updateStep(config, scene.runId, scene.step, {
      kind: 'video',
      status: 'stored',
      completedAt: prediction.completedAt ?? undefined,
      storedAt: new Date().toISOString(),
      predictTimeSec: prediction.predictTimeSec,
      keys: { output: scene.clipKey, seed: scene.lastFrameKey },
      media: { width: probe.width, height: probe.height, durationSec: probe.videoDurationSec, frames: probe.frames, fps: probe.fps },
      corrections,
    });
    return {
      index: scene.index,
      step: scene.step,
      clipKey: scene.clipKey,
      seedKey: scene.seedKey,
      lastFrameKey: scene.lastFrameKey,
      durationSec: probe.videoDurationSec,
      frames: probe.frames,
      fps: probe.fps,
      width: probe.width,
      height: probe.height,
      hasAudio: probe.audioCodec !== null,
      corrections,
    };
  }));
}
