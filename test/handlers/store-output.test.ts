// store-output: a prediction's output copied into the run and checked. For a scene, the frame stored
// at scene.lastFrameKey (the next scene's seed) is the clip's TRUE last frame — checked on clips whose
// frames carry their own number; for the anchor, the image becomes the PNG every seed is.
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { handler as prepare } from '../../functions/handlers/prepare';
import { handler as storeOutput } from '../../functions/handlers/store-output';
import { runFfmpeg } from '../../functions/adapters/binaries';
import { probeImage } from '../../functions/adapters/media';
import { downloadToFile, uploadFile } from '../../functions/adapters/s3';
import { findStep } from '../../functions/adapters/run-store';
import { newRunId, runKeys } from '../../functions/domain/run-keys';
import type { RunPlan } from '../../functions/domain/plan';
import { clipFrames, frameIndexOf, makeNumberedClip } from '../unit/numbered-clip';
import { tinyStoryboard } from './helpers';

let stack: LocalStack;
let dir: string;
let server: Server;
let origin: string;
let frames: string[];
const p = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-store-output-'));
  await Promise.all([
    makeNumberedClip(p('clip.mp4'), { seconds: 6, fps: 25, audio: true }),
    makeNumberedClip(p('silent.mp4'), { seconds: 1, fps: 25, audio: false }),
    runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x180', '-frames:v', '1', p('anchor.jpg')]),
  ]);
  frames = await clipFrames(p('clip.mp4'));
  // Stands in for Replicate's delivery host: the output URLs store-output downloads from.
  server = createServer(async (req, res) => {
    const file = p(req.url!.slice('/files/'.length));
    const size = await stat(file).then((s) => s.size, () => null);
    if (size === null) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': String(size) });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stack = await startLocalStack();
});
afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => server?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const prediction = (id: string, output: unknown, status = 'succeeded') => ({
  id,
  status,
  output,
  error: status === 'failed' ? 'model error' : null,
  createdAt: '2026-11-25T10:42:13.000Z',
  startedAt: '2026-11-25T10:42:14.000Z',
  completedAt: '2026-11-25T10:42:20.000Z',
  predictTimeSec: 6,
});

async function planned(title: string, storyboard: Record<string, unknown> = tinyStoryboard(title, 2)): Promise<RunPlan> {
  return (await prepare({ runId: newRunId(title), request: { storyboard } })) as RunPlan;
}

const storeClip = (plan: RunPlan, file: string, id = `pred-${file}`, status = 'succeeded') => {
  const [scene] = plan.scenes;
  return storeOutput({ runId: plan.runId, step: scene.step, kind: 'video', scene, prediction: prediction(id, `${origin}/files/${file}`, status) });
};

describe('store-output (video): the next seed', () => {
  it('stores the clip’s true last frame at scene.lastFrameKey', async () => {
    const plan = await planned('Seed is the last frame');
    await storeClip(plan, 'clip.mp4');
    const stored = p(`${plan.runId}-seed.png`);
    await downloadToFile(stack.config, plan.scenes[0].lastFrameKey, stored);
    expect(await frameIndexOf(stored, frames)).toBe(frames.length - 1);
  });

  it('chains: the next scene starts from the key this scene’s last frame is stored at', async () => {
    const plan = await planned('Seed key chain');
    expect(plan.scenes[1].seedKey).toBe(plan.scenes[0].lastFrameKey);
  });
});

