// Draws the side-by-side film of a compare with the recipe in domain/compare.ts (labels go through
// files: drawtext reads them, so no label text is ever escaped into the filter graph).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultFontFile, runFfmpeg } from './binaries';
import { sideBySideArgs } from '../domain/compare';

export interface SideBySideFilm {
  path: string;
  label: string;
  durationSec: number;
}

/** 640×360 tiles at 25 fps, side by side; shorter films hold their last frame. */
export async function drawSideBySide(films: SideBySideFilm[], dir: string, out: string): Promise<void> {
  const inputs = await Promise.all(
    films.map(async (film, i) => {
      const labelFile = join(dir, `label-${i}.txt`);
      await writeFile(labelFile, film.label);
      return { path: film.path, labelFile, durationSec: film.durationSec };
    }),
  );
  await runFfmpeg(sideBySideArgs(inputs, out, { width: 640, height: 360, fps: 25, fontFile: defaultFontFile() }), { label: 'ffmpeg side-by-side' });
}
