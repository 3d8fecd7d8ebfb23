// Crossfades that cannot cancel: which clips play inverted, and a joined film that would dip without it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../functions/adapters/binaries';
import { joinClips } from '../../functions/adapters/segments';
import { measureSeamAudio } from '../../functions/adapters/loudness';
import type { AudioClip } from '../../functions/domain/join-audio';
import { crossfadeCorrelation, crossfadePair, deinterleave, polarities, seamWindows } from '../../functions/domain/seam-polarity';

const tone = (n: number, phase = 0) => Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * 200 * i) / 48_000 + phase));

describe('crossfadeCorrelation', () => {
  it.each([
    ['the same sound', tone(4800), tone(4800), 1],
    ['the same sound inverted', tone(4800), tone(4800, Math.PI), -1],
    ['silence on one side', tone(4800), new Float32Array(4800), 0],
  ])('%s → %s', (_what, x, y, r) => expect(crossfadeCorrelation({ x, y })).toBeCloseTo(r, 3));

  it('sums the channels rather than a downmix, whose detuned channels could cancel', () => {
    // Left correlates, right is silent on one side: the left channel decides.
    expect(crossfadeCorrelation({ x: tone(4800), y: tone(4800) }, { x: tone(4800), y: new Float32Array(4800) })).toBeGreaterThan(0.5);
  });
});

describe('deinterleave', () => {
  it('splits interleaved stereo into left and right', () => {
    const [left, right] = deinterleave(Float32Array.from([1, -1, 2, -2, 3, -3]));
    expect([...left]).toEqual([1, 2, 3]);
    expect([...right]).toEqual([-1, -2, -3]);
  });
});

describe('polarities', () => {
  it('inverts a clip that would cancel against the one before, as that one is finally played', () => {
    // Seam 1 correlates, seam 2 cancels (invert clip 3), seam 3 correlates with clip 3 as recorded,
    // so clip 4 must follow clip 3's inversion; a silent seam changes nothing.
    expect(polarities([0.4, -0.3, 0.2, null])).toEqual([false, false, true, true, false]);
  });
});

describe('crossfadePair and seamWindows', () => {
  const clip = (input: number, more: Partial<AudioClip>): AudioClip => ({ input, hasAudio: true, startSec: 0, preRollSec: 0, samples: 48_000, gainDb: 0, ...more });

  it('reads the outgoing clip’s last samples and the incoming clip’s first, pre-roll included', () => {
    const [windows] = seamWindows([clip(0, { startSec: 0.5 }), clip(1, { startSec: 0.1, preRollSec: 0.001 })], [{ head: 96, tail: 96 }]);
    expect(windows).toEqual({
      outgoing: { input: 0, fromSec: 0.5 + (48_000 - 96) / 48_000, samples: 96 },
      incoming: { input: 1, fromSec: 0.1 - 48 / 48_000, samples: 48 + 96 },
      preRoll: 48,
    });
  });

  it('skips seams where either side is silent', () => {
    expect(seamWindows([clip(0, {}), clip(1, { hasAudio: false })], [{ head: 96, tail: 96 }])).toEqual([null]);
  });

  it('lays the two signals out as the crossfade mixes them: real, then mirrored', () => {
    const outgoing = Float32Array.from([2, 3, 4]); // its last max(head, tail) samples
    const incoming = Float32Array.from([10, 20, 30, 40]);
    const { x, y } = crossfadePair(outgoing, incoming, { head: 3, tail: 2 }, 1);
    expect([...x]).toEqual([2, 3, 4, 4, 3]);
    // Two mirrored samples before the one of pre-roll, then the kept samples after it.
    expect([...y]).toEqual([20, 10, 10, 20, 30]);
  });
});

describe('a seam whose sounds would cancel (real ffmpeg)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'longshot-polarity-'));
    // Both clips: exactly 200 whole cycles of a 200 Hz tone. The first ends rising through 0 as the
    // second starts: mirrored at the seam the two are exact opposites, and an equal-power crossfade
    // of them cancels to silence.
    for (const name of ['a', 'b']) {
      await runFfmpeg([
        '-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=25:d=1', '-f', 'lavfi', '-i', 'sine=f=200:d=1:r=48000',
        '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'pcm_s16le', '-ac', '2', join(dir, `${name}.mov`),
      ]);
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('plays the second clip inverted, so the seam does not dip', async () => {
    const out = join(dir, 'film.mp4');
    const clips = [{ path: join(dir, 'a.mov'), trimStartFrames: 0 }, { path: join(dir, 'b.mov'), trimStartFrames: 0 }];
    const film = await joinClips({ clips, out, fps: 25, width: 160, height: 90, audio: 'keep', crossfadeMs: 120 });
    const [seam] = await measureSeamAudio(out, [film.clipFrames[0] / 25]);
    expect(seam.dipDb).toBeGreaterThanOrEqual(-1);
  });
});
