// Stand-in for LTX-2: one ffmpeg pass turns a first frame into an H.264/AAC MP4 of exactly
// duration×fps frames. With drift "realistic" (default) the clip departs from its input the way real
// image-to-video models do (drift.ts); with "none" frame 0 is the scaled input and nothing creeps.
// The graphs themselves are in clip-graph.ts.
import { readFile, writeFile } from 'node:fs/promises';
import { defaultFontFile } from '../../functions/adapters/binaries';
import { audioGraph, videoGraph } from './clip-graph';
import { NOMINAL_LUFS, clipDrift, generationHash, type EmulatorDrift, type Timbre } from './drift';
import { ffmpeg, ffprobe } from './run-tool';
import { wrapText } from './util';

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
  /** How far the clip departs from its input (default realistic). */
  drift?: EmulatorDrift;
  /** The prediction's `seed` input, when given. */
  seed?: number;
  /**
   * Which take of these inputs this is (takes.ts): from the second on, its number is written after
   * the title, so its frames (and the seed the next scene starts from) differ from the first's.
   */
  take?: number;
  /** LTX-2.3 `last_frame_image`: the clip blends towards it and its last frame is this image, scaled. */
  lastFrame?: string;
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

/** Integrated loudness (EBU R128) of the audio graph as generated, before any gain. */
async function measureLoudness(timbre: Timbre, duration: number, seed: number, signal?: AbortSignal) {
  const graph = `${audioGraph(timbre, duration, seed)};[a]ebur128=metadata=1,ametadata=mode=print:key=lavfi.r128.I:file=-`;
  const stdout = await ffmpeg(['-filter_complex', graph, '-f', 'null', '-'], 'ffmpeg (ltx audio loudness)', signal);
  const values = [...stdout.matchAll(/lavfi\.r128\.I=(-?[\d.]+)/g)].map((m) => Number(m[1]));
  const lufs = values.at(-1);
  return lufs !== undefined && Number.isFinite(lufs) && lufs > -70 ? lufs : NOMINAL_LUFS;
}

/**
 * Last-frame pinning: the clip moves as usual, then the end image (input 1) fades in over its last
 * half second (never into the static head), fully opaque on the last frame, so it ends exactly on that
 * image. Not over the whole clip: a slow blend towards a similar picture changes each frame too little,
 * and the film read as frozen before every seam (stills of 6 frames in the report; 2 with half a second:
 * the keyframe itself, shown as the last frame of one clip and the first of the next).
 */
function pinnedToLastFrame(video: string, fit: string, t: { fps: number; frames: number; from: number }): string {
  const from = Math.min(Math.max(t.from, t.frames - 1 - Math.round(t.fps / 2)), t.frames - 2);
  const end =
    `[1:v]${fit},setsar=1,format=yuva420p,loop=loop=${t.frames - 1}:size=1:start=0,settb=AVTB,setpts=N/(${t.fps}*TB),` +
    `fade=t=in:s=${from}:n=${t.frames - 1 - from}:alpha=1[end]`;
  return `${video.replace(/\[v\]$/, '[free]')};${end};[free][end]overlay=eof_action=pass,format=yuv420p[v]`;
}

export async function renderClip(req: ClipRenderRequest): Promise<void> {
  const { width: w, height: h, fps, duration } = req;
  const frames = Math.round(duration * fps);
  const image = await readFile(req.firstFrame);
  const generation = { prompt: req.prompt, image, duration, fps, width: w, height: h, seed: req.seed };
  const drift = clipDrift(req.drift ?? 'realistic', generation);
  const hash = generationHash(generation);
  const audioSeed = hash.readUInt32BE(8);

  const words = req.prompt.split(/\s+/).filter(Boolean).slice(0, 6).join(' ');
  const title = req.take && req.take > 1 ? `${words} · take ${req.take}` : words;
  const titleSize = Math.max(12, Math.round(h / 13));
  await writeFile(req.textFile, wrapText(title, Math.floor((w * 0.9) / (titleSize * 0.6)), 2) || ' ');
  const [fit, lufs] = await Promise.all([
    fitFilter(req.firstFrame, w, h, req.signal),
    req.audio ? measureLoudness(drift.timbre, duration, audioSeed, req.signal) : NOMINAL_LUFS,
  ]);
  const free = videoGraph({
    width: w, height: h, fps, frames, drift, fit, hash, fontFile: defaultFontFile(), textFile: req.textFile,
  });
  const video = req.lastFrame
    ? pinnedToLastFrame(free, await fitFilter(req.lastFrame, w, h, req.signal), { fps, frames, from: drift.staticHeadFrames })
    : free;
  const gainDb = NOMINAL_LUFS + drift.loudnessOffsetLu - lufs;
  const graph = req.audio ? `${video};${audioGraph(drift.timbre, duration, audioSeed, gainDb)}` : video;

  // -framerate: each looped frame lasts 1/fps, so -r does not pad the end with a duplicate.
  const inputs = ['-framerate', String(fps), '-i', req.firstFrame];
  if (req.lastFrame) inputs.push('-framerate', String(fps), '-i', req.lastFrame);
  const args = [...inputs, '-filter_complex', graph, '-map', '[v]'];
  if (req.audio) args.push('-map', '[a]', '-c:a', 'aac', '-ar', '48000', '-ac', '2', '-b:a', '128k');
  // No -frames:v: it would stop the muxer before the AAC tail and shorten the audio.
  args.push(
    '-c:v', 'libx264', '-preset', 'superfast', '-crf', '20', '-pix_fmt', 'yuv420p',
    '-r', String(fps), '-movflags', '+faststart', req.out,
  );
  await ffmpeg(args, 'ffmpeg (ltx clip)', req.signal);
}
