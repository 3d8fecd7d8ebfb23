// The sound's filter chains, as strings: where each clip's sound piece is cut, how far it is extended
// for the crossfade (pre-roll, then mirrors), where the gain sits, and how the seams join.
import { describe, expect, it } from 'vitest';
import { type AudioClip, audioPiece, crossfadeChains, seamSpans, silentChain } from '../../functions/domain/join-audio';

const FORMAT = 'aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo';
/** A 3 s clip (25 fps, 75 frames) whose kept part starts after `trimFrames` frames. */
const clip = (input: number, trimFrames = 0, more: Partial<AudioClip> = {}): AudioClip => ({
  input, hasAudio: true, startSec: trimFrames / 25, preRollSec: trimFrames / 25, samples: (75 - trimFrames) * 1920, gainDb: 0, ...more,
});

describe('seamSpans', () => {
  it.each([
    ['120 ms: 2880 samples each side', [144000, 142080], 120, [{ head: 2880, tail: 2880 }]],
    ['an odd length: the extra sample comes from the outgoing clip', [144000, 144000], 1000 / 48000, [{ head: 0, tail: 1 }]],
    ['never longer than the shorter neighbour', [144000, 1920, 144000], 300, [{ head: 960, tail: 960 }, { head: 960, tail: 960 }]],
    ['0 ms: no crossfade', [144000, 144000], 0, [{ head: 0, tail: 0 }]],
    ['one clip: no seams', [144000], 120, []],
  ])('%s', (_what, samples, crossfadeMs, spans) => {
    expect(seamSpans(samples, crossfadeMs)).toEqual(spans);
  });
});

/** Every clip's piece with exactly its seams' extensions, crossfaded into [a]. */
function audioChains(clips: AudioClip[], opts: { crossfadeMs: number }): string[] {
  const spans = seamSpans(clips.map((c) => c.samples), opts.crossfadeMs);
  const pieces = clips.flatMap((clip, i) => audioPiece(clip, `c${i}`, spans[i - 1]?.head ?? 0, spans[i]?.tail ?? 0));
  return [...pieces, ...crossfadeChains(clips.length, spans, 'a')];
}

