// A clip's finished segment on real ffmpeg: its ends, measured from a few decoded frames, are exactly
// what a full decode of the encoded segment shows, and segments assemble by stream copy frame-exact.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../functions/adapters/binaries';
import { probeVideo } from '../../functions/adapters/media';
import { sampleFrames } from '../../functions/adapters/looks';
import { encodeSegment, type SegmentMeasurements } from '../../functions/adapters/segments';
import { lookOf, meanLook } from '../../functions/domain/colour';
import { endFrameIndices } from '../../functions/domain/continuity';
import { MOTION_WIDTH, meanAbsoluteDifference } from '../../functions/domain/frozen-frames';

let dir: string;
const p = (name: string) => join(dir, name);
// Colour and motion in every frame, a frozen stretch at the end, sound: 3 s at 25 fps.
const SOURCE = 'testsrc2=s=320x180:r=25:d=2.6,tpad=stop=10:stop_mode=clone,noise=alls=6:allf=t';
let measured: SegmentMeasurements;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-segments-'));
  await runFfmpeg([
    '-f', 'lavfi', '-i', SOURCE, '-f', 'lavfi', '-i', 'sine=f=330:d=3',
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', p('clip.mp4'),
  ]);
  measured = await encodeSegment(
    { path: p('clip.mp4'), trimStartFrames: 2, videoFilters: 'eq=saturation=0.8:gamma=1.0001' },
    { fps: 25, width: 320, height: 180, crossfadeMs: 120, outputs: { video: p('segment.mp4'), audio: p('segment.f32') }, firstFrame: p('first.png') },
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Every frame of the encoded segment, grey at MOTION_WIDTH, from one full decode (a complex graph, as the product's: its scale defaults differ from -vf's). */
async function greyFrames(): Promise<Buffer[]> {
  await runFfmpeg(['-i', p('segment.mp4'), '-filter_complex', `[0:v]scale=${MOTION_WIDTH}:-2,format=gray[g]`, '-map', '[g]', '-vsync', '0', '-f', 'rawvideo', p('all.gray')]);
  const { readFile } = await import('node:fs/promises');
  const raw = await readFile(p('all.gray'));
  const size = MOTION_WIDTH * 90;
  return Array.from({ length: raw.length / size }, (_, i) => raw.subarray(i * size, (i + 1) * size));
}

describe('encodeSegment (real ffmpeg)', () => {
  it('keeps exactly the frames after the head trim', async () => {
    expect(measured.frames).toBe(73);
    expect((await probeVideo(p('segment.mp4'))).frames).toBe(73);
  });

  it('measures the looks at both ends as a full decode of the encoded segment shows them', async () => {
    const ends = endFrameIndices(0, measured.frames);
    const frames = await sampleFrames(p('segment.mp4'), [...ends.first, ...ends.last], p('all.rgb'));
    const look = (indices: number[]) => meanLook(indices.map((n) => lookOf(frames.get(n)!)));
    expect(measured.looks.first).toEqual(look(ends.first));
    expect(measured.looks.last).toEqual(look(ends.last));
  });

  it('measures the motion at both ends as a full decode shows it: the frozen tail reads as still', async () => {
    const all = await greyFrames();
    const diff = (n: number) => meanAbsoluteDifference(all[n - 1], all[n]);
    expect(measured.motion.head).toEqual([1, 2, 3, 4, 5, 6].map(diff));
    expect(measured.motion.tail).toEqual([68, 69, 70, 71, 72].map(diff));
    expect(Math.max(...measured.motion.tail)).toBeLessThan(1);
    expect(measured.motion.firstFrame.equals(all[0])).toBe(true);
    expect(measured.motion.lastFrame.equals(all[72])).toBe(true);
  });

  it('writes a sound piece of the kept samples plus half the crossfade at each end', async () => {
    const { stat } = await import('node:fs/promises');
    expect(measured.samples).toBe(73 * 1920);
    expect((await stat(p('segment.f32'))).size).toBe((measured.samples + 2 * measured.extensionSamples) * 8);
  });
});
