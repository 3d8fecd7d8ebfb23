
// Pure ffmpeg/ffprobe recipes: argument arrays in, parsed numbers out. No I/O here, so every
// filtergraph can be unit-tested as a string; functions/adapters/media.ts runs them.

export interface VideoProbe {
  durationSec: number;
  videoDurationSec: number;
  audioDurationSec: number | null;
  width: number;
  height: number;
  fps: number;
  frames: number;
  videoCodec: string;
  audioCodec: string | null;
  pixFmt: string;
}

/** A probe plus what joinClips needs to cut audio against the video's own clock. */
export interface ClipProbe extends VideoProbe {
  videoStartSec: number;
  formatName: string;
}

// ---------------------------------------------------------------- probing

/** -count_packets gives the exact frame count by demuxing only (no decode), fast even for long clips. */
export function probeVideoArgs(file: string): string[] {
  return [
    '-v', 'error', '-count_packets',
    '-show_entries',
    'stream=index,codec_type,codec_name,width,height,pix_fmt,r_frame_rate,avg_frame_rate,duration,start_time,nb_read_packets,nb_frames:stream_tags=DURATION:format=duration,format_name',
    '-of', 'json', file,
  ];
}

/** `format` forces the demuxer (see imageFormatOf): ffprobe then reads nothing but that image type. */
export function probeImageArgs(file: string, format?: ImageFormat): string[] {
  return [
    '-v', 'error',
    ...(format ? ['-f', IMAGE_DEMUXERS[format]] : []),
    '-show_entries', 'stream=codec_type,codec_name,width,height:format=format_name',
    '-of', 'json', file,
  ];
}

// ---------------------------------------------------------------- images from outside

export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** The single-image demuxer for each accepted format. */
const IMAGE_DEMUXERS: Record<ImageFormat, string> = { png: 'png_pipe', jpeg: 'jpeg_pipe', webp: 'webp_pipe' };

/**
 * The image type from a file's first 12 bytes (its magic number), or null. Images that come from
 * users are only handed to ffmpeg with this format forced: left to probe, ffmpeg would also open
 * playlists or concat lists, which can read local files or fetch URLs.
 */
export function imageFormatOf(head: Uint8Array): ImageFormat | null {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  return null;
}

/** One frame of `input`, read only as `format`, written as PNG (every seed has the same format). */
export function toPngArgs(input: string, format: ImageFormat, outPng: string): string[] {
  return ['-f', IMAGE_DEMUXERS[format], '-i', input, '-map', '0:v:0', '-frames:v', '1', '-update', '1', outPng];
}

interface RawStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  duration?: string;
  start_time?: string;
  nb_read_packets?: string;
  nb_frames?: string;
  tags?: { DURATION?: string };
}
interface RawProbe {
  streams?: RawStream[];
  format?: { duration?: string; format_name?: string };
}

/** "30000/1001" → 29.97; "0/0" or garbage → NaN. */
export function parseRate(rate: string | undefined): number {
  const [n, d] = (rate ?? '').split('/').map(Number);
  const value = d === undefined ? n : n / d;
  return Number.isFinite(value) && value > 0 ? value : NaN;
}

const num = (v: string | undefined): number => (v === undefined || v === 'N/A' ? NaN : Number(v));

/** Matroska keeps stream durations only as "HH:MM:SS.nnn" tags. */
function tagSeconds(tag: string | undefined): number {
  const m = /^(\d+):(\d+):([\d.]+)$/.exec(tag ?? '');
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : NaN;
}

// Still images demux through image2 / *_pipe; they have a "video" stream but are not clips.
export const isImageFormat = (formatName: string) => /(^|,)(image2|\w+_pipe)(,|$)/.test(formatName);

function readProbeJson(json: string): RawProbe | string {
  try {
    return JSON.parse(json) as RawProbe;
  } catch {
    return 'ffprobe output is not JSON';
  }
}

/**
 * Parses probeVideoArgs JSON. Returns an error string instead of throwing so the adapter can name
 * the file in its OutputInvalidError.
 */
export function parseVideoProbe(json: string): ClipProbe | string {
  const raw = readProbeJson(json);
  if (typeof raw === 'string') return raw;
  const formatName = raw.format?.format_name ?? '';
  if (isImageFormat(formatName)) return `it is a still image (${formatName}), not a video`;
  const v = raw.streams?.find((s) => s.codec_type === 'video');
  if (!v) return 'it has no video stream';
  const a = raw.streams?.find((s) => s.codec_type === 'audio');
  const fps = parseRate(v.r_frame_rate) || parseRate(v.avg_frame_rate);
  const frames = num(v.nb_read_packets) || num(v.nb_frames);
  if (!(frames > 0)) return 'it has no decodable video frames';
  if (!(fps > 0)) return `its frame rate is unknown (${v.r_frame_rate})`;
  if (!(v.width! > 0 && v.height! > 0)) return 'its video stream has no size';
  const formatDur = num(raw.format?.duration);
  const videoDurationSec = num(v.duration) || tagSeconds(v.tags?.DURATION) || frames / fps;
  const audioDurationSec = a ? num(a.duration) || tagSeconds(a.tags?.DURATION) || formatDur || null : null;
  return {
    durationSec: formatDur || Math.max(videoDurationSec, audioDurationSec ?? 0),
    videoDurationSec,
    audioDurationSec,
    width: v.width!,
    height: v.height!,
    fps,
    frames,
    videoCodec: v.codec_name ?? 'unknown',
    audioCodec: a ? (a.codec_name ?? 'unknown') : null,
    pixFmt: v.pix_fmt ?? 'unknown',
    videoStartSec: num(v.start_time) || 0,
    formatName,
  };
}

export function parseImageProbe(json: string): { width: number; height: number } | string {
  const raw = readProbeJson(json);
  if (typeof raw === 'string') return raw;
  const formatName = raw.format?.format_name ?? '';
  const v = raw.streams?.find((s) => s.codec_type === 'video');
  if (!v || !isImageFormat(formatName)) return `it is not an image (format ${formatName || 'unknown'})`;
  if (!(v.width! > 0 && v.height! > 0)) return 'the image has no size';
  return { width: v.width!, height: v.height! };
}

// ---------------------------------------------------------------- frames

/**
 * SSIM of the first frames; scale2ref resizes b to a's size. Both go through rgb24 first, the same
 * conversion a PNG frame went through, so a video's frame vs its extracted PNG scores exactly 1.
 * Result is on stderr ("All:0.98").
 */
export function ssimArgs(a: string, b: string): string[] {
  return [
    '-i', a, '-i', b,
    '-filter_complex', '[0:v]trim=end_frame=1,format=rgb24[a0];[1:v]trim=end_frame=1,format=rgb24[b0];' +
      '[b0][a0]scale2ref[b1][a1];[a1][b1]ssim',
    '-an', '-frames:v', '1', '-f', 'null', '-',
  ];
}

export function parseSsim(stderr: string): number {
  const all = [...stderr.matchAll(/SSIM .*?All:([\d.]+|inf)/g)];
  const last = all.at(-1)?.[1];
  if (last === undefined) throw new Error('no SSIM line in ffmpeg output');
  return last === 'inf' ? 1 : Number(last);
}

/** Frame indices at the centres of `count` equal slices of the clip (distinct, ascending). */
export function evenFrameIndices(frames: number, count: number): number[] {
  const picks = Array.from({ length: count }, (_, k) =>
    Math.min(frames - 1, Math.floor(((k + 0.5) * frames) / count)),
  );
  return [...new Set(picks)];
}
