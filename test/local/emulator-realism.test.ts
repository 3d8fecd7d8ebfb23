// The emulator's "realistic" LTX-2 clips, rendered by real ffmpeg and measured with ffmpeg's own
// filters: deterministic per inputs, frame 0 a rendition rather than a copy, a static head the
// product's detector can find (mean absolute luma difference at 160 px wide: < 0.5 static, ≥ 2 moving),
// colour creep that compounds when last frames are chained, no caption on the last frame, and a
// loudness that differs per clip. `none` is the plain stand-in.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../functions/adapters/binaries';
import { ssim } from '../../functions/adapters/media';
import { NOMINAL_LUFS, clipDrift, type EmulatorDrift } from '../../local/replicate-emulator/drift';
import { renderClip } from '../../local/replicate-emulator/render-clip';
import { renderPromptImage } from '../../local/replicate-emulator/render-image';

let dir: string;
let anchor: string;
let count = 0;

interface Clip { prompt?: string; drift?: EmulatorDrift; seed?: number; input?: string; width?: number; height?: number; duration?: number; audio?: boolean }

async function render(clip: Clip = {}): Promise<string> {
  const out = join(dir, `clip-${count++}.mp4`);
  await renderClip({
    prompt: clip.prompt ?? 'Snow falls on the lighthouse at night', firstFrame: clip.input ?? anchor,
    width: clip.width ?? 640, height: clip.height ?? 360, fps: 25, duration: clip.duration ?? 6, audio: clip.audio ?? true,
    out, textFile: `${out}.txt`, drift: clip.drift, seed: clip.seed,
  });
  return out;
}

/** The drift the emulator derives for `clip` (to know its static head and loudness offset). */
async function driftOf(clip: Clip) {
  const image = await readFile(clip.input ?? anchor);
  return clipDrift(clip.drift ?? 'realistic', {
    prompt: clip.prompt ?? 'Snow falls on the lighthouse at night', image, duration: clip.duration ?? 6, fps: 25,
    width: clip.width ?? 640, height: clip.height ?? 360, seed: clip.seed,
  });
}

/** The detector's measure: mean |Δ luma| between each frame and the previous one, at 160 px wide. */
async function lumaSteps(clip: string): Promise<number[]> {
  const { stdout } = await runFfmpeg([
    '-i', clip, '-vf',
    'scale=160:-2,format=gray,tblend=all_mode=difference,signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=-',
    '-f', 'null', '-',
  ]);
  return [...stdout.matchAll(/YAVG=([\d.e+-]+)/g)].map((m) => Number(m[1]));
}

async function md5(clip: string, stream: 'v' | 'a') {
  const { stdout } = await runFfmpeg(['-i', clip, '-map', `0:${stream}`, '-f', 'md5', '-']);
  return stdout.trim();
}

async function frame(clip: string, which: 'first' | 'last', name: string) {
  const out = join(dir, `${name}.png`);
  if (which === 'first') await runFfmpeg(['-i', clip, '-frames:v', '1', out]);
  else await runFfmpeg(['-sseof', '-0.3', '-i', clip, '-update', '1', out]);
  return out;
}

/** Mean saturation (signalstats SATAVG) and contrast (luma 90th − 10th percentile) of an image at 640x360. */
async function colourStats(image: string) {
  const { stdout } = await runFfmpeg([
    '-i', image, '-vf', 'scale=640:360,format=yuv420p,signalstats,metadata=print:file=-', '-f', 'null', '-',
  ]);
  const value = (key: string) => Number(new RegExp(`signalstats\\.${key}=([\\d.]+)`).exec(stdout)![1]);
  return { saturation: value('SATAVG'), contrast: value('YHIGH') - value('YLOW') };
}

/** SSIM of the top band where captions are drawn, against the same band of the input. */
async function captionBandSsim(image: string, input: string) {
  const crop = 'scale=640:360,crop=640:90:0:0,format=yuv420p';
  const { stderr } = await runFfmpeg([
    '-i', image, '-i', input, '-filter_complex', `[0:v]${crop}[a];[1:v]${crop}[b];[a][b]ssim`, '-f', 'null', '-',
  ]);
  return Number(/All:([\d.]+)/.exec(stderr)![1]);
}

