// Decodes a stretch of a clip's sound (onset.ts reads its first second).
import { readFile, rm } from 'node:fs/promises';
import { runFfmpeg } from './binaries';
import { decodeWindowArgs, type AudioWindow } from '../domain/seam-polarity';

/** A stretch of a clip's sound as interleaved stereo floats; `scratch` is a file path the samples pass through. */
export async function decodeAudioWindow(clip: string, window: AudioWindow, scratch: string): Promise<Float32Array> {
  await runFfmpeg(decodeWindowArgs(clip, window, scratch), { label: 'ffmpeg audio window' });
  const bytes = await readFile(scratch);
  await rm(scratch, { force: true });
  return new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
}