describe('audioPiece and crossfadeChains', () => {
  it('one clip: its sound cut to its kept length, passed on as [a]', () => {
    expect(audioChains([clip(0, 2)], { crossfadeMs: 120 })).toEqual([
      `[0:a]atrim=start=0.08,asetpts=PTS-STARTPTS,aresample=48000,${FORMAT},apad,atrim=end_sample=140160[c0]`,
      '[c0]anull[a]',
    ]);
  });

  it('crossfadeMs 0: hard cuts, no fades, no extensions', () => {
    const chains = audioChains([clip(0), clip(1, 1), clip(2, 1)], { crossfadeMs: 0 });
    expect(chains).toEqual([
      `[0:a]atrim=start=0,asetpts=PTS-STARTPTS,aresample=48000,${FORMAT},apad,atrim=end_sample=144000[c0]`,
      `[1:a]atrim=start=0.04,asetpts=PTS-STARTPTS,aresample=48000,${FORMAT},apad,atrim=end_sample=142080[c1]`,
      `[2:a]atrim=start=0.04,asetpts=PTS-STARTPTS,aresample=48000,${FORMAT},apad,atrim=end_sample=142080[c2]`,
      '[c0][c1][c2]concat=n=3:v=0:a=1[a]',
    ]);
    expect(chains.join(';')).not.toMatch(/afade|acrossfade/);
  });

  it('joins the pieces with equal-power (qsin) crossfades of the seam’s length, in order', () => {
    const chains = audioChains([clip(0), clip(1, 3), clip(2, 3)], { crossfadeMs: 120 });
    expect(chains.slice(-2)).toEqual([
      '[c0][c1]acrossfade=ns=5760:o=1:c1=qsin:c2=qsin[x1]',
      '[x1][c2]acrossfade=ns=5760:o=1:c1=qsin:c2=qsin[a]',
    ]);
  });

  it('the outgoing clip continues past its last frame as a mirror of its own last samples', () => {
    const chains = audioChains([clip(0), clip(1, 3)], { crossfadeMs: 120 });
    expect(chains.slice(0, 3)).toEqual([
      `[0:a]atrim=start=0,asetpts=PTS-STARTPTS,aresample=48000,${FORMAT},apad,atrim=end_sample=144000,asplit=2[c0b][c0t]`,
      '[c0t]atrim=start_sample=141120,areverse,asetpts=PTS-STARTPTS[c0tm]',
      '[c0b][c0tm]concat=n=2:v=0:a=1[c0]',
    ]);
  });

  it('the incoming clip starts earlier by its trimmed head when that covers half the crossfade', () => {
    // 3 trimmed frames = 120 ms of pre-roll; the crossfade needs 60 ms of it.
    const chains = audioChains([clip(0), clip(1, 3)], { crossfadeMs: 120 });
    expect(chains[3]).toBe(`[1:a]atrim=start=0.06,asetpts=PTS-STARTPTS,aresample=48000,${FORMAT},apad,atrim=end_sample=${2880 + 72 * 1920}[c1]`);
  });

  it('a trimmed head shorter than half the crossfade is used whole, and mirrored for the rest', () => {
    // 1 trimmed frame = 40 ms = 1920 samples of pre-roll; 960 more are mirrored from the start.
    const chains = audioChains([clip(0), clip(1, 1), clip(2)], { crossfadeMs: 120 });
    expect(chains.slice(3, 7)).toEqual([
      `[1:a]atrim=start=0,asetpts=PTS-STARTPTS,aresample=48000,${FORMAT},apad,atrim=end_sample=${1920 + 142080},asplit=3[c1b][c1h][c1t]`,
      '[c1h]atrim=end_sample=960,areverse,asetpts=PTS-STARTPTS[c1hm]',
      `[c1t]atrim=start_sample=${1920 + 142080 - 2880},areverse,asetpts=PTS-STARTPTS[c1tm]`,
      '[c1hm][c1b][c1tm]concat=n=3:v=0:a=1[c1]',
    ]);
  });

  it('a clip with no trimmed head mirrors its first samples for the whole half crossfade', () => {
    const chains = audioChains([clip(0), clip(1)], { crossfadeMs: 120 });
    expect(chains.slice(3)).toEqual([
      `[1:a]atrim=start=0,asetpts=PTS-STARTPTS,aresample=48000,${FORMAT},apad,atrim=end_sample=144000,asplit=2[c1b][c1h]`,
      '[c1h]atrim=end_sample=2880,areverse,asetpts=PTS-STARTPTS[c1hm]',
      '[c1hm][c1b]concat=n=2:v=0:a=1[c1]',
      '[c0][c1]acrossfade=ns=5760:o=1:c1=qsin:c2=qsin[a]',
    ]);
  });

  it('applies the clip’s gain to its own sound, before the crossfade mixes it', () => {
    const chains = audioChains([clip(0, 0, { gainDb: -3.25 }), clip(1, 3, { gainDb: 12 })], { crossfadeMs: 120 });
    expect(chains[0]).toContain('atrim=end_sample=144000,volume=-3.25dB,asplit=2[c0b][c0t]');
    expect(chains[3]).toMatch(/,volume=12dB\[c1\]$/);
    expect(audioChains([clip(0)], { crossfadeMs: 0 })[0]).not.toContain('volume');
  });

  it('silence stands in for a clip without sound, generated at its extended length', () => {
    const chains = audioChains([clip(0), clip(1, 1, { hasAudio: false }), clip(2, 1)], { crossfadeMs: 120 });
    expect(chains[3]).toBe(`anullsrc=r=48000:cl=stereo,${FORMAT},atrim=end_sample=${2880 + 142080 + 2880}[c1]`);
  });

  it('never reaches before the start of a clip’s audio', () => {
    const chains = audioChains([clip(0), clip(1, 0, { startSec: 0.01, preRollSec: 0.05 })], { crossfadeMs: 120 });
    expect(chains[3]).toMatch(/^\[1:a\]atrim=start=0,/);
  });

  it('every piece is exactly its kept samples plus its two extensions, and the seams take them back', () => {
    const clips = [clip(0), clip(1, 1), clip(2, 3, { hasAudio: false }), clip(3, 2)];
    const spans = seamSpans(clips.map((c) => c.samples), 300);
    const extended = clips.map((c, i) => c.samples + (spans[i - 1]?.head ?? 0) + (spans[i]?.tail ?? 0));
    const overlaps = spans.reduce((sum, s) => sum + s.head + s.tail, 0);
    expect(extended.reduce((a, b) => a + b, 0) - overlaps).toBe(clips.reduce((a, c) => a + c.samples, 0));
    const graph = audioChains(clips, { crossfadeMs: 300 }).join(';');
    expect(graph).toContain(`atrim=end_sample=${extended[2]}[c2]`);
  });
});

describe('silentChain', () => {
  it('is a stereo silence of exactly the given samples', () => {
    expect(silentChain(96000)).toBe('anullsrc=r=48000:cl=stereo,atrim=end_sample=96000[a]');
  });
});
