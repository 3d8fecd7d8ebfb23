// store-output for the anchor: a storyboard's own image (URL or bucket key) is fetched only from
// public addresses and only from inside inbox/ or images/, and no failure cause shows a scratch path.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { handler as prepare } from '../../functions/handlers/prepare';
import { handler as storeOutput } from '../../functions/handlers/store-output';
import { handler as api } from '../../functions/handlers/api';
import { downloadToFile, exists, findJson, s3Client, uploadFile } from '../../functions/adapters/s3';
import { ffmpegPath } from '../../functions/adapters/binaries';
import { InvalidStoryboardError, OutputInvalidError } from '../../functions/domain/errors';
import { newRunId, runKeys } from '../../functions/domain/run-keys';
import type { RunPlan } from '../../functions/domain/plan';
import { apiEvent, bodyOf, tinyStoryboard } from './helpers';

let stack: LocalStack;
let dir: string;
let listener: TcpServer;
let listenerPort: number;
let listenerConnections = 0;
let junkServer: HttpServer;
let junkUrl: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-store-anchor-test-'));
  stack = await startLocalStack();
  // Anything listening on this machine: a storyboard must never make us connect to it.
  listener = createTcpServer((socket) => socket.destroy());
  listener.on('connection', () => listenerConnections++);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  listenerPort = (listener.address() as AddressInfo).port;
  // Stands in for Replicate's file host serving a broken output.
  junkServer = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'video/mp4' }).end('not a video at all'));
  await new Promise<void>((resolve) => junkServer.listen(0, '127.0.0.1', resolve));
  junkUrl = `http://127.0.0.1:${(junkServer.address() as AddressInfo).port}/output.mp4`;
});
afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => listener?.close(resolve));
  await new Promise((resolve) => junkServer?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  listenerConnections = 0;
});

async function preparedRun(title: string): Promise<RunPlan> {
  return (await prepare({ runId: newRunId(title), request: { storyboard: tinyStoryboard(title) } })) as RunPlan;
}

async function failure(event: Record<string, unknown>): Promise<Error> {
  const error = await storeOutput(event as never).then(() => null, (e: unknown) => e);
  expect(error, 'store-output should have failed').toBeInstanceOf(Error);
  return error as Error;
}

/** Failure causes carry the message and the stack: neither may name the scratch directory. */
function expectNoScratchPath(error: Error) {
  for (const text of [error.message, error.stack ?? '', ...((error as InvalidStoryboardError).problems ?? [])]) {
    expect(text).not.toMatch(/longshot-(image|clip)-/);
    expect(text).not.toContain(`${tmpdir()}/longshot-`);
  }
}

const put = (key: string, body: string | Buffer) =>
  s3Client(stack.config).send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: body }));