describe('store-output (video): the clip and its record', () => {
  it('stores the clip as delivered and records it, with what the join needs', async () => {
    const plan = await planned('Clip record');
    const [scene] = plan.scenes;
    const result = await storeClip(plan, 'clip.mp4', 'pred-record');
    expect(result).toMatchObject({ index: 1, step: scene.step, clipKey: scene.clipKey, lastFrameKey: scene.lastFrameKey, frames: 150, fps: 25, width: 64, height: 36, hasAudio: true });
    await downloadToFile(stack.config, scene.clipKey, p('copy.mp4'));
    expect((await readFile(p('copy.mp4'))).equals(await readFile(p('clip.mp4')))).toBe(true);
    expect(await findStep(stack.config, plan.runId, scene.step)).toMatchObject({
      kind: 'video',
      status: 'stored',
      completedAt: '2026-11-25T10:42:20.000Z',
      predictTimeSec: 6,
      keys: { output: scene.clipKey, seed: scene.lastFrameKey },
      media: { width: 64, height: 36, frames: 150, fps: 25 },
    });
  });

  it('says when a clip has no sound (the join then adds silence)', async () => {
    expect(await storeClip(await planned('Silent clip'), 'silent.mp4')).toMatchObject({ hasAudio: false, frames: 25 });
  });

  it.each([
    ['an output that is not a video', 'anchor.jpg', 'succeeded', 'OutputInvalidError'],
    ['an output that is gone (404)', 'missing.mp4', 'succeeded', 'OutputInvalidError'],
    ['a failed prediction', 'clip.mp4', 'failed', 'PredictionFailedError'],
    ['a canceled prediction', 'clip.mp4', 'canceled', 'PredictionCanceledError'],
  ])('refuses %s with %s and stores nothing', async (_what, file, status, error) => {
    const plan = await planned(`Refused ${status} ${file}`);
    await expect(storeClip(plan, file, `pred-${status}`, status)).rejects.toMatchObject({ name: error });
    expect(await findStep(stack.config, plan.runId, plan.scenes[0].step)).toBeNull();
  });
});

describe('store-output (image): the anchor', () => {
  const anchored = () => planned('Anchor', { ...tinyStoryboard('Anchor', 1), anchor: { prompt: 'a lighthouse at dusk' } });

  it('stores an SDXL output (first of its array) as anchor.png and as the first seed, both PNG', async () => {
    const plan = await anchored();
    const keys = runKeys(plan.runId);
    const result = await storeOutput({ runId: plan.runId, step: 'anchor', kind: 'image', prediction: prediction('pred-anchor', [`${origin}/files/anchor.jpg`]) });
    expect(result).toEqual({ seedKey: keys.seed(0), anchorKey: keys.anchor, width: 320, height: 180 });
    for (const key of [keys.anchor, keys.seed(0)]) {
      await downloadToFile(stack.config, key, p('stored.png'));
      expect((await readFile(p('stored.png'))).subarray(1, 4).toString()).toBe('PNG');
      expect(await probeImage(p('stored.png'))).toEqual({ width: 320, height: 180 });
    }
    expect(await findStep(stack.config, plan.runId, 'anchor')).toMatchObject({
      kind: 'image', status: 'stored', completedAt: '2026-11-25T10:42:20.000Z', predictTimeSec: 6,
      keys: { output: keys.anchor, seed: keys.seed(0) }, media: { width: 320, height: 180 },
    });
  });

  it('stores the storyboard’s own image from the bucket, recording no prediction times', async () => {
    const plan = await anchored();
    await uploadFile(stack.config, 'inbox/anchor-source.jpg', p('anchor.jpg'), 'image/jpeg');
    await storeOutput({ runId: plan.runId, step: 'anchor', kind: 'image', source: 'inbox/anchor-source.jpg' });
    const record = await findStep(stack.config, plan.runId, 'anchor');
    expect(record).toMatchObject({ status: 'stored', media: { width: 320, height: 180 } });
    expect(record).not.toHaveProperty('predictTimeSec');
  });

  it('refuses a call with neither a prediction nor a source, and stores nothing', async () => {
    const plan = await anchored();
    await expect(storeOutput({ runId: plan.runId, step: 'anchor', kind: 'image' })).rejects.toThrow();
    expect(await findStep(stack.config, plan.runId, 'anchor')).toBeNull();
  });
});
