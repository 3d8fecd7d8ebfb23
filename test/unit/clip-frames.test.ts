// StoreClip's one decode (adapters/clip-frames.ts) against the recipes it replaced, on real ffmpeg:
// the last frame must be the PNG a full decode converted exactly ends on (byte for byte), the look frames the same
// pixels sampleFrames reads, the head motion the same figures headDifferenceArgs prints.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../functions/adapters/binaries';
import { readClipFrames } from '../../functions/adapters/clip-frames';
import { sampleFrames } from '../../functions/adapters/looks';
import { probeVideo } from '../../functions/adapters/media';
import { OutputInvalidError } from '../../functions/domain/errors';
import { EXACT_CONVERSION } from '../../functions/domain/look-recipes';
import { headDifferenceArgs, headDifferences, parseFrameDifferences } from '../../functions/domain/frozen-frames';
import { clipFrames, frameIndexOf, makeNumberedClip, type NumberedClip } from './numbered-clip';

const ENCODE = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'];
// Colour everywhere (numbered clips are grey, so they cannot show a chroma conversion difference),
// noise so every frame differs, a size that is not 16:9, and a head frozen for 3 frames.
const COLOURFUL: Record<string, string> = {
  'colour bars with noise, 16:9': 'testsrc2=s=480x270:r=25:d=2,noise=alls=8:allf=t',
  'a head frozen for 3 frames, 4:3': 'testsrc2=s=320x240:r=25:d=1,tpad=start=3:start_mode=clone,noise=alls=8:allf=t',
  'fast motion at 5 fps, odd size': 'testsrc2=s=322x182:r=5:d=3,noise=alls=8:allf=t',
};
const NUMBERED: Record<string, NumberedClip> = {
  '10 s at 25 fps with audio': { seconds: 10, fps: 25, audio: true },
  '2 s at 50 fps, no audio': { seconds: 2, fps: 50, audio: false },
  '0.2 s, fewer frames than the head asks for': { seconds: 0.2, fps: 25, audio: true },
  'a second, larger video stream': { seconds: 2, fps: 25, audio: true, decoy: true },
};
const NAMES = [...Object.keys(COLOURFUL), ...Object.keys(NUMBERED)];

let dir: string;
const clipPath = (name: string) => join(dir, `${NAMES.indexOf(name)}.mp4`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-clip-frames-'));
  for (const [name, source] of Object.entries(COLOURFUL)) await runFfmpeg(['-f', 'lavfi', '-i', source, ...ENCODE, clipPath(name)]);
  for (const [name, clip] of Object.entries(NUMBERED)) await makeNumberedClip(clipPath(name), clip);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The pass as correctClip asks for it: motion over 10 head frames, looks of the head and the last 3. */
async function onePass(name: string) {
  const { frames } = await probeVideo(clipPath(name));
  const lookFrames = [...new Set([0, 1, 2, 3, 4, 5, frames - 3, frames - 2, frames - 1].filter((n) => n >= 0 && n < frames))];
  const scratch = await mkdtemp(join(dir, 'pass-'));
  return { frames, lookFrames, result: await readClipFrames(clipPath(name), { frames, headMotionFrames: 10, lookFrames }, scratch) };
}

describe('readClipFrames gives what the separate recipes gave (real ffmpeg)', () => {
  it.each(NAMES)('%s: the last frame is the PNG a full decode converted exactly ends on, byte for byte', async (name) => {
    const { result } = await onePass(name);
    const reference = join(dir, `reference-last-${NAMES.indexOf(name)}.png`);
    await runFfmpeg(['-i', clipPath(name), '-map', '0:v:0', '-vf', `scale=flags=${EXACT_CONVERSION},format=rgb24`, '-vsync', '0', '-update', '1', reference]);
    expect((await readFile(result.lastFrame)).equals(await readFile(reference))).toBe(true);
  });

  it.each(Object.keys(NUMBERED))('%s: the last frame is the TRUE last frame', async (name) => {
    const { result } = await onePass(name);
    const frames = await clipFrames(clipPath(name));
    expect(await frameIndexOf(result.lastFrame, frames)).toBe(frames.length - 1);
  });

  it.each(NAMES)('%s: the look frames are the pixels sampleFrames reads', async (name) => {
    const { lookFrames, result } = await onePass(name);
    const reference = await sampleFrames(clipPath(name), lookFrames, join(dir, `reference-${NAMES.indexOf(name)}.rgb`));
    expect([...result.looks.keys()]).toEqual([...reference.keys()]);
    for (const [n, frame] of reference) expect(Buffer.compare(result.looks.get(n)!.pixels, frame.pixels), `frame ${n}`).toBe(0);
  });

  it.each(NAMES)('%s: the head motion is the figures headDifferenceArgs prints', async (name) => {
    const { result } = await onePass(name);
    const { stdout } = await runFfmpeg(headDifferenceArgs(clipPath(name), 10));
    const reference = headDifferences(parseFrameDifferences(stdout), 10);
    expect(reference.length).toBeGreaterThan(0);
    expect(result.headDifferences).toEqual(reference);
  });
});

describe('readClipFrames refuses what it cannot read (real ffmpeg)', () => {
  it('a clip with fewer frames than the probe counted is OutputInvalidError naming it', async () => {
    const name = NAMES[0];
    const { frames } = await probeVideo(clipPath(name));
    const asked = { frames: frames + 5, headMotionFrames: 10, lookFrames: [0, frames + 4] };
    const error = await readClipFrames(clipPath(name), asked, await mkdtemp(join(dir, 'pass-'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputInvalidError);
    expect((error as Error).message).toContain(clipPath(name));
  });

  it('a file that is not a video is OutputInvalidError naming it', async () => {
    const bogus = join(dir, 'not-a-video.mp4');
    await writeFile(bogus, 'not a video');
    const error = await readClipFrames(bogus, { frames: 4, headMotionFrames: 0, lookFrames: [0, 3] }, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputInvalidError);
    expect((error as Error).message).toContain('not-a-video.mp4');
  });
});
