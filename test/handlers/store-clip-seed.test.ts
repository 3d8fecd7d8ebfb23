// store-output for a scene: the frame stored at scene.lastFrameKey (the next scene's seed) is the
// clip's TRUE last frame — checked on a clip whose frames carry their own number.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { handler as prepare } from '../../functions/handlers/prepare';
import { handler as storeOutput } from '../../functions/handlers/store-output';
import { downloadToFile } from '../../functions/adapters/s3';
import { newRunId } from '../../functions/domain/run-keys';
import type { RunPlan } from '../../functions/domain/plan';
import { clipFrames, frameIndexOf, makeNumberedClip } from '../unit/numbered-clip';
import { tinyStoryboard } from './helpers';

let stack: LocalStack;
let dir: string;
let server: Server;
let clipUrl: string;
let frames: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-store-clip-'));
  const clip = join(dir, 'clip.mp4');
  await makeNumberedClip(clip, { seconds: 6, fps: 25, audio: true });
  frames = await clipFrames(clip);
  const size = (await stat(clip)).size;
  // Stands in for Replicate's delivery host: the output URL store-output downloads from.
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(size) });
    createReadStream(clip).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  clipUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files/clip.mp4`;
  stack = await startLocalStack();
});
afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => server?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const succeeded = (id: string, output: string) => ({
  id,
  status: 'succeeded',
  output,
  error: null,
  createdAt: '2026-11-25T10:42:13.000Z',
  startedAt: '2026-11-25T10:42:14.000Z',
  completedAt: '2026-11-25T10:42:20.000Z',
  predictTimeSec: 6,
});

async function chainPlan(title: string): Promise<RunPlan> {
  const runId = newRunId(title);
  return (await prepare({ runId, request: { storyboard: tinyStoryboard(title, 2) } })) as RunPlan;
}

describe('store-output (video): the next seed', () => {
  it('stores the clip’s true last frame at scene.lastFrameKey', async () => {
    const plan = await chainPlan('Seed is the last frame');
    const [scene] = plan.scenes;
    await storeOutput({ runId: plan.runId, step: scene.step, kind: 'video', scene, prediction: succeeded('pred-seed-1', clipUrl) });
    const stored = join(dir, `${plan.runId}-seed.png`);
    await downloadToFile(stack.config, scene.lastFrameKey, stored);
    expect(await frameIndexOf(stored, frames)).toBe(frames.length - 1);
  });

  it('chains: the next scene starts from the key this scene’s last frame is stored at', async () => {
    const plan = await chainPlan('Seed key chain');
    expect(plan.scenes[1].seedKey).toBe(plan.scenes[0].lastFrameKey);
  });
});
