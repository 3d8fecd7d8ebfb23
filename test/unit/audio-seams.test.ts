// Integration: loudness measurement, normalisation and the seam crossfade against the real ffmpeg, on
// small generated clips whose sound differs in loudness and timbre (a low tone, pink noise, a chord).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg, runFfprobe } from '../../functions/adapters/binaries';
import { measureLoudness, measureSeamAudio } from '../../functions/adapters/loudness';
import { joinClips } from '../../functions/adapters/segments';
import { type LoudnessMode } from '../../functions/domain/continuity-settings';
import { loudnessGainDb } from '../../functions/domain/loudness';

let dir: string;
const p = (name: string) => join(dir, name);
const FPS = 25;

/** 3 s of testsrc2 at 25 fps with `audio` (a lavfi source) as its sound, or none. */
async function makeClip(name: string, audio: string | null, seconds = 3) {
  const sound = audio === null ? [] : ['-f', 'lavfi', '-i', `${audio}:d=${seconds}`, '-c:a', 'aac', '-b:a', '192k', '-ac', '2'];
  await runFfmpeg([
    '-f', 'lavfi', '-i', `testsrc2=s=160x90:r=${FPS}:d=${seconds}`, ...sound,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', p(name),
  ]);
}

const SOUNDS = {
  // Levels chosen to measure about -28, -14 and -22 LUFS.
  'low-tone.mp4': 'aevalsrc=0.063*sin(2*PI*220*t)',
  'chord.mp4': 'aevalsrc=0.23*sin(2*PI*660*t)+0.18*sin(2*PI*990*t)',
  'noise.mp4': 'anoisesrc=c=pink:seed=7:a=0.445',
  // A quiet tone with a near full-scale click every half second: normalising it must stop at -1 dBTP.
  'clicks.mp4': "aevalsrc='0.003*sin(2*PI*330*t)+0.5*lt(mod(t\\,0.5)\\,0.0005)'",
  'silence.mp4': 'aevalsrc=0',
} as const;
const CHAIN = ['low-tone.mp4', 'chord.mp4', 'noise.mp4'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'longshot-audio-'));
  await Promise.all([
    ...Object.entries(SOUNDS).map(([name, audio]) => makeClip(name, audio)),
    makeClip('mute.mp4', null),
  ]);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Duration of a stream in its own time base units (exact samples for audio). */
async function streamDuration(file: string, stream: 'a:0' | 'v:0'): Promise<{ ts: number; sec: number }> {
  const { stdout } = await runFfprobe(['-v', 'error', '-select_streams', stream, '-show_entries', 'stream=duration_ts,duration', '-of', 'json', file]);
  const [s] = (JSON.parse(stdout) as { streams: { duration_ts: number; duration: string }[] }).streams;
  return { ts: s.duration_ts, sec: Number(s.duration) };
}

/** Film seams in seconds: where each clip after the first starts. */
const seamsOf = (clipFrames: number[]) =>
  clipFrames.slice(0, -1).map((_, k) => clipFrames.slice(0, k + 1).reduce((a, b) => a + b, 0) / FPS);

/** A chained join as join-film makes it: seed frame trimmed from each later clip, each clip's gain from its measured loudness. */
async function chainFilm(out: string, names: string[], opts: { loudness: LoudnessMode; crossfadeMs: number }) {
  const gains = await Promise.all(
    names.map(async (name) => loudnessGainDb(await measureLoudness(p(name)), { loudness: opts.loudness, targetLufs: -16 }).gainDb),
  );
  const clips = names.map((name, i) => ({ path: p(name), trimStartFrames: i === 0 ? 0 : 1, gainDb: gains[i] }));
  const probe = await joinClips({ clips, out, fps: FPS, width: 160, height: 90, audio: 'keep', crossfadeMs: opts.crossfadeMs });
  const clipFrames = names.map((_, i) => 75 - (i === 0 ? 0 : 1));
  return { probe, seams: seamsOf(clipFrames) };
}

describe('measureLoudness', () => {
  it.each([
    ['low-tone.mp4', -28],
    ['chord.mp4', -14],
    ['noise.mp4', -22],
  ])('measures %s at about %d LUFS, its true peak above its loudness', async (name, lufs) => {
    const measured = await measureLoudness(p(name));
    expect(measured!.integratedLufs).toBeGreaterThan(lufs - 1.5);
    expect(measured!.integratedLufs).toBeLessThan(lufs + 1.5);
    expect(measured!.truePeakDbtp).toBeGreaterThan(measured!.integratedLufs);
    expect(measured!.truePeakDbtp).toBeLessThan(0);
  });

  it.each(['mute.mp4', 'silence.mp4'])('has nothing to measure in %s (no audio stream, or silence)', async (name) => {
    expect(await measureLoudness(p(name))).toBeNull();
  });
});

