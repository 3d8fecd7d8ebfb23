// store-output for strategy keyframes: SDXL's image is stored as keyframes/<n>.png (never over a seed,
// which the clips write), and an output that is not an image is OutputInvalidError, which the
// Keyframes map answers by generating the keyframe again.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { handler as prepare } from '../../functions/handlers/prepare';
import { handler as storeOutput } from '../../functions/handlers/store-output';
import { exists, findJson } from '../../functions/adapters/s3';
import { ffmpegPath } from '../../functions/adapters/binaries';
import { OutputInvalidError } from '../../functions/domain/errors';
import { newRunId, runKeys } from '../../functions/domain/run-keys';
import type { RunPlan } from '../../functions/domain/plan';
import { tinyStoryboard } from './helpers';

let stack: LocalStack;
let dir: string;
let files: Server;
let origin: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-store-keyframe-test-'));
  stack = await startLocalStack();
  const png = join(dir, 'keyframe.png');
  await promisify(execFile)(ffmpegPath(), ['-hide_banner', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=1344x768', '-frames:v', '1', png]);
  const body = await readFile(png);
  // Stands in for Replicate's file host: a PNG, or junk.
  files = createServer((req, res) => {
    if (req.url === '/out-0.png') res.writeHead(200, { 'content-type': 'image/png' }).end(body);
    else res.writeHead(200, { 'content-type': 'image/png' }).end('not an image at all');
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => files?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function keyframesRun(title: string): Promise<RunPlan> {
  const storyboard = { ...tinyStoryboard(title, 2), strategy: 'keyframes', model: 'ltx-2.3-fast', anchor: { prompt: 'A red kite' } };
  return (await prepare({ runId: newRunId(title), request: { storyboard } })) as RunPlan;
}

const prediction = (output: string[]) => ({
  id: 'p-kf', status: 'succeeded', output, error: null, createdAt: null, startedAt: null, completedAt: '2026-11-27T08:00:00.000Z', predictTimeSec: 3,
});

describe('store-output: keyframes', () => {
  it('stores the SDXL image as keyframes/<n>.png and records the step; the seed of that number stays the clip’s', async () => {
    const plan = await keyframesRun('Keyframe stored');
    const keyframe = plan.keyframes![1];
    const stored = await storeOutput({ runId: plan.runId, step: keyframe.step, kind: 'keyframe', keyframe, prediction: prediction([`${origin}/out-0.png`]) } as never);
    expect(stored).toEqual({ index: 2, keyframeKey: runKeys(plan.runId).keyframe(2), width: 1344, height: 768 });
    expect(await exists(stack.config, runKeys(plan.runId).keyframe(2))).toBe(true);
    expect(await exists(stack.config, runKeys(plan.runId).seed(2))).toBe(false);
    const step = await findJson<{ kind: string; status: string }>(stack.config, runKeys(plan.runId).step('keyframe-2'));
    expect(step).toMatchObject({ kind: 'image', status: 'stored' });
  });

  it('an output that is not an image is OutputInvalidError (generate again) and nothing is stored', async () => {
    const plan = await keyframesRun('Keyframe junk');
    const keyframe = plan.keyframes![0];
    const error = await storeOutput({ runId: plan.runId, step: keyframe.step, kind: 'keyframe', keyframe, prediction: prediction([`${origin}/junk.png`]) } as never).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OutputInvalidError);
    expect(await exists(stack.config, runKeys(plan.runId).keyframe(1))).toBe(false);
  });
});
