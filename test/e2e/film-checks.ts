// ffprobe/ffmpeg checks on rendered films, shared by the end-to-end tests.
import { join } from 'node:path';
import { runFfmpeg, runFfprobe } from '../../functions/adapters/binaries';
import { probeVideo, ssim } from '../../functions/adapters/media';

export { probeVideo, ssim };

/** Presentation timestamps of every video frame, in seconds. */
export async function videoFrameTimes(file: string): Promise<number[]> {
  const { stdout } = await runFfprobe(['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file]);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .sort((a, b) => a - b);
}

/** Largest deviation of consecutive frame-time steps from 1/fps (0 = perfectly continuous). */
export async function worstFrameStepError(file: string, fps: number): Promise<{ worst: number; frames: number }> {
  const times = await videoFrameTimes(file);
  let worst = 0;
  for (let i = 1; i < times.length; i++) worst = Math.max(worst, Math.abs(times[i] - times[i - 1] - 1 / fps));
  return { worst, frames: times.length };
}

/** The true last frame by full decode (independent of the -sseof recipe under test). */
export async function decodeLastFrame(clip: string, dir: string, name: string): Promise<string> {
  const { frames } = await probeVideo(clip);
  const out = join(dir, `${name}.png`);
  await runFfmpeg(['-i', clip, '-vf', `select=eq(n\\,${frames - 1})`, '-vsync', '0', '-frames:v', '1', out]);
  return out;
}

export async function decodeFirstFrame(clip: string, dir: string, name: string): Promise<string> {
  const out = join(dir, `${name}.png`);
  await runFfmpeg(['-i', clip, '-frames:v', '1', out]);
  return out;
}
