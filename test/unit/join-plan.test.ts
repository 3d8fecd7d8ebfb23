// joinPlan beyond the same-rate case: clips at another frame rate, seam fades on short clips, and the
// encoder settings every film gets.
import { describe, expect, it } from 'vitest';
import { joinPlan, type JoinInput, type JoinOptions } from '../../functions/domain/join-recipe';

const clip = (fps: number, frames: number, trim = 0): JoinInput => ({
  path: `${fps}-${frames}.mp4`, trimStartFrames: trim, frames, fps, videoStartSec: 0, hasAudio: true,
});
const opts: JoinOptions = { out: 'film.mp4', fps: 25, width: 640, height: 360, audio: 'keep' };
/** The value that follows `flag` in an ffmpeg argument list. */
const option = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('clips at another frame rate', () => {
  it.each([
    ['50 fps, 100 frames', clip(50, 100), 50],
    ['50 fps, 100 frames, 2 trimmed', clip(50, 100, 2), 49],
    ['24 fps, 48 frames', clip(24, 48), 50],
    ['60 fps, a single frame', clip(60, 1), 1],
  ])('%s → %d output frames at 25 fps', (_what, input, frames) => {
    const plan = joinPlan([input], opts);
    expect(plan.clipFrames).toEqual([frames]);
    expect(plan.filtergraph).toContain(`fps=25,trim=end_frame=${frames},`);
  });

  it('cuts the audio of a trimmed clip where its video starts, on the clip’s own clock', () => {
    const plan = joinPlan([clip(25, 50), { ...clip(50, 100, 2), videoStartSec: 0.5 }], { ...opts, crossfadeMs: 0 });
    expect(plan.filtergraph).toContain('[1:a]atrim=start=0.54,');
  });

  it.each([
    // 120 ms crossfade: 60 ms before the seam. 5 trimmed frames at 50 fps are 100 ms, of which the
    // first 50 ms are the onset guard: 50 ms of pre-roll, from 0.55 s on the clip's clock.
    [5, '0.55'],
    // 2 frames are 40 ms, all inside the onset guard: no pre-roll, the kept audio starts at 0.54 s.
    [2, '0.54'],
  ])('starts a crossfaded clip’s audio earlier by the usable part of its %d trimmed head frames', (trim, start) => {
    const plan = joinPlan([clip(25, 50), { ...clip(50, 100, trim), videoStartSec: 0.5 }], opts);
    expect(plan.filtergraph).toContain(`[1:a]atrim=start=${start},`);
  });
});

describe('video per clip', () => {
  const at25 = (path: string, trim: number, frames = 250, more: Partial<JoinInput> = {}): JoinInput => ({
    path, trimStartFrames: trim, frames, fps: 25, videoStartSec: 0, hasAudio: true, ...more,
  });
  const wide = { ...opts, width: 1280, height: 720 };

  it('normalises every clip and concatenates the video alone', () => {
    const plan = joinPlan([at25('a.mp4', 0), at25('b.mp4', 3), at25('c.mp4', 3, 150)], wide);
    expect(plan.clipFrames).toEqual([250, 247, 147]);
    expect(plan.totalFrames).toBe(644);
    const chains = plan.filtergraph.split(';');
    expect(chains[0]).toBe(
      '[0:v]setpts=PTS-STARTPTS,fps=25,trim=end_frame=250,scale=1280:720:force_original_aspect_ratio=decrease,' +
        'pad=1280:720:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p[v0]',
    );
    expect(chains[1]).toMatch(/^\[1:v\]trim=start_frame=3,setpts=PTS-STARTPTS,fps=25,trim=end_frame=247,/);
    expect(chains[3]).toBe('[v0][v1][v2]concat=n=3:v=1:a=0[v]');
    expect(plan.args.filter((a) => a === '-i')).toHaveLength(3);
    expect(plan.args).not.toContain('copy');
  });

  it('grades the kept frames after their clock restarts, before scaling', () => {
    const plan = joinPlan([at25('a.mp4', 2, 250, { videoFilters: 'eq=saturation=0.9' })], wide);
    expect(plan.filtergraph).toContain('setpts=PTS-STARTPTS,fps=25,trim=end_frame=248,eq=saturation=0.9,scale=1280:720');
  });

  it("audio 'silent' adds one silent track of the total length", () => {
    const plan = joinPlan([at25('a.mp4', 0), at25('b.mp4', 1)], { ...wide, audio: 'silent' });
    expect(plan.filtergraph.split(';').at(-1)).toBe(`anullsrc=r=48000:cl=stereo,atrim=end_sample=${(250 + 249) * 1920}[a]`);
  });

  it('honours crf and preset; rejects over-trimming', () => {
    const plan = joinPlan([at25('a.mp4', 0), at25('b.mp4', 1)], { ...wide, crf: 23, preset: 'medium' });
    expect(plan.args).toEqual(expect.arrayContaining(['-crf', '23', '-preset', 'medium']));
    expect(() => joinPlan([at25('a.mp4', 250)], wide)).toThrow(/cannot trim/);
  });
});

describe('encoder settings', () => {
  it('H.264 veryfast CRF 18 yuv420p, AAC 192 kb/s 48 kHz stereo, faststart, by default', () => {
    const { args } = joinPlan([clip(25, 25)], opts);
    expect({
      video: option(args, '-c:v'), preset: option(args, '-preset'), crf: option(args, '-crf'), pixFmt: option(args, '-pix_fmt'),
      audio: option(args, '-c:a'), bitrate: option(args, '-b:a'), rate: option(args, '-ar'), channels: option(args, '-ac'),
      movflags: option(args, '-movflags'),
    }).toEqual({
      video: 'libx264', preset: 'veryfast', crf: '18', pixFmt: 'yuv420p',
      audio: 'aac', bitrate: '192k', rate: '48000', channels: '2', movflags: '+faststart',
    });
    expect(args.at(-1)).toBe('film.mp4');
  });

  it('refuses an empty clip list by saying so', () => {
    expect(() => joinPlan([], opts)).toThrow(/no clips/);
  });
});