describe('store-output: the storyboard’s own anchor image', () => {
  it('refuses https://127.0.0.1:<port> without connecting to it', async () => {
    const plan = await preparedRun('Loopback anchor');
    const error = await failure({ runId: plan.runId, step: 'anchor', kind: 'image', source: `https://127.0.0.1:${listenerPort}/a.png` });
    expect(error).toBeInstanceOf(InvalidStoryboardError);
    expect(error.message).toContain(`anchor.image: https://127.0.0.1:${listenerPort}/a.png is 127.0.0.1, a loopback address; only public addresses are fetched`);
    expect(listenerConnections).toBe(0);
    expect(await exists(stack.config, runKeys(plan.runId).anchor)).toBe(false);
  });

  it('refuses the cloud metadata address at once', async () => {
    const plan = await preparedRun('Metadata anchor');
    const started = Date.now();
    const error = await failure({ runId: plan.runId, step: 'anchor', kind: 'image', source: 'https://169.254.169.254/latest/meta-data/iam/security-credentials/role.png' });
    expect(error).toBeInstanceOf(InvalidStoryboardError);
    expect(error.message).toContain('is 169.254.169.254, the cloud metadata address; only public addresses are fetched');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('refuses a key that climbs out of inbox/ into another run, and reads nothing', async () => {
    const other = await preparedRun('Other run');
    const secret = join(dir, 'secret.png');
    await promisify(execFile)(ffmpegPath(), ['-hide_banner', '-y', '-f', 'lavfi', '-i', 'color=c=red:s=64x36', '-frames:v', '1', secret]);
    await uploadFile(stack.config, runKeys(other.runId).seed(1), secret, 'image/png');
    const plan = await preparedRun('Traversal anchor');
    const error = await failure({ runId: plan.runId, step: 'anchor', kind: 'image', source: `inbox/../runs/${other.runId}/seeds/1.png` });
    expect(error).toBeInstanceOf(InvalidStoryboardError);
    expect((error as InvalidStoryboardError).problems).toEqual([`anchor.image: "inbox/../runs/${other.runId}/seeds/1.png" contains a "." or ".." path segment`]);
    expect(await exists(stack.config, runKeys(plan.runId).anchor)).toBe(false);
  });

  it.each([
    ['inbox/text.png', 'just some text, not an image'],
    ['inbox/playlist.png', '#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:1.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n'],
    ['images/concat.jpg', 'ffconcat version 1.0\nfile /etc/passwd\n'],
  ])('refuses %s (not a PNG, JPEG or WebP) naming the field, without a scratch path', async (key, body) => {
    await put(key, body);
    const plan = await preparedRun('Fake image anchor');
    const error = await failure({ runId: plan.runId, step: 'anchor', kind: 'image', source: key });
    expect(error).toBeInstanceOf(InvalidStoryboardError);
    expect((error as InvalidStoryboardError).problems).toEqual([`anchor.image: "${key}" is not a PNG, JPEG or WebP image`]);
    expectNoScratchPath(error);
  });

  it('says which key is missing', async () => {
    const plan = await preparedRun('Missing anchor');
    const error = await failure({ runId: plan.runId, step: 'anchor', kind: 'image', source: 'images/nowhere.png' });
    expect((error as InvalidStoryboardError).problems).toEqual(['anchor.image: "images/nowhere.png" does not exist in the bucket (or cannot be read)']);
  });

  it('stores a JPEG from the bucket as a PNG anchor and seed', async () => {
    const jpeg = join(dir, 'photo.jpg');
    await promisify(execFile)(ffmpegPath(), ['-hide_banner', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x180', '-frames:v', '1', jpeg]);
    await uploadFile(stack.config, 'inbox/photo.jpg', jpeg, 'image/jpeg');
    const plan = await preparedRun('Jpeg anchor');
    const stored = await storeOutput({ runId: plan.runId, step: 'anchor', kind: 'image', source: 'inbox/photo.jpg' });
    expect(stored).toMatchObject({ width: 320, height: 180, seedKey: runKeys(plan.runId).seed(0) });
    const png = join(dir, 'seed.png');
    await downloadToFile(stack.config, runKeys(plan.runId).seed(0), png);
    expect((await readFile(png)).subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});

describe('store-output: failure causes', () => {
  it('a clip that is not a video fails naming the step and prediction, without a scratch path', async () => {
    const plan = await preparedRun('Junk clip');
    const scene = plan.scenes[0];
    const prediction = { id: 'pred-junk', status: 'succeeded', output: junkUrl, error: null, createdAt: null, startedAt: null, completedAt: null, predictTimeSec: 1 };
    const error = await failure({ runId: plan.runId, step: scene.step, kind: 'video', scene, prediction });
    expect(error).toBeInstanceOf(OutputInvalidError);
    expect(error.message).toMatch(/^scene-1: prediction pred-junk output is not a playable video/);
    expectNoScratchPath(error);
  });
});

describe('a run whose anchor.image names this machine', () => {
  it('fails in StoreProvidedAnchor with a cause naming the field and the address, and connects nowhere', async () => {
    const board = { ...tinyStoryboard('Localhost anchor'), anchor: { image: `https://localhost:${listenerPort}/me.png` } };
    const response = await api(apiEvent('POST', '/runs', { body: JSON.stringify(board), headers: { 'content-type': 'application/json' } }));
    expect(response.statusCode).toBe(202);
    const { runId } = bodyOf(response);
    const execution = stack.engine.list().find((e) => e.name === runId)!;
    expect((await execution.done).status).toBe('FAILED');
    const manifest = await findJson<{ failure: { state: string; error: string; cause: string } }>(stack.config, runKeys(runId).manifest);
    expect(manifest?.failure).toMatchObject({ state: 'StoreProvidedAnchor', error: 'InvalidStoryboardError' });
    expect(manifest?.failure.cause).toMatch(
      new RegExp(`anchor\\.image: https://localhost:${listenerPort}/me\\.png resolves to (127\\.0\\.0\\.1|::1), a loopback address; only public addresses are fetched`),
    );
    expect(manifest?.failure.cause).not.toMatch(/longshot-image-/);
    expect(listenerConnections).toBe(0);
  });
});
