// Pure recipe tests: argument arrays, filtergraphs and probe parsing, no ffmpeg run.
import { describe, expect, it } from 'vitest';
import {
  contactSheetArgs,
  evenFrameIndices,
  firstFrameArgs,
  joinPlan,
  lastFrameArgs,
  parseImageProbe,
  parseRate,
  parseSsim,
  parseVideoProbe,
  seamTrims,
  type JoinInput,
} from '../../functions/domain/ffmpeg-recipes';

describe('seamTrims', () => {
  it('never trims scene 1; later scenes drop the seed frame plus the static head', () => {
    expect(seamTrims(3, { trimSeedFrame: true, extraTrim: 2 })).toEqual([0, 3, 3]);
    expect(seamTrims(3, { trimSeedFrame: false, extraTrim: 2 })).toEqual([0, 2, 2]);
    expect(seamTrims(2, { trimSeedFrame: true, extraTrim: 0 })).toEqual([0, 1]);
    expect(seamTrims(1, { trimSeedFrame: true, extraTrim: 5 })).toEqual([0]);
    expect(seamTrims(0, { trimSeedFrame: true, extraTrim: 1 })).toEqual([]);
    expect(seamTrims(2, { trimSeedFrame: false, extraTrim: -1 })).toEqual([0, 0]);
  });
});

const mp4Probe = (streams: object[], format = 'mov,mp4,m4a,3gp,3g2,mj2') =>
  JSON.stringify({ streams, format: { format_name: format, duration: '3.000000' } });
const video = { codec_type: 'video', codec_name: 'h264', width: 1920, height: 1080, pix_fmt: 'yuv420p', r_frame_rate: '25/1', duration: '3.000000', start_time: '0.000000', nb_read_packets: '75' };
const audio = { codec_type: 'audio', codec_name: 'aac', duration: '2.986667', start_time: '0.000000' };

describe('probe parsing', () => {
  it('parses rates', () => {
    expect(parseRate('25/1')).toBe(25);
    expect(parseRate('30000/1001')).toBeCloseTo(29.97, 2);
    expect(parseRate('0/0')).toBeNaN();
    expect(parseRate(undefined)).toBeNaN();
  });

  it('reads the counted frames, fps and both durations', () => {
    expect(parseVideoProbe(mp4Probe([video, audio]))).toMatchObject({
      durationSec: 3, videoDurationSec: 3, audioDurationSec: 2.986667, width: 1920, height: 1080,
      fps: 25, frames: 75, videoCodec: 'h264', audioCodec: 'aac', pixFmt: 'yuv420p', videoStartSec: 0,
    });
    expect(parseVideoProbe(mp4Probe([video]))).toMatchObject({ audioCodec: null, audioDurationSec: null });
  });

  it('falls back to Matroska duration tags', () => {
    const mkv = { ...video, duration: undefined, tags: { DURATION: '00:00:02.480000000' } };
    expect(parseVideoProbe(mp4Probe([mkv], 'matroska,webm'))).toMatchObject({ videoDurationSec: 2.48 });
  });

  it('explains why a file is not a usable video', () => {
    expect(parseVideoProbe('garbage')).toMatch(/not JSON/);
    expect(parseVideoProbe(mp4Probe([audio]))).toMatch(/no video stream/);
    expect(parseVideoProbe(mp4Probe([{ ...video, nb_read_packets: '0' }]))).toMatch(/no decodable/);
    expect(parseVideoProbe(mp4Probe([{ ...video, codec_name: 'png' }], 'png_pipe'))).toMatch(/still image/);
  });

  it('accepts images only from image demuxers', () => {
    const png = { codec_type: 'video', codec_name: 'png', width: 1344, height: 768 };
    expect(parseImageProbe(mp4Probe([png], 'png_pipe'))).toEqual({ width: 1344, height: 768 });
    expect(parseImageProbe(mp4Probe([png], 'image2'))).toEqual({ width: 1344, height: 768 });
    expect(parseImageProbe(mp4Probe([video, audio]))).toMatch(/not an image/);
  });

  it('parses the SSIM summary line', () => {
    const stderr = '[Parsed_ssim_3 @ 0x1] SSIM R:0.9 (1.0) G:0.9 (1.0) B:0.9 (1.0) All:0.987654 (19.08)\n';
    expect(parseSsim(stderr)).toBe(0.987654);
    expect(parseSsim('SSIM Y:1.000000 (inf) All:1.000000 (inf)')).toBe(1);
    expect(() => parseSsim('nothing')).toThrow();
  });
});

