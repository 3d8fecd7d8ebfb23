// Measures a clip's onset (functions/domain/onset.ts): the first second of its sound.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JOIN_SAMPLE_RATE } from '../domain/join-audio';
import { onsetLevelling, ONSET_WINDOW_SEC, type OnsetLevelling } from '../domain/onset';
import { decodeAudioWindow } from './audio-window';

export async function measureOnset(clip: string): Promise<OnsetLevelling | null> {
  const dir = await mkdtemp(join(tmpdir(), 'longshot-onset-'));
  try {
    const window = { input: 0, fromSec: 0, samples: Math.round(ONSET_WINDOW_SEC * JOIN_SAMPLE_RATE) };
    return onsetLevelling(await decodeAudioWindow(clip, window, join(dir, 'onset.f32')), JOIN_SAMPLE_RATE);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
