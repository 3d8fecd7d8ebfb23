// Measures a clip's onset (functions/domain/onset.ts): the first second of its sound, decoded mono.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFfmpeg } from './binaries';
import { JOIN_SAMPLE_RATE } from '../domain/join-audio';
import { onsetLevelling, onsetSamplesArgs, type OnsetLevelling } from '../domain/onset';

export async function measureOnset(clip: string): Promise<OnsetLevelling | null> {
  const dir = await mkdtemp(join(tmpdir(), 'longshot-onset-'));
  try {
    const raw = join(dir, 'onset.f32');
    await runFfmpeg(onsetSamplesArgs(clip, JOIN_SAMPLE_RATE, raw), { label: 'ffmpeg onset' });
    const bytes = await readFile(raw);
    return onsetLevelling(new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4)), JOIN_SAMPLE_RATE);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
