// Decodes the few milliseconds of sound each crossfade mixes and decides which clips to invert
// (functions/domain/seam-polarity.ts).
import { readFile, rm } from 'node:fs/promises';
import { runFfmpeg } from './binaries';
import { seamSpans } from '../domain/join-audio';
import type { JoinPlan } from '../domain/join-recipe';
import { crossfadeCorrelation, crossfadePair, decodeWindowArgs, deinterleave, polarities, seamWindows, type AudioWindow } from '../domain/seam-polarity';

/** A stretch of a clip's sound as interleaved stereo floats; `scratch` is a file path the samples pass through. */
export async function decodeAudioWindow(clip: string, window: AudioWindow, scratch: string): Promise<Float32Array> {
  await runFfmpeg(decodeWindowArgs(clip, window, scratch), { label: 'ffmpeg audio window' });
  const bytes = await readFile(scratch);
  await rm(scratch, { force: true });
  return new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
}

/** Per clip: play its sound inverted? `scratch` is a file path the samples pass through. */
export async function seamPolarities(paths: string[], plan: JoinPlan, crossfadeMs: number, scratch: string): Promise<boolean[]> {
  const spans = seamSpans(plan.audioClips.map((c) => c.samples), crossfadeMs);
  const correlations: (number | null)[] = [];
  for (const [k, windows] of seamWindows(plan.audioClips, spans).entries()) {
    if (!windows) {
      correlations.push(null);
      continue;
    }
    const outgoing = deinterleave(await decodeAudioWindow(paths[windows.outgoing.input], windows.outgoing, scratch));
    const incoming = deinterleave(await decodeAudioWindow(paths[windows.incoming.input], windows.incoming, scratch));
    const channels = [0, 1].map((c) => crossfadePair(outgoing[c], incoming[c], spans[k], windows.preRoll));
    correlations.push(crossfadeCorrelation(...channels));
  }
  return polarities(correlations);
}