describe('frame recipes', () => {
  it('last frame: -sseof -0.3 with -update 1 and no -frames:v', () => {
    const args = lastFrameArgs('in.mp4', 'out.png');
    expect(args.slice(0, 4)).toEqual(['-sseof', '-0.3', '-i', 'in.mp4']);
    expect(args).toContain('-update');
    expect(args).not.toContain('-frames:v');
    expect(args.at(-1)).toBe('out.png');
    expect(firstFrameArgs('in.mp4', 'o.png')).toEqual(expect.arrayContaining(['-frames:v', '1']));
  });

  it('contact sheet picks evenly spaced, distinct frames', () => {
    expect(evenFrameIndices(120, 12)).toEqual([5, 15, 25, 35, 45, 55, 65, 75, 85, 95, 105, 115]);
    expect(evenFrameIndices(3, 12)).toEqual([0, 1, 2]);
    const vf = contactSheetArgs('v.mp4', 's.png', 120, { columns: 4, rows: 3, width: 1280 });
    expect(vf[vf.indexOf('-vf') + 1]).toMatch(/^select=eq\(n\\,5\)\+.*scale=320:-2,setsar=1,tile=4x3$/);
  });
});

describe('joinPlan', () => {
  const clip = (path: string, trim: number, hasAudio = true, frames = 250): JoinInput => ({
    path, trimStartFrames: trim, frames, fps: 25, videoStartSec: 0, hasAudio,
  });
  const opts = { out: 'film.mp4', fps: 25, width: 1280, height: 720, audio: 'keep' as const };

  it('uses the concat filter with normalised video and sample-exact audio per clip', () => {
    const plan = joinPlan([clip('a.mp4', 0), clip('b.mp4', 3), clip('c.mp4', 3, false, 150)], opts);
    expect(plan.clipFrames).toEqual([250, 247, 147]);
    expect(plan.totalFrames).toBe(644);
    const chains = plan.filtergraph.split(';');
    expect(chains[0]).toBe(
      '[0:v]setpts=PTS-STARTPTS,fps=25,trim=end_frame=250,scale=1280:720:force_original_aspect_ratio=decrease,' +
        'pad=1280:720:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p[v0]',
    );
    expect(chains[2]).toMatch(/^\[1:v\]trim=start_frame=3,setpts=PTS-STARTPTS,fps=25,trim=end_frame=247,/);
    // Audio starts where the trimmed video starts, is cut to 247 frames × 1920 samples, fades both ends.
    expect(chains[3]).toBe(
      '[1:a]atrim=start=0.12,asetpts=PTS-STARTPTS,aresample=48000,' +
        'aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo,apad,atrim=end_sample=474240,' +
        'afade=t=in:st=0:d=0.04,afade=t=out:st=9.84:d=0.04[a1]',
    );
    expect(chains[1]).not.toMatch(/t=in/); // first clip: no fade in
    expect(chains[5]).toMatch(/^anullsrc=r=48000:cl=stereo,.*afade=t=in:st=0:d=0.04\[a2\]$/); // no audio → silence
    expect(chains[5]).not.toMatch(/t=out/); // last clip: no fade out
    expect(chains[6]).toBe('[v0][a0][v1][a1][v2][a2]concat=n=3:v=1:a=1[v][a]');
    expect(plan.args.filter((a) => a === '-i')).toHaveLength(3);
    expect(plan.args).toEqual(expect.arrayContaining(['libx264', 'yuv420p', 'aac']));
    expect(plan.args).not.toContain('copy');
  });

  it("audio 'silent' concatenates video only and adds one silent track of the total length", () => {
    const plan = joinPlan([clip('a.mp4', 0), clip('b.mp4', 1)], { ...opts, audio: 'silent' });
    const chains = plan.filtergraph.split(';');
    expect(chains).toHaveLength(4);
    expect(chains[2]).toBe('[v0][v1]concat=n=2:v=1:a=0[v]');
    expect(chains[3]).toBe(`anullsrc=r=48000:cl=stereo,atrim=end_sample=${(250 + 249) * 1920}[a]`);
  });

  it('honours seamFadeMs (0 = none), crf and preset; rejects over-trimming', () => {
    const plan = joinPlan([clip('a.mp4', 0), clip('b.mp4', 1)], { ...opts, seamFadeMs: 0, crf: 23, preset: 'medium' });
    expect(plan.filtergraph).not.toMatch(/afade/);
    expect(plan.args).toEqual(expect.arrayContaining(['-crf', '23', '-preset', 'medium']));
    expect(() => joinPlan([clip('a.mp4', 250)], opts)).toThrow(/cannot trim/);
    expect(() => joinPlan([], opts)).toThrow();
  });
});
