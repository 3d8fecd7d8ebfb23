// single and independent through the same ASL: one 20 s text-to-video clip, and parallel scenes
// all seeded from the anchor.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { render, type RenderResult } from '../../local/render';
import { probeVideo, worstFrameStepError } from './film-checks';

type Rendered = Extract<RenderResult, { runId: string }>;
let stack: LocalStack;
let dir: string;

async function renderFile(file: string, overrides = {}): Promise<Rendered> {
  const storyboard = JSON.parse(await readFile(file, 'utf8'));
  const result = await render({ storyboard, outDir: dir, on: stack, progress: false, overrides });
  if (result.outcome === 'invalid') throw new Error(result.problems.join('; '));
  return result;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-e2e-strategies-'));
  stack = await startLocalStack();
});

afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('single strategy (examples/winter-ad-single.json)', () => {
  let result: Rendered;
  beforeAll(async () => {
    result = await renderFile('examples/winter-ad-single.json');
  }, 120_000);

  it('makes one 20 s clip from the prompt alone and a 20 s film with sound (less its frozen head)', async () => {
    expect(result.exitCode).toBe(0);
    const film = await probeVideo(result.film!);
    const { headTrimFrames, frozenHeadFrames, grade } = result.manifest.steps[0].corrections!;
    expect(headTrimFrames).toBe(frozenHeadFrames); // one shot: no seed frame to drop
    expect(grade).toBeNull(); // text-to-video: no anchor to match
    expect(film).toMatchObject({ videoCodec: 'h264', audioCodec: 'aac', frames: 500 - headTrimFrames, fps: 25 });
    expect(film.videoDurationSec).toBeCloseTo((500 - headTrimFrames) / 25, 2);
    expect(Math.abs(film.audioDurationSec! - film.videoDurationSec)).toBeLessThanOrEqual(1 / 25);
    expect(result.manifest.steps.map((s) => s.step)).toEqual(['scene-1']);
    const [prediction] = stack.emulator!.predictions().filter((p) => p.id === result.manifest.steps[0].predictionId);
    expect(prediction.input).not.toHaveProperty('image');
    expect(prediction.input).toMatchObject({ duration: 20, fps: 25 });
  });
});

describe('independent strategy (winter-ad with --strategy independent)', () => {
  let result: Rendered;
  beforeAll(async () => {
    result = await renderFile('examples/winter-ad.json', { strategy: 'independent' });
  }, 120_000);

  it('seeds every scene with the anchor and starts them without waiting for each other', () => {
    expect(result.exitCode).toBe(0);
    const ids = result.manifest.steps.filter((s) => s.kind === 'video').map((s) => s.predictionId);
    const inputs = stack.emulator!.predictions().filter((p) => ids.includes(p.id)).map((p) => p.input.image as string);
    expect(inputs).toHaveLength(3);
    for (const image of inputs) expect(new URL(image).pathname).toMatch(/\/seeds\/0\.png$/);
    const clipEntered = result.history.filter((e) => e.type === 'StateEntered' && e.state === 'Clip').map((e) => e.at);
    const firstStored = Math.min(...result.history.filter((e) => e.type === 'StateExited' && e.state === 'StoreClip').map((e) => e.at));
    expect(clipEntered).toHaveLength(3);
    expect(Math.max(...clipEntered)).toBeLessThan(firstStored);
  });

  it('joins the clips without dropping a seed frame (none is repeated), only frozen heads, graded to the anchor', async () => {
    const film = await probeVideo(result.film!);
    const corrections = result.manifest.steps.flatMap((s) => (s.corrections ? [s.corrections] : []));
    for (const c of corrections) expect(c.headTrimFrames).toBe(c.frozenHeadFrames);
    for (const c of corrections) expect(c.grade).not.toBeNull();
    expect(film.frames).toBe(750 - corrections.reduce((sum, c) => sum + c.headTrimFrames, 0));
    expect((await worstFrameStepError(result.film!, 25)).worst).toBeLessThan(0.001);
    expect(Math.abs(film.audioDurationSec! - film.videoDurationSec)).toBeLessThanOrEqual(1 / 25);
  });
});
