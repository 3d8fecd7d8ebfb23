// Clips whose frames say their own number: frame n is flat grey, the left half at level n mod 50 and
// the right half at level floor(n / 50), so a decoded frame (or an extracted PNG) can be mapped back
// to its index. Used to prove which frame a recipe really extracted.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ffmpegPath, runFfmpeg } from '../../functions/adapters/binaries';

const exec = promisify(execFile);

export interface NumberedClip {
  seconds: number;
  fps: number;
  audio: boolean;
}

export async function makeNumberedClip(file: string, clip: NumberedClip): Promise<void> {
  const level = `if(lt(X\\,W/2)\\,16+mod(N\\,50)*4\\,16+floor(N/50)*40)`;
  const video = `color=c=gray:s=64x36:r=${clip.fps}:d=${clip.seconds},format=yuv420p,geq=lum='${level}':cb=128:cr=128`;
  // Audio a little longer than the video, as model outputs often are: the container ends after the last frame.
  const audio = clip.audio ? ['-f', 'lavfi', '-i', `sine=f=440:d=${clip.seconds + 0.2}`, '-c:a', 'aac'] : [];
  await runFfmpeg(['-f', 'lavfi', '-i', video, ...audio, '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', file]);
}

/** Two grey levels per frame, through the same rgb24 conversion a PNG frame goes through. */
async function signatures(file: string): Promise<string[]> {
  const { stdout } = await exec(
    ffmpegPath(),
    ['-hide_banner', '-nostdin', '-i', file, '-map', '0:v:0', '-vf', 'format=rgb24,scale=2:1:flags=area,format=gray', '-vsync', '0', '-f', 'rawvideo', '-'],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  const out: string[] = [];
  for (let i = 0; i + 1 < stdout.length; i += 2) out.push(`${stdout[i]},${stdout[i + 1]}`);
  return out;
}

/** Every frame of the clip, decoded in display order, as a signature list (index = frame number). */
export const clipFrames = signatures;

/** Which frame of `frames` the image is (-1 when it matches none). */
export async function frameIndexOf(image: string, frames: string[]): Promise<number> {
  const [signature] = await signatures(image);
  return frames.lastIndexOf(signature);
}