async function loudness(clip: string) {
  const { stderr } = await runFfmpeg(['-nostats', '-i', clip, '-map', '0:a', '-af', 'ebur128', '-f', 'null', '-']);
  return Number(/I:\s+(-?[\d.]+) LUFS\s*\n\s*Threshold/.exec(stderr)![1]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emulator-realism-'));
  anchor = join(dir, 'anchor.png');
  // What an anchor looks like in the local flow: the SDXL stand-in at 1344x768 (smooth, so motion is not free).
  await renderPromptImage({ prompt: 'A lighthouse on a cliff in winter', seed: 1, width: 1344, height: 768, out: anchor, textFile: join(dir, 'a.txt') });
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('emulator realism', () => {
  it('renders the same clip for the same inputs, and another for another seed', async () => {
    const [a, b, c] = [await render({ seed: 3 }), await render({ seed: 3 }), await render({ seed: 4 })];
    expect(await md5(a, 'v')).toBe(await md5(b, 'v'));
    expect(await md5(a, 'a')).toBe(await md5(b, 'a'));
    expect(await md5(a, 'v')).not.toBe(await md5(c, 'v'));
  });

  it('"none": frame 0 is the scaled input; "realistic": a regraded, shifted, softened rendition of it', async () => {
    const plain = await ssim(await frame(await render({ drift: 'none' }), 'first', 'plain-0'), anchor);
    const realistic = await ssim(await frame(await render(), 'first', 'realistic-0'), anchor);
    expect(plain).toBeGreaterThan(0.97);
    expect(realistic).toBeLessThan(plain - 0.02);
    expect(realistic).toBeGreaterThan(0.6);
  });

  it.each([
    ['640x360', 640, 360, [1, 2, 3, 5, 6]],
    ['1920x1080', 1920, 1080, [2]],
  ])('at %s: frames 0..k are near-static (k = 0..6 per generation), every later frame moves', async (_size, width, height, seeds) => {
    const heads = new Set<number>();
    for (const seed of seeds) {
      const clip = { seed, width, height, audio: false };
      const k = (await driftOf(clip)).staticHeadFrames;
      heads.add(k);
      const steps = await lumaSteps(await render(clip));
      expect(steps).toHaveLength(149);
      expect(Math.max(0, ...steps.slice(0, k)), `static head of ${k} (seed ${seed}): ${steps.slice(0, 10).join(" ")}`).toBeLessThan(0.5);
      expect(Math.min(...steps.slice(k)), `motion after a head of ${k} (seed ${seed})`).toBeGreaterThanOrEqual(2);
    }
    if (seeds.length > 1) expect(heads.size).toBeGreaterThan(2);
  }, 120_000);

  it('"none" has no static head: frame 1 already moves', async () => {
    const steps = await lumaSteps(await render({ drift: 'none', audio: false }));
    expect(Math.min(...steps)).toBeGreaterThanOrEqual(2);
  });

  it.each<EmulatorDrift>(['realistic', 'none'])('chaining 3 clips from last frames, uncorrected (%s)', async (drift) => {
    let input = anchor;
    for (let hop = 0; hop < 3; hop++) input = await frame(await render({ drift, input, prompt: `hop ${hop}`, audio: false }), 'last', `${drift}-hop-${hop}`);
    const [before, after] = [await colourStats(anchor), await colourStats(input)];
    const saturation = after.saturation / before.saturation - 1;
    const contrast = after.contrast / before.contrast - 1;
    if (drift === 'realistic') expect(saturation >= 0.2 || contrast >= 0.1, `saturation ${saturation}, contrast ${contrast}`).toBe(true);
    else {
      expect(Math.abs(saturation)).toBeLessThan(0.05);
      expect(Math.abs(contrast)).toBeLessThan(0.05);
    }
  }, 120_000);

  it('fades the caption out before the end: the last frame carries none, frames mid-clip do', async () => {
    const clip = await render({ audio: false, prompt: 'WIDE BRIGHT CAPTION WORDS HERE' });
    const last = await captionBandSsim(await frame(clip, 'last', 'caption-last'), anchor);
    await runFfmpeg(['-ss', '3', '-i', clip, '-frames:v', '1', join(dir, 'caption-mid.png')]);
    const mid = await captionBandSsim(join(dir, 'caption-mid.png'), anchor);
    expect(last).toBeGreaterThan(0.9);
    expect(mid).toBeLessThan(last - 0.1);
  });

  it('gives each clip its own loudness within ±6 LU of nominal; "none" keeps one loudness', async () => {
    const prompts = ['a harbour at dawn', 'wind on the ridge', 'city lights in rain', 'a quiet forest'];
    const measured: number[] = [];
    for (const prompt of prompts) {
      const lufs = await loudness(await render({ prompt }));
      measured.push(lufs);
      expect(lufs).toBeCloseTo(NOMINAL_LUFS + (await driftOf({ prompt })).loudnessOffsetLu, 0);
      expect(Math.abs(lufs - NOMINAL_LUFS)).toBeLessThanOrEqual(6.5);
    }
    expect(Math.max(...measured) - Math.min(...measured)).toBeGreaterThanOrEqual(3);
    for (const prompt of prompts.slice(0, 2)) {
      expect(await loudness(await render({ prompt, drift: 'none' }))).toBeCloseTo(NOMINAL_LUFS, 0);
    }
  }, 120_000);
});