describe('loudness across seams', () => {
  it.each([
    ['normalize', (jumps: number[]) => expect(Math.max(...jumps)).toBeLessThanOrEqual(1)],
    ['off', (jumps: number[]) => expect(Math.max(...jumps)).toBeGreaterThanOrEqual(3)],
  ] as const)('loudness %s: the jump across each seam', async (loudness, check) => {
    const film = p(`chain-${loudness}.mp4`);
    const { seams } = await chainFilm(film, CHAIN, { loudness, crossfadeMs: 120 });
    const figures = await measureSeamAudio(film, seams);
    check(figures.map((f) => f.jumpLu!));
  });

  it('caps a gain at the true peak: a quiet track with loud clicks ends at -1 dBTP, not at the target', async () => {
    const measured = await measureLoudness(p('clicks.mp4'));
    const gain = loudnessGainDb(measured, { loudness: 'normalize', targetLufs: -16 });
    expect(gain.capped).toBe(true);
    expect(gain.gainDb).toBeLessThan(-16 - measured!.integratedLufs);
    const out = p('clicks-joined.mp4');
    await joinClips({ clips: [{ path: p('clicks.mp4'), trimStartFrames: 0, gainDb: gain.gainDb }], out, fps: FPS, width: 160, height: 90, audio: 'keep' });
    const after = await measureLoudness(out);
    // AAC may overshoot a click by a few tenths of a dB.
    expect(after!.truePeakDbtp).toBeLessThan(-0.5);
    expect(after!.truePeakDbtp).toBeGreaterThan(-1.8);
  });
});

describe('level at seams', () => {
  it('the equal-power crossfade leaves no dip at any seam', async () => {
    const film = p('chain-crossfade.mp4');
    const { seams } = await chainFilm(film, CHAIN, { loudness: 'normalize', crossfadeMs: 120 });
    const dips = (await measureSeamAudio(film, seams)).map((f) => f.dipDb!);
    expect(Math.min(...dips)).toBeGreaterThanOrEqual(-1);
  });

  it('the measure catches the old 40 ms fade-out/fade-in as a dip', async () => {
    // The pre-crossfade join: each kept clip faded out and in by 40 ms at its seams, then butted together.
    const gains = await Promise.all(
      CHAIN.map(async (name) => loudnessGainDb(await measureLoudness(p(name)), { loudness: 'normalize', targetLufs: -16 }).gainDb),
    );
    const samples = [75, 74, 74].map((frames) => frames * 1920);
    const chains = CHAIN.map((_, i) => {
      const fades = [i > 0 ? 'afade=t=in:st=0:d=0.04' : '', i < 2 ? `afade=t=out:st=${samples[i] / 48000 - 0.04}:d=0.04` : ''];
      return [`[${i}:a]atrim=start=${i === 0 ? 0 : 0.04},asetpts=PTS-STARTPTS,aresample=48000`, `atrim=end_sample=${samples[i]}`, `volume=${gains[i]}dB`, ...fades]
        .filter(Boolean).join(',') + `[a${i}]`;
    });
    const out = p('faded.wav');
    await runFfmpeg([...CHAIN.flatMap((name) => ['-i', p(name)]), '-filter_complex', `${chains.join(';')};[a0][a1][a2]concat=n=3:v=0:a=1[a]`, '-map', '[a]', out]);
    const dips = (await measureSeamAudio(out, seamsOf([75, 74, 74]))).map((f) => f.dipDb!);
    for (const dip of dips) expect(dip).toBeLessThan(-1);
  });
});

describe('measureSeamAudio without figures to give', () => {
  it('a film without an audio stream has null figures at each seam', async () => {
    expect(await measureSeamAudio(p('mute.mp4'), [1, 2])).toEqual([
      { beforeLufs: null, afterLufs: null, jumpLu: null, dipDb: null },
      { beforeLufs: null, afterLufs: null, jumpLu: null, dipDb: null },
    ]);
  });

  it('no seams, no pass over the film', async () => {
    expect(await measureSeamAudio(p('does-not-exist.mp4'), [])).toEqual([]);
  });
});

describe('audio length', () => {
  it.each([
    ['hard cuts', 0, CHAIN],
    ['120 ms crossfades', 120, CHAIN],
    ['300 ms crossfades, a clip without sound', 300, ['noise.mp4', 'mute.mp4', 'chord.mp4', 'low-tone.mp4']],
  ])('%s: the sound track is exactly as long as the video, to the sample', async (_what, crossfadeMs, names) => {
    const film = p(`length-${crossfadeMs}.mp4`);
    const { probe } = await chainFilm(film, names, { loudness: 'normalize', crossfadeMs });
    const audio = await streamDuration(film, 'a:0');
    const video = await streamDuration(film, 'v:0');
    expect(audio.ts).toBe((probe.frames / FPS) * 48_000);
    expect(audio.sec).toBe(video.sec);
  });
});
