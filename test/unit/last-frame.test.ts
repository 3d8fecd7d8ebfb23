// Which frame seeds the next scene: the recipes run on real ffmpeg against clips whose frames carry
// their own number, so "first frame" and "a frame near the end" cannot pass for the last one.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../functions/adapters/binaries';
import { lastFrameArgs, lastFrameFullDecodeArgs } from '../../functions/domain/ffmpeg-recipes';
import { clipFrames, frameIndexOf, makeNumberedClip, type NumberedClip } from './numbered-clip';

let dir: string;
const CLIPS: Record<string, NumberedClip> = {
  '2 s at 25 fps with audio': { seconds: 2, fps: 25, audio: true },
  '2 s at 50 fps, no audio': { seconds: 2, fps: 50, audio: false },
  '10 s at 25 fps with audio (an LTX-2 length)': { seconds: 10, fps: 25, audio: true },
  '0.2 s, shorter than the 0.3 s seek window': { seconds: 0.2, fps: 25, audio: true },
  // The probe reads the first video stream; the seed must come from that stream too.
  '2 s with a second, larger video stream': { seconds: 2, fps: 25, audio: true, decoy: true },
};
const frames: Record<string, string[]> = {};
const clipPath = (name: string) => join(dir, `${Object.keys(CLIPS).indexOf(name)}.mp4`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-last-frame-'));
  for (const [name, clip] of Object.entries(CLIPS)) {
    await makeNumberedClip(clipPath(name), clip);
    frames[name] = await clipFrames(clipPath(name));
  }
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('numbered test clips', () => {
  it.each(Object.keys(CLIPS))('%s: every frame is distinguishable', (name) => {
    const clip = CLIPS[name];
    expect(frames[name]).toHaveLength(Math.round(clip.seconds * clip.fps));
    expect(new Set(frames[name]).size).toBe(frames[name].length);
  });
});

describe('frame recipes pick the right frame (real ffmpeg)', () => {
  const extracted = async (name: string, recipe: (clip: string, png: string) => string[], tag: string) => {
    const png = join(dir, `${tag}-${Object.keys(CLIPS).indexOf(name)}.png`);
    await runFfmpeg(recipe(clipPath(name), png));
    return frameIndexOf(png, frames[name]);
  };

  it.each(Object.keys(CLIPS))('lastFrameArgs on %s gives the TRUE last frame', async (name) => {
    expect(await extracted(name, lastFrameArgs, 'last')).toBe(frames[name].length - 1);
  });

  it.each(Object.keys(CLIPS))('lastFrameFullDecodeArgs (the fallback) on %s gives the TRUE last frame', async (name) => {
    expect(await extracted(name, lastFrameFullDecodeArgs, 'full')).toBe(frames[name].length - 1);
  });
});
