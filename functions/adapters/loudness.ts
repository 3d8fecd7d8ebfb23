// Runs the loudness measurements of ../domain/loudness against files on disk (audio-only decodes).
import { runFfmpeg, runFfprobe } from './binaries';
import { MediaToolError } from '../domain/errors';
import {
  type Loudness,
  type SeamAudio,
  audioStreamArgs,
  loudnessArgs,
  parseLoudness,
  parseSeamAudio,
  seamAudioArgs,
} from '../domain/loudness';

export type { Loudness, SeamAudio } from '../domain/loudness';

async function hasAudio(file: string): Promise<boolean> {
  const { stdout } = await runFfprobe(audioStreamArgs(file));
  return stdout.trim() !== '';
}

function parsed<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new MediaToolError(`${what}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Integrated loudness (EBU R128) and true peak of a file's first audio stream; null when it has no
 * audio stream or its sound stays below the R128 gate (silence).
 */
export async function measureLoudness(file: string, signal?: AbortSignal): Promise<Loudness | null> {
  if (!(await hasAudio(file))) return null;
  const { stderr } = await runFfmpeg(loudnessArgs(file), { signal, label: 'ffmpeg loudness' });
  return parsed(`measureLoudness(${file})`, () => parseLoudness(stderr));
}

/**
 * Loudness each side of every seam and the level dip at it, in one pass over the film's sound.
 * A film without an audio stream has no figures (all null).
 */
export async function measureSeamAudio(film: string, seamsSec: number[], signal?: AbortSignal): Promise<SeamAudio[]> {
  if (seamsSec.length === 0) return [];
  if (!(await hasAudio(film))) {
    return seamsSec.map(() => ({ beforeLufs: null, afterLufs: null, jumpLu: null, dipDb: null }));
  }
  const { stderr } = await runFfmpeg(seamAudioArgs(film, seamsSec), { signal, label: 'ffmpeg seam audio' });
  return parsed(`measureSeamAudio(${film})`, () => parseSeamAudio(stderr, seamsSec.length));
}
