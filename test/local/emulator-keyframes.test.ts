// The emulator's stand-ins for what strategy keyframes asks of Replicate: SDXL with an `image` makes a
// rendition of that image (not a new picture), and LTX-2.3 with `last_frame_image` ends exactly on
// it, moving from its first frame in between, with drift or without.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ssim } from '../../functions/adapters/media';
import { decodeFirstFrame, decodeLastFrame } from '../e2e/film-checks';
import { runFfmpeg } from '../../functions/adapters/binaries';
import { renderClip } from '../../local/replicate-emulator/render-clip';
import { renderImageToImage, renderPromptImage } from '../../local/replicate-emulator/render-image';
import { validateInput, officialModel, modelForVersion } from '../../local/replicate-emulator/inputs';
import { SDXL } from '../../functions/domain/models';

let dir: string;
let anchor: string;
let ending: string;

const image = async (prompt: string, seed: number) => {
  const out = join(dir, `${prompt.replace(/\W+/g, '-')}-${seed}.png`);
  await renderPromptImage({ prompt, seed, width: 640, height: 360, out, textFile: `${out}.txt` });
  return out;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-emulator-keyframes-'));
  anchor = await image('A lighthouse at dusk', 1);
  ending = await image('A ship in a storm', 2);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SDXL image-to-image stand-in', () => {
  it('renders a rendition of the input: close to it, not a copy, and unlike a fresh picture', async () => {
    const out = join(dir, 'keyframe.png');
    await renderImageToImage({ prompt: 'The beam sweeps the sea', seed: 7, strength: 0.45, image: anchor, width: 640, height: 360, out, textFile: `${out}.txt` });
    const toInput = await ssim(out, anchor);
    expect(toInput).toBeGreaterThan(0.5);
    expect(toInput).toBeLessThan(0.99);
    expect(toInput).toBeGreaterThan(await ssim(out, ending));
  });
});

describe('LTX-2.3 last-frame pinning stand-in', () => {
  it.each(['realistic', 'none'] as const)('with drift %s the last frame is the end image, the middle is neither end', async (drift) => {
    const out = join(dir, `pinned-${drift}.mp4`);
    await renderClip({
      prompt: 'The lighthouse turns into a ship', firstFrame: anchor, lastFrame: ending, width: 640, height: 360,
      fps: 25, duration: 6, audio: false, out, textFile: `${out}.txt`, drift,
    });
    expect(await ssim(await decodeLastFrame(out, dir, `last-${drift}`), ending)).toBeGreaterThan(0.97);
    const first = await decodeFirstFrame(out, dir, `first-${drift}`);
    expect(await ssim(first, anchor)).toBeGreaterThan(await ssim(first, ending));
    const middle = join(dir, `middle-${drift}.png`);
    await runFfmpeg(['-i', out, '-vf', 'select=eq(n\\,75)', '-vsync', '0', '-frames:v', '1', middle]);
    expect(await ssim(middle, ending)).toBeLessThan(0.95);
    expect(await ssim(middle, anchor)).toBeLessThan(0.95);
  });
});

describe('inputs', () => {
  const url = 'https://example.invalid/frame.png';
  const ltx = (name: string) => officialModel('lightricks', name)!;

  it('LTX-2.3 takes last_frame_image', () => {
    const result = validateInput(ltx('ltx-2.3-fast'), { prompt: 'p', image: url, last_frame_image: url, duration: 6 });
    expect(result).toMatchObject({ job: { kind: 'ltx', lastFrameImage: url } });
  });

  it.each([
    ['ltx-2-fast has no last frame', ltx('ltx-2-fast'), { prompt: 'p', last_frame_image: url, duration: 6 }, 'last_frame_image'],
    ['a last frame that is not a URL', ltx('ltx-2.3-pro'), { prompt: 'p', last_frame_image: '/etc/passwd', duration: 6 }, 'last_frame_image'],
    ['SDXL image that is not a URL', modelForVersion(SDXL.version)!, { prompt: 'p', image: 5 }, 'image'],
    ['SDXL prompt_strength above 1', modelForVersion(SDXL.version)!, { prompt: 'p', image: url, prompt_strength: 1.5 }, 'prompt_strength'],
  ])('refuses %s (422 naming the field)', (_, model, input, field) => {
    const result = validateInput(model, input);
    expect('problems' in result && result.problems.map((p) => p.field)).toEqual([field]);
  });
});
