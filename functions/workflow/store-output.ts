// store-output: copy a prediction's output into the run at once (Replicate deletes it after an hour),
// check it decodes, and store the frame the next scene starts from: the clip's TRUE last frame,
// or the anchor image itself.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { RuntimeConfig } from '../adapters/config';
import { downloadToFile, uploadFile } from '../adapters/s3';
import { updateStep } from '../adapters/run-store';
import { withScratchDir } from '../adapters/scratch';
import { extractLastFrame, probeImage, probeVideo } from '../adapters/media';
import { runFfmpeg } from '../adapters/binaries';
import { OutputInvalidError, PredictionFailedError } from '../domain/errors';
import { runKeys } from '../domain/run-keys';
import type { ScenePlan } from '../domain/plan';
import { outputUrl, predictionError, type PredictionResult } from '../domain/replicate-inputs';

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
}

/** Streams an HTTP(S) URL to a file: never the whole video in memory. */
async function download(url: string, file: string, what: string): Promise<void> {
  const response = await fetch(url, { redirect: 'follow' });
  if (!response.ok || !response.body) {
    throw new OutputInvalidError(`${what}: downloading the output failed with HTTP ${response.status}`);
  }
  await pipeline(Readable.fromWeb(response.body as WebReadableStream), createWriteStream(file));
}

function succeeded(step: string, prediction: PredictionResult): string {
  const error = predictionError(step, prediction);
  if (error) throw error;
  return outputUrl(step, prediction);
}

/** Anchor image: from the SDXL prediction, or the storyboard's own image (URL or bucket key). */
export async function storeImage(
  config: RuntimeConfig,
  runId: string,
  input: { prediction?: PredictionResult; source?: string },
): Promise<StoredImage> {
  const keys = runKeys(runId);
  return withScratchDir('image', async (dir) => {
    const original = join(dir, 'original');
    if (input.prediction) await download(succeeded('anchor', input.prediction), original, 'anchor');
    else if (input.source?.startsWith('https://')) await download(input.source, original, 'anchor image');
    else if (input.source) await downloadToFile(config, input.source, original);
    else throw new PredictionFailedError('anchor: neither a prediction nor a source image was given');

    await probeImage(original); // throws OutputInvalidError naming the problem
    // Normalise to PNG (JPEG/WebP sources) so every seed is the same format.
    const png = join(dir, 'anchor.png');
    await runFfmpeg(['-i', original, '-frames:v', '1', '-update', '1', png], { label: 'ffmpeg to-png' });
    const { width, height } = await probeImage(png);
    await uploadFile(config, keys.anchor, png, 'image/png');
    await uploadFile(config, keys.seed(0), png, 'image/png');
    await updateStep(config, runId, 'anchor', {
      kind: 'image',
      status: 'stored',
      storedAt: new Date().toISOString(),
      ...(input.prediction && {
        completedAt: input.prediction.completedAt ?? undefined,
        predictTimeSec: input.prediction.predictTimeSec,
      }),
      keys: { output: keys.anchor, seed: keys.seed(0) },
      media: { width, height },
    });
    return { seedKey: keys.seed(0), anchorKey: keys.anchor, width, height };
  });
}

/** A scene's clip: store it, probe it, and store its true last frame as the next seed. */
export async function storeClip(config: RuntimeConfig, scene: ScenePlan, prediction: PredictionResult): Promise<StoredClip> {
  const url = succeeded(scene.step, prediction);
  return withScratchDir('clip', async (dir) => {
    const clip = join(dir, 'clip.mp4');
    const lastFrame = join(dir, 'last.png');
    await download(url, clip, scene.step);
    let probe;
    try {
      probe = await probeVideo(clip);
    } catch (error) {
      throw new OutputInvalidError(`${scene.step}: prediction ${prediction.id} output is not a playable video: ${(error as Error).message}`);
    }
    await extractLastFrame(clip, lastFrame);
    await uploadFile(config, scene.clipKey, clip, 'video/mp4');
    await uploadFile(config, scene.lastFrameKey, lastFrame, 'image/png');
    await updateStep(config, scene.runId, scene.step, {
      kind: 'video',
      status: 'stored',
      completedAt: prediction.completedAt ?? undefined,
      storedAt: new Date().toISOString(),
      predictTimeSec: prediction.predictTimeSec,
      keys: { output: scene.clipKey, seed: scene.lastFrameKey },
      media: { width: probe.width, height: probe.height, durationSec: probe.videoDurationSec, frames: probe.frames, fps: probe.fps },
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
    };
  });
}
