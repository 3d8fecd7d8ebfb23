// The side-by-side checked by what it draws, on clips whose frames carry their own number: it holds a
// shorter film's last frame until the longest ends.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFontFile, runFfmpeg } from '../../functions/adapters/binaries';
import { probeImage, probeVideo } from '../../functions/adapters/media';
import { sideBySideArgs } from '../../functions/domain/compare';
import { clipFrames, frameIndexOf, framesIn, makeNumberedClip, nearestFrame } from './numbered-clip';

let dir: string;
const p = (name: string) => join(dir, name);
const frames: Record<string, string[]> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-pictures-'));
  await Promise.all([
    makeNumberedClip(p('long.mp4'), { seconds: 2, fps: 25, audio: true, decoy: true }),
    makeNumberedClip(p('short.mp4'), { seconds: 1, fps: 25, audio: true }),
    writeFile(p('long.txt'), 'ltx-2-fast × chain'),
    writeFile(p('short.txt'), 'ltx-2-pro × single'),
  ]);
  frames.long = await clipFrames(p('long.mp4'));
  frames.short = await clipFrames(p('short.mp4'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('side by side', () => {
  const tile = { width: 64, height: 36, fps: 25, fontFile: defaultFontFile() };
  // The label box sits at the top left; the bottom rows of each tile show the frame alone.
  const below = (x: number) => ({ w: 64, h: 8, x, y: 28 });
  let out: string;

  beforeAll(async () => {
    out = p('side-by-side.mp4');
    const inputs = [
      { path: p('long.mp4'), labelFile: p('long.txt'), durationSec: 2 },
      { path: p('short.mp4'), labelFile: p('short.txt'), durationSec: 1 },
    ];
    await runFfmpeg(sideBySideArgs(inputs, out, tile));
  });

  it('is one H.264/AAC film, tiles side by side, as long as the longest, sound as long as the picture', async () => {
    const film = await probeVideo(out);
    expect(film).toMatchObject({ width: 128, height: 36, fps: 25, frames: 50, videoCodec: 'h264', audioCodec: 'aac', pixFmt: 'yuv420p' });
    expect(film.audioDurationSec).toBeCloseTo(2, 1);
  });

  it('starts with the first frames and holds the shorter film’s last frame to the end', async () => {
    const left = await framesIn(out, below(0));
    const right = await framesIn(out, below(64));
    expect(nearestFrame(left[0], frames.long).index).toBe(0);
    expect(nearestFrame(right[0], frames.short).index).toBe(0);
    expect(nearestFrame(left[49], frames.long).index).toBe(49);
    expect(right.slice(24).map((s) => nearestFrame(s, frames.short).index)).toEqual(Array(26).fill(24));
  });

  it('is streamable: the index (moov) comes before the media (mdat)', async () => {
    const bytes = await readFile(out);
    expect(bytes.indexOf('moov')).toBeLessThan(bytes.indexOf('mdat'));
  });
});
