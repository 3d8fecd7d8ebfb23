// ffprobe JSON → the numbers the join and the seed depend on: every fallback and every refusal.
import { describe, expect, it } from 'vitest';
import { parseImageProbe, parseRate, parseSsim, parseVideoProbe } from '../../functions/domain/ffmpeg-recipes';

const probeJson = (streams: object[] | undefined, format: object | null = { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '3.000000' }) =>
  JSON.stringify({ ...(streams && { streams }), ...(format && { format }) });
const video = { codec_type: 'video', codec_name: 'h264', width: 640, height: 360, pix_fmt: 'yuv420p', r_frame_rate: '25/1', duration: '3.000000', start_time: '0.000000', nb_read_packets: '75' };
const audio = { codec_type: 'audio', codec_name: 'aac', duration: '2.986667', start_time: '0.000000' };
const parsed = (streams: object[], format?: object) => {
  const result = parseVideoProbe(probeJson(streams, format));
  if (typeof result === 'string') throw new Error(result);
  return result;
};

describe('parseRate', () => {
  it.each([
    ['25/1', 25],
    ['50', 50],
    ['24000/1001', 24000 / 1001],
  ])('%s → %d', (rate, fps) => {
    expect(parseRate(rate)).toBeCloseTo(fps, 9);
  });

  it.each(['0/0', '', 'abc', '-25/1', undefined])('%s → NaN', (rate) => {
    expect(parseRate(rate)).toBeNaN();
  });
});

describe('parseVideoProbe fallbacks', () => {
  it('counts frames from nb_frames when the packet count is N/A', () => {
    expect(parsed([{ ...video, nb_read_packets: 'N/A', nb_frames: '74' }]).frames).toBe(74);
  });

  it('takes the frame rate from avg_frame_rate when r_frame_rate is unknown', () => {
    expect(parsed([{ ...video, r_frame_rate: '0/0', avg_frame_rate: '50/1' }]).fps).toBe(50);
  });

  it.each([
    ['a Matroska DURATION tag', { duration: undefined, tags: { DURATION: '01:02:03.500000000' } }, 3723.5],
    ['"N/A" and no tag: frames ÷ fps', { duration: 'N/A' }, 3],
    ['a malformed tag: frames ÷ fps', { duration: undefined, tags: { DURATION: '00:00:02.48 (approx)' } }, 3],
    ['a tag with a prefix: frames ÷ fps', { duration: undefined, tags: { DURATION: 'x00:00:02.48' } }, 3],
  ])('video duration from %s', (_what, change, seconds) => {
    expect(parsed([{ ...video, ...change }]).videoDurationSec).toBeCloseTo(seconds, 6);
  });

  it('audio duration from its tag, else from the container', () => {
    const tagged = { ...audio, duration: undefined, tags: { DURATION: '00:00:02.900000000' } };
    expect(parsed([video, tagged]).audioDurationSec).toBeCloseTo(2.9, 6);
    expect(parsed([video, { ...audio, duration: undefined }]).audioDurationSec).toBe(3);
  });

  it('without a container duration, the film lasts as long as its longer stream', () => {
    const longerAudio = { ...audio, duration: '3.500000' };
    expect(parsed([video, longerAudio], { format_name: 'matroska,webm' }).durationSec).toBe(3.5);
    expect(parsed([video], { format_name: 'matroska,webm' }).durationSec).toBe(3);
  });

  it('reads the video start time (audio is cut against it), 0 when absent', () => {
    expect(parsed([{ ...video, start_time: '0.040000' }]).videoStartSec).toBe(0.04);
    expect(parsed([{ ...video, start_time: undefined }]).videoStartSec).toBe(0);
  });

  it('says "unknown" for codecs and pixel formats ffprobe did not name', () => {
    const result = parsed([{ ...video, codec_name: undefined, pix_fmt: undefined }, { ...audio, codec_name: undefined }]);
    expect(result).toMatchObject({ videoCodec: 'unknown', audioCodec: 'unknown', pixFmt: 'unknown' });
  });

  it('works without a format section', () => {
    const result = parseVideoProbe(probeJson([video], null));
    expect(result).toMatchObject({ frames: 75, formatName: '', durationSec: 3 });
  });
});

describe('parseVideoProbe refusals', () => {
  it.each([
    ['no streams at all', probeJson(undefined), /no video stream/],
    ['zero counted frames', probeJson([{ ...video, nb_read_packets: '0', nb_frames: '0' }]), /no decodable video frames/],
    ['no frame rate', probeJson([{ ...video, r_frame_rate: '0/0', avg_frame_rate: '0/0' }]), /frame rate is unknown \(0\/0\)/],
    ['zero width', probeJson([{ ...video, width: 0 }]), /no size/],
    ['zero height', probeJson([{ ...video, height: 0 }]), /no size/],
    ['no size at all', probeJson([{ ...video, width: undefined, height: undefined }]), /no size/],
  ])('%s', (_what, json, message) => {
    expect(parseVideoProbe(json)).toMatch(message);
  });
});

describe('parseImageProbe', () => {
  const png = { codec_type: 'video', codec_name: 'png', width: 1344, height: 768 };

  it.each([
    ['not JSON', 'garbage', /not JSON/],
    ['no format section', probeJson([png], null), /not an image \(format unknown\)/],
    ['a video container', probeJson([png]), /not an image \(format mov,mp4/],
    ['an image format without a picture stream', probeJson([{ codec_type: 'audio' }], { format_name: 'image2' }), /not an image/],
    ['zero width', probeJson([{ ...png, width: 0 }], { format_name: 'png_pipe' }), /no size/],
    ['zero height', probeJson([{ ...png, height: 0 }], { format_name: 'png_pipe' }), /no size/],
  ])('refuses %s', (_what, json, message) => {
    expect(parseImageProbe(json)).toMatch(message);
  });

  it('reads the picture stream even when another stream comes first', () => {
    expect(parseImageProbe(probeJson([{ codec_type: 'data' }, png], { format_name: 'image2' }))).toEqual({ width: 1344, height: 768 });
  });
});

describe('parseSsim', () => {
  it('reads the last summary line, and "inf" as identical', () => {
    expect(parseSsim('SSIM All:0.5 (3.0)\nSSIM All:0.75 (6.0)\n')).toBe(0.75);
    expect(parseSsim('SSIM Y:1.000000 (inf) All:inf (inf)')).toBe(1);
  });

  it('says so when ffmpeg printed no SSIM line', () => {
    expect(() => parseSsim('nothing')).toThrow(/no SSIM line/);
  });
});
