// Integration: the media adapter against the real ffmpeg/ffprobe on small generated clips.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg, runFfprobe } from '../../functions/adapters/binaries';
import {
  probeImage,
  probeVideo,
  ssim,
} from '../../functions/adapters/media';
import { OutputInvalidError } from '../../functions/domain/errors';
import { joinClips } from '../../functions/adapters/segments';

let dir: string;
const p = (name: string) => join(dir, name);

/** testsrc2 (+ sine unless freq is null), 25 fps, H.264/AAC. */
async function makeClip(name: string, seconds: number, size: string, freq: number | null) {
  const audio = freq === null ? [] : ['-f', 'lavfi', '-i', `sine=f=${freq}:d=${seconds}`, '-c:a', 'aac'];
  await runFfmpeg([
    '-f', 'lavfi', '-i', `testsrc2=s=${size}:r=25:d=${seconds}`, ...audio,
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', p(name),
  ]);
}

/** Sorted video packet pts in seconds (B-frames make decode order differ from display order). */
async function videoPts(file: string): Promise<number[]> {
  const { stdout } = await runFfprobe([
    '-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts:stream=time_base', '-of', 'json', file,
  ]);
  const j = JSON.parse(stdout) as { packets: { pts: number }[]; streams: { time_base: string }[] };
  const [n, d] = j.streams[0].time_base.split('/').map(Number);
  return j.packets.map((x) => (x.pts * n) / d).sort((a, b) => a - b);
}

