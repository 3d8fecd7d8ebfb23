// Sound that fades in at a clip's start: measured, and lifted to its steady level where it meets a seam.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../functions/adapters/binaries';
import { joinClips } from '../../functions/adapters/segments';
import { measureSeamAudio } from '../../functions/adapters/loudness';
import { measureOnset } from '../../functions/adapters/onset';
import { levellingVolume, MAX_LIFT_DB, onsetLevelling } from '../../functions/domain/onset';

const RATE = 48_000;
/** Interleaved stereo noise at a steady level, faded in linearly over `fadeSec`. */
function fadingIn(fadeSec: number, seconds = 1, level = 0.2): Float32Array {
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const frames = seconds * RATE;
  const out = new Float32Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    const gain = fadeSec > 0 ? Math.min(1, i / (fadeSec * RATE)) : 1;
    out[2 * i] = random() * level * gain;
    out[2 * i + 1] = random() * level * gain;
  }
  return out;
}

describe('onsetLevelling', () => {
  it('is null for sound that starts at its steady level, and for silence', () => {
    expect(onsetLevelling(fadingIn(0), RATE)).toBeNull();
    expect(onsetLevelling(new Float32Array(RATE * 2), RATE)).toBeNull();
  });

  it('lifts a 0.4 s fade-in: a lot at first, nothing once risen, never more than the cap', () => {
    const curve = onsetLevelling(fadingIn(0.4), RATE)!;
    expect(curve[0][1]).toBe(MAX_LIFT_DB);
    expect(curve.at(-1)![1]).toBe(0);
    expect(curve.at(-1)![0]).toBeGreaterThan(0.3);
    expect(curve.at(-1)![0]).toBeLessThan(0.45);
    // Half way through the fade the sound is ~6 dB under its steady level.
    const mid = curve.find(([t]) => t >= 0.2)!;
    expect(mid[1]).toBeGreaterThan(4.5);
    expect(mid[1]).toBeLessThan(7.5);
  });
});

describe('levellingVolume', () => {
  it('interpolates between the points on the join’s clock and holds 0 dB after the last', () => {
    const filter = levellingVolume([[0.1, 12], [0.3, 0]], 0.05);
    expect(filter).toBe("asetnsamples=n=240:p=0,volume='if(lt(t,0.0500),pow(10,12.000/20),if(lt(t,0.2500),pow(10,(12.000+-60.0000*(t-0.0500))/20),1))':eval=frame");
  });
});

describe('a seam into a clip whose sound fades in (real ffmpeg)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'longshot-onset-'));
    // Pink noise at one level; the second clip's sound fades in from silence over 0.5 s.
    for (const [name, fade] of [['steady', ''], ['fading', ',afade=t=in:d=0.5']]) {
      await runFfmpeg([
        '-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=25:d=3', '-f', 'lavfi', '-i', `anoisesrc=c=pink:seed=3:a=0.3:d=3${fade}`,
        '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ac', '2', join(dir, `${name}.mp4`),
      ]);
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const joinWith = async (levelling: boolean) => {
    const out = join(dir, `film-${levelling}.mp4`);
    const onset = levelling ? await measureOnset(join(dir, 'fading.mp4')) : null;
    const clips = [{ path: join(dir, 'steady.mp4'), trimStartFrames: 0 }, { path: join(dir, 'fading.mp4'), trimStartFrames: 1, levelling: onset }];
    const film = await joinClips({ clips, out, fps: 25, width: 160, height: 90, audio: 'keep', crossfadeMs: 120 });
    return (await measureSeamAudio(out, [film.clipFrames[0] / 25]))[0];
  };

  it('dips without levelling (the crossfade alone cannot fill it)', async () => {
    expect((await joinWith(false)).dipDb!).toBeLessThan(-2);
  });

  it('holds the level with the onset levelled', async () => {
    const seam = await joinWith(true);
    expect(seam.dipDb!).toBeGreaterThanOrEqual(-1);
    expect(seam.jumpLu!).toBeLessThanOrEqual(1);
  });
});
