// Clips whose frames say their own number: frame n is flat grey, the left half at level n mod 25 and
// the right half at level floor(n / 25) (steps of 8 and 20 grey levels, up to 275 frames), so a decoded
// frame, an extracted PNG or a re-encoded copy can be mapped back to its index. Used to prove which
// frame a recipe really extracted.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ffmpegPath, runFfmpeg } from '../../functions/adapters/binaries';
import { EXACT_CONVERSION } from '../../functions/domain/look-recipes';

const exec = promisify(execFile);

export interface NumberedClip {
  seconds: number;
  fps: number;
  audio: boolean;
  /** Adds a second, larger, plain red video stream, which ffmpeg would pick by default. */
  decoy?: boolean;
}

export async function makeNumberedClip(file: string, clip: NumberedClip): Promise<void> {
  const level = `if(lt(X\\,W/2)\\,16+mod(N\\,25)*8\\,16+floor(N/25)*20)`;
  const video = `color=c=gray:s=64x36:r=${clip.fps}:d=${clip.seconds},format=yuv420p,geq=lum='${level}':cb=128:cr=128`;
  const inputs = ['-f', 'lavfi', '-i', video];
  const maps = ['-map', '0:v'];
  // Audio a little longer than the video, as model outputs often are: the container ends after the last frame.
  if (clip.audio) inputs.push('-f', 'lavfi', '-i', `sine=f=440:d=${clip.seconds + 0.2}`), maps.push('-map', '1:a');
  if (clip.decoy) {
    inputs.push('-f', 'lavfi', '-i', `color=c=red:s=128x72:r=${clip.fps}:d=${clip.seconds}`);
    maps.push('-map', `${clip.audio ? 2 : 1}:v`);
  }
  await runFfmpeg([...inputs, ...maps, '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', file]);
}

/** Where to look inside a picture: a w×h rectangle at x,y (the whole picture when absent). */
export interface Crop {
  w: number;
  h: number;
  x: number;
  y: number;
}

/** Two grey levels per frame, through the same exact rgb24 conversion a seed PNG goes through. */
async function signatures(file: string, options: { stream?: string; crop?: Crop } = {}): Promise<string[]> {
  const crop = options.crop ? `crop=${options.crop.w}:${options.crop.h}:${options.crop.x}:${options.crop.y},` : '';
  const { stdout } = await exec(
    ffmpegPath(),
    [
      '-hide_banner', '-nostdin', '-i', file, '-map', options.stream ?? '0:v:0',
      '-vf', `scale=flags=${EXACT_CONVERSION},format=rgb24,${crop}scale=2:1:flags=area,format=gray`, '-vsync', '0', '-f', 'rawvideo', '-',
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  const out: string[] = [];
  for (let i = 0; i + 1 < stdout.length; i += 2) out.push(`${stdout[i]},${stdout[i + 1]}`);
  return out;
}

/** Every frame of the clip's first video stream, in display order, as signatures (index = frame number). */
export const clipFrames = (file: string, stream?: string) => signatures(file, { stream });

/** Signatures of every frame of a (re-encoded) video, or of an image, inside `crop`. */
export const framesIn = (file: string, crop?: Crop) => signatures(file, { crop });

/** Which frame of `frames` the image is, exactly (-1 when it matches none). */
export async function frameIndexOf(image: string, frames: string[], crop?: Crop): Promise<number> {
  const [signature] = await signatures(image, { crop });
  return frames.lastIndexOf(signature);
}

/** The frame whose signature is closest to `signature` (for pictures that went through a lossy encode). */
export function nearestFrame(signature: string, frames: string[]): { index: number; distance: number } {
  const [l, r] = signature.split(',').map(Number);
  let best = { index: -1, distance: Infinity };
  frames.forEach((frame, index) => {
    const [fl, fr] = frame.split(',').map(Number);
    const distance = Math.abs(fl - l) + Math.abs(fr - r);
    if (distance < best.distance) best = { index, distance };
  });
  return best;
}
