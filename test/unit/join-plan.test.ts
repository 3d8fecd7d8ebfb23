// joinPlan beyond the same-rate case: clips at another frame rate, seam fades on short clips, and the
// encoder settings every film gets.
import { describe, expect, it } from 'vitest';
import { joinPlan, type JoinInput, type JoinOptions } from '../../functions/domain/ffmpeg-recipes';

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
    const plan = joinPlan([clip(25, 50), { ...clip(50, 100, 2), videoStartSec: 0.5 }], opts);
    expect(plan.filtergraph).toContain('[1:a]atrim=start=0.54,');
  });
});

describe('seam fades', () => {
  it('never fade longer than half a clip', () => {
    const plan = joinPlan([clip(25, 25), clip(25, 25)], { ...opts, seamFadeMs: 10_000 });
    expect(plan.filtergraph).toContain('afade=t=out:st=0.5:d=0.5[a0]');
    expect(plan.filtergraph).toContain('afade=t=in:st=0:d=0.5[a1]');
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
