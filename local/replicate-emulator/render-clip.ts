// Stand-in for LTX-2: one ffmpeg pass turns a first frame into an H.264/AAC MP4 of exactly
// duration×fps frames. Frame 0 is the (scaled) image itself, so seam checks behave like the real
// model; after that a slow zoom/pan, hue drift, fading title and moving marker make change visible,
// and hash-derived tones make the audio prompt-specific.
import { writeFile } from 'node:fs/promises';
import { defaultFontFile } from '../../functions/adapters/binaries';
import { ffmpeg, ffprobe } from './run-tool';
import { filterValue, hashBytes, wrapText } from './util';

export interface ClipRenderRequest {
  prompt: string;
  /** Any image ffmpeg can decode (PNG/JPEG/WebP...). */
  firstFrame: string;
  width: number;
  height: number;
  fps: number;
  duration: number;
  audio: boolean;
  out: string;
  /** Scratch path for the title text. */
  textFile: string;
  signal?: AbortSignal;
}

/**
 * Near-16:9 images (e.g. 1344x768 SDXL anchors) are stretched so frame 0 matches a plain scale;
 * anything further off is letterboxed, as LTX-2 did with square anchors.
 */
async function fitFilter(image: string, width: number, height: number, signal?: AbortSignal) {
  const stretch = `scale=${width}:${height}`;
  try {
    const stdout = await ffprobe(
      ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', image],
      signal,
    );
    const [w, h] = stdout.trim().split(',').map(Number);
    if (!(w > 0 && h > 0)) return stretch;
    if (Math.abs(w / h / (width / height) - 1) <= 0.03) return stretch;
    return (
      `scale=${width}:${height}:force_original_aspect_ratio=decrease,` +
      `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2:black`
    );
  } catch {
    return stretch; // ffmpeg itself will report an undecodable image
  }
}

/** Two stereo voices: a pulsing tone and a slow chirp, both pitched by the prompt hash. */
function audioSource(hash: Buffer, duration: number): string {
  const f1 = 160 + hash[10];
  const f2 = Math.round(f1 * (1.25 + (hash[11] % 4) * 0.125));
  const chirp = (2 + (hash[12] % 12)).toFixed(1); // Hz gained per second
  const lfo = (0.2 + (hash[13] % 8) / 20).toFixed(2);
  const voice = (f: number, detune: number) =>
    `0.12*sin(2*PI*${f + detune}*t)*(0.6+0.4*sin(2*PI*${lfo}*t))` +
    `+0.08*sin(2*PI*(${f2}*t+${chirp}*t*t/2))`;
  return `aevalsrc='${voice(f1, 0)}|${voice(f1, 3)}':s=48000:c=stereo:d=${duration}`;
}

export async function renderClip(req: ClipRenderRequest): Promise<void> {
  const { width: w, height: h, fps, duration } = req;
  const frames = Math.round(duration * fps);
  const hash = hashBytes(req.prompt);
  const title = req.prompt.split(/\s+/).filter(Boolean).slice(0, 6).join(' ');
  const titleSize = Math.max(12, Math.round(h / 13));
  await writeFile(req.textFile, wrapText(title, Math.floor((w * 0.9) / (titleSize * 0.6)), 2) || ' ');

  const zoomEnd = 0.08 + (hash[14] / 255) * 0.12; // total zoom gain over the clip
  const panX = (0.2 + (hash[15] / 255) * 0.6).toFixed(3);
  const panY = (0.2 + (hash[16] / 255) * 0.6).toFixed(3);
  const hueSpeed = (6 + (hash[17] % 10)).toFixed(1); // degrees per second, 0 at t=0
  const font = filterValue(defaultFontFile());
  const video = [
    `[0:v]${await fitFilter(req.firstFrame, w, h, req.signal)}`,
    'setsar=1',
    'format=yuv420p',
    // One input frame, d=frames: zoompan emits exactly `frames` frames; zoom is 1 at on=0.
    `zoompan=z='1+${zoomEnd.toFixed(4)}*on/${frames}':x='(iw-iw/zoom)*${panX}':y='(ih-ih/zoom)*${panY}'` +
      `:d=${frames}:s=${w}x${h}:fps=${fps}`,
    `hue=h='t*${hueSpeed}'`,
    `drawtext=fontfile=${font}:textfile=${filterValue(req.textFile)}:expansion=none:fontsize=${titleSize}` +
      `:fontcolor=white:shadowx=2:shadowy=2:x=(w-tw)/2:y=h*0.1:alpha='clip((t-0.5)/0.5,0,1)'`,
    `drawtext=fontfile=${font}:text='●':fontsize=${Math.round(h / 15)}:fontcolor=yellow` +
      `:x='(w-tw)*(0.5+0.45*sin(t*1.3))':y='h*0.82+h*0.05*cos(t*0.9)':enable='gte(n,1)'`,
    'format=yuv420p[v]',
  ].join(',');

  const args = ['-i', req.firstFrame];
  if (req.audio) args.push('-f', 'lavfi', '-i', audioSource(hash, duration));
  args.push('-filter_complex', video, '-map', '[v]');
  if (req.audio) args.push('-map', '1:a', '-c:a', 'aac', '-ar', '48000', '-ac', '2', '-b:a', '128k');
  // No -frames:v: it would stop the muxer before the AAC tail and shorten the audio.
  args.push(
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p',
    '-r', String(fps), '-movflags', '+faststart', req.out,
  );
  await ffmpeg(args, 'ffmpeg (ltx clip)', req.signal);
}
