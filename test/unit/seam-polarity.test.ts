// Crossfades that cannot cancel: which clips play inverted, and a joined film that would dip without it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../functions/adapters/binaries';
import { joinClips } from '../../functions/adapters/segments';
import { measureSeamAudio } from '../../functions/adapters/loudness';
import { crossfadeCorrelation, deinterleave, pieceWindows, polarities } from '../../functions/domain/seam-polarity';

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

describe('pieceWindows', () => {
  const piece = (samples: number, more: Partial<{ hasAudio: boolean; extensionSamples: number }> = {}) => ({ hasAudio: true, samples, extensionSamples: 2880, ...more });

  it('reads the outgoing piece’s last kept samples and tail extension, the incoming piece’s head extension and first kept samples', () => {
    expect(pieceWindows([piece(48_000), piece(24_000)], [{ head: 96, tail: 100 }])).toEqual([
      { outgoing: { segment: 0, offset: 2880 + 48_000 - 96, samples: 196 }, incoming: { segment: 1, offset: 2880 - 96, samples: 196 } },
    ]);
  });

  it.each([
    ['the outgoing side is silent', [piece(48_000, { hasAudio: false }), piece(48_000)]],
    ['the incoming side is silent', [piece(48_000), piece(48_000, { hasAudio: false })]],
  ])('skips a seam where %s', (_what, pieces) => {
    expect(pieceWindows(pieces, [{ head: 96, tail: 96 }])).toEqual([null]);
  });

  it('skips a hard cut', () => {
    expect(pieceWindows([piece(48_000), piece(48_000)], [{ head: 0, tail: 0 }])).toEqual([null]);
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