/** Peak level (dBFS) of the output audio between two times. */
async function maxVolume(file: string, from: number, to: number): Promise<number> {
  const { stderr } = await runFfmpeg([
    '-i', file, '-vn', '-af', `atrim=start=${from}:end=${to},volumedetect`, '-f', 'null', '-',
  ]);
  return Number(/max_volume: (-?[\d.]+|-inf) dB/.exec(stderr)![1].replace('-inf', '-200'));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-media-'));
  await Promise.all([
    makeClip('a.mp4', 2, '320x180', 440),
    makeClip('b.mp4', 3, '320x180', 660),
    makeClip('big-silent.mp4', 2, '640x360', null), // different size, no audio stream
    makeClip('tiny.mp4', 0.2, '320x180', 440), // shorter than the 0.3 s -sseof window
    writeFile(p('corrupt.mp4'), Buffer.from('this is not an mp4 at all '.repeat(200))),
  ]);
  await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x180', '-frames:v', '1', p('still.png')]);
  await runFfmpeg(['-f', 'lavfi', '-i', 'mandelbrot=s=320x180', '-frames:v', '1', p('other.png')]);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('probeVideo / probeImage', () => {
  it('reports exact frames, fps, durations and codecs', async () => {
    const probe = await probeVideo(p('b.mp4'));
    expect(probe).toMatchObject({ width: 320, height: 180, fps: 25, frames: 75, videoCodec: 'h264', audioCodec: 'aac', pixFmt: 'yuv420p' });
    expect(probe.videoDurationSec).toBeCloseTo(3, 2);
    expect(probe.audioDurationSec).toBeCloseTo(3, 1);
  });

  it('reports a clip without audio as audioCodec null', async () => {
    const probe = await probeVideo(p('big-silent.mp4'));
    expect(probe).toMatchObject({ width: 640, height: 360, frames: 50, audioCodec: null, audioDurationSec: null });
  });

  it('throws OutputInvalidError naming the file for corrupt data, an image, or a missing file', async () => {
    await expect(probeVideo(p('corrupt.mp4'))).rejects.toThrow(OutputInvalidError);
    await expect(probeVideo(p('corrupt.mp4'))).rejects.toThrow(/corrupt\.mp4/);
    await expect(probeVideo(p('still.png'))).rejects.toThrow(/still image/);
    await expect(probeVideo(p('missing.mp4'))).rejects.toThrow(OutputInvalidError);
  });

  it('probes images and rejects non-images', async () => {
    expect(await probeImage(p('still.png'))).toEqual({ width: 320, height: 180 });
    await expect(probeImage(p('a.mp4'))).rejects.toThrow(OutputInvalidError);
    await expect(probeImage(p('corrupt.mp4'))).rejects.toThrow(OutputInvalidError);
  });
});

describe('frames and ssim', () => {
  it('scores identical images ~1, different images < 0.9, and scales b to a', async () => {
    expect(await ssim(p('still.png'), p('still.png'))).toBeCloseTo(1, 6);
    expect(await ssim(p('still.png'), p('other.png'))).toBeLessThan(0.9);
    // 640x360 first frame vs 320x180 still: runs (scaled), same family of picture.
    expect(await ssim(p('still.png'), p('big-silent.mp4'))).toBeGreaterThan(0);
  });
});

describe('joinClips', () => {
  const clips = () => [
    { path: p('a.mp4'), trimStartFrames: 0 },
    { path: p('b.mp4'), trimStartFrames: 1 },
    { path: p('big-silent.mp4'), trimStartFrames: 3 },
  ];

  it('joins with continuous timestamps, exact frame count and matching audio', async () => {
    const out = p('joined.mp4');
    const probe = await joinClips({ clips: clips(), out, fps: 25, width: 320, height: 180, audio: 'keep' });
    expect(probe).toMatchObject({ frames: 50 + 74 + 47, width: 320, height: 180, fps: 25, videoCodec: 'h264', audioCodec: 'aac', pixFmt: 'yuv420p' });
    expect(Math.abs(probe.audioDurationSec! - probe.videoDurationSec)).toBeLessThanOrEqual(1 / 25);

    const pts = await videoPts(out);
    expect(pts).toHaveLength(171);
    expect(pts[0]).toBe(0);
    const deltas = pts.slice(1).map((t, i) => t - pts[i]);
    expect(deltas.every((d) => Math.abs(d - 1 / 25) < 1e-9)).toBe(true);

    // Source audio survives (a, b), the clip without audio became silence, and the seam is crossfaded:
    // sound runs through it (test/unit/audio-seams.test.ts measures its level).
    expect(await maxVolume(out, 0.5, 1.5)).toBeGreaterThan(-25);
    expect(await maxVolume(out, 2.5, 4.5)).toBeGreaterThan(-25);
    expect(await maxVolume(out, 5.2, 6.7)).toBeLessThan(-80);
    expect(await maxVolume(out, 2 - 0.004, 2 + 0.004)).toBeGreaterThan(-25);
  });

  it('a hard cut (crossfadeMs 0) joins the same seam without a gap', async () => {
    const out = p('nofade.mp4');
    await joinClips({ clips: clips().slice(0, 2), out, fps: 25, width: 320, height: 180, audio: 'keep', crossfadeMs: 0 });
    expect(await maxVolume(out, 2 - 0.004, 2 + 0.004)).toBeGreaterThan(-25);
  });

  it("audio 'silent' gives a silent AAC track as long as the video; one clip works", async () => {
    const out = p('silent.mp4');
    const probe = await joinClips({ clips: [{ path: p('b.mp4'), trimStartFrames: 2 }], out, fps: 25, width: 256, height: 144, audio: 'silent' });
    expect(probe).toMatchObject({ frames: 73, width: 256, height: 144, audioCodec: 'aac' });
    expect(Math.abs(probe.audioDurationSec! - probe.videoDurationSec)).toBeLessThanOrEqual(1 / 25);
    expect(await maxVolume(out, 0, 2.9)).toBeLessThan(-80);
  });

  it('rejects a corrupt clip or an over-trimmed one with OutputInvalidError', async () => {
    await expect(
      joinClips({ clips: [{ path: p('a.mp4'), trimStartFrames: 0 }, { path: p('corrupt.mp4'), trimStartFrames: 0 }], out: p('bad.mp4'), fps: 25, width: 320, height: 180, audio: 'keep' }),
    ).rejects.toThrow(OutputInvalidError);
    await expect(
      joinClips({ clips: [{ path: p('tiny.mp4'), trimStartFrames: 5 }], out: p('bad.mp4'), fps: 25, width: 320, height: 180, audio: 'keep' }),
    ).rejects.toThrow(/cannot trim/);
  });
});
