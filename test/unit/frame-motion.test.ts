// Frozen heads and still frames at seams, measured by real ffmpeg on clips made here: testsrc2 moves
// about 2.5 grey levels a frame at 25 fps; tpad clones the first frame k times (a frozen head of k);
// temporal noise after it makes the frozen frames near-static (about 0.3) rather than identical.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../functions/adapters/binaries';
import { stillRunsAtSeams } from '../../functions/adapters/frame-motion';
import { readClipFrames } from '../../functions/adapters/clip-frames';
import { probeVideo } from '../../functions/adapters/media';
import { OutputInvalidError } from '../../functions/domain/errors';
import { frozenHeadFrames } from '../../functions/domain/frozen-frames';

const NOISE = 'noise=alls=8:allf=t';
const ENCODE = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'];
const FROZEN = [0, 1, 3, 6];

let dir: string;
const clipWithFrozenHead = (k: number) => join(dir, `frozen-${k}.mp4`);
const fastClip = () => join(dir, 'fast.mp4');
const film = () => join(dir, 'film.mp4');

/** 1 s of moving picture whose first frame is held for k more frames. */
function frozenHeadSource(k: number, extra = ''): string {
  return `testsrc2=s=640x360:r=25:d=1${extra},tpad=start=${k}:start_mode=clone,${NOISE}`;
}

/** The head's motion as StoreClip measures it: in its one decode of the clip (clip-frames.ts). */
async function headFrameDifferences(clip: string, count: number): Promise<number[]> {
  const { frames } = await probeVideo(clip);
  const scratch = await mkdtemp(join(dir, 'pass-'));
  return (await readClipFrames(clip, { frames, headMotionFrames: count, lookFrames: [0] }, scratch)).headDifferences;
}

/** Frozen-head detection on those figures, as correctClip does it. */
const countFrozenHeadFrames = async (clip: string, max: number) => frozenHeadFrames(await headFrameDifferences(clip, max + 2), { max });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-frame-motion-'));
  for (const k of FROZEN) {
    await runFfmpeg(['-f', 'lavfi', '-i', frozenHeadSource(k), ...ENCODE, clipWithFrozenHead(k)]);
  }
  // Five times the motion per frame: every frame far from the one before.
  await runFfmpeg(['-f', 'lavfi', '-i', `testsrc2=s=640x360:r=5:d=3,${NOISE}`, ...ENCODE, fastClip()]);
  // Three scenes, cut at frames 25 and 52: the second scene's head is held for 2 more frames (3
  // identical frames in a row at the first seam); the third holds its frame 10 for one more frame
  // (film frames 62 and 63), outside the second seam's ±6 window and inside ±12.
  const scene = (look: string) => `testsrc2=s=640x360:r=25:d=1,${look}`;
  const scenes =
    `${scene('null')}[a];` +
    `${scene('negate,tpad=start=2:start_mode=clone')}[b];` +
    `${scene('hflip,trim=end_frame=11,tpad=stop=1:stop_mode=clone')}[c];` +
    `${scene('hflip,trim=start_frame=11,setpts=PTS-STARTPTS')}[d];` +
    `[a][b][c][d]concat=n=4:v=1:a=0,${NOISE}[v]`;
  await runFfmpeg(['-filter_complex', scenes, '-map', '[v]', ...ENCODE, film()]);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('head motion from the one-pass decode (real ffmpeg)', () => {
  it.each(FROZEN)('a head frozen for %i frames: that many near-static differences, then motion', async (k) => {
    const diffs = await headFrameDifferences(clipWithFrozenHead(k), 10);
    expect(diffs).toHaveLength(9);
    diffs.slice(0, k).forEach((diff) => expect(diff).toBeLessThan(0.5));
    diffs.slice(k).forEach((diff) => expect(diff).toBeGreaterThanOrEqual(2));
  });

  it('gives fewer differences when the clip has fewer frames', async () => {
    expect(await headFrameDifferences(fastClip(), 40)).toHaveLength(14);
  });

  it('a file that is not a video is OutputInvalidError naming it', async () => {
    const bogus = join(dir, 'not-a-video.mp4');
    await writeFile(bogus, 'not a video');
    const error = await readClipFrames(bogus, { frames: 4, headMotionFrames: 4, lookFrames: [0] }, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputInvalidError);
    expect((error as Error).message).toContain('not-a-video.mp4');
  });
});

describe('frozen heads from the one-pass decode (real ffmpeg)', () => {
  it.each(FROZEN)('finds a head frozen for %i frames', async (k) => {
    expect(await countFrozenHeadFrames(clipWithFrozenHead(k), 8)).toBe(k);
  });

  it.each([
    [6, 3],
    [6, 5],
    [3, 2],
    [3, 0],
  ])('a head frozen for %i frames with max %i: max', async (k, max) => {
    expect(await countFrozenHeadFrames(clipWithFrozenHead(k), max)).toBe(max);
  });

  it('counts none in fast motion', async () => {
    expect(await countFrozenHeadFrames(fastClip(), 8)).toBe(0);
  });
});

describe('stillRunsAtSeams (real ffmpeg)', () => {
  it('finds the 3 identical frames planted at the first seam and none at the second', async () => {
    expect(await stillRunsAtSeams(film(), [25, 52])).toEqual([3, 1]);
  });

  it('sees a repeat only inside the window', async () => {
    expect(await stillRunsAtSeams(film(), [52], 6)).toEqual([1]);
    expect(await stillRunsAtSeams(film(), [52], 12)).toEqual([2]);
  });

  it('handles a seam near the end of the film and no seams at all', async () => {
    expect(await stillRunsAtSeams(film(), [75])).toEqual([1]);
    expect(await stillRunsAtSeams(film(), [])).toEqual([]);
  });
});
