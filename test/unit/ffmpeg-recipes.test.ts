// Pure recipe tests: argument arrays, filtergraphs and probe parsing, no ffmpeg run.
import { describe, expect, it } from 'vitest';
import {
  evenFrameIndices,
  parseImageProbe,
  parseRate,
  parseSsim,
  parseVideoProbe,
} from '../../functions/domain/ffmpeg-recipes';

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
  it('evenly spaced frames are the centres of equal slices, distinct', () => {
    expect(evenFrameIndices(120, 12)).toEqual([5, 15, 25, 35, 45, 55, 65, 75, 85, 95, 105, 115]);
    expect(evenFrameIndices(3, 12)).toEqual([0, 1, 2]);
  });
});
