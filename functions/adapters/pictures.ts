// Runs the picture recipes of ../domain/picture-recipes: the scene contact sheet and the drift chart.
// Labels go to small text files beside the output (drawtext reads them), removed afterwards.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { defaultFontFile, runFfmpeg } from './binaries';
import { probeImage, probeVideo } from './media';
import { OutputInvalidError } from '../domain/errors';
import { type DriftChartOptions, driftChartArgs, driftChartLayout } from '../domain/drift-chart';
import {
  type SheetOptions,
  sceneSheetArgs,
  sceneSheetFromRowsArgs,
  sceneSheetLayout,
  sheetRowFilter,
} from '../domain/picture-recipes';

export type { DriftChartOptions, DriftScene } from '../domain/drift-chart';
export type { SheetOptions, SheetRow, SheetScene } from '../domain/picture-recipes';

async function withLabelFiles(besides: string, labels: string[], run: (files: string[]) => Promise<unknown>): Promise<void> {
  const dir = await mkdtemp(join(dirname(besides), '.labels-'));
  try {
    const files = labels.map((_, i) => join(dir, `${i}.txt`));
    await Promise.all(labels.map((label, i) => writeFile(files[i], label)));
    await run(files);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * One row per scene: `thumbsPerScene` thumbnails evenly spaced within the scene's own frames, each
 * stamped with its time code in the film, the row's first captioned with the step and scene name.
 */
export async function sceneContactSheet(film: string, outPng: string, opts: SheetOptions): Promise<void> {
  const probe = await probeVideo(film);
  const layout = sceneSheetLayout(probe, opts);
  const last = opts.scenes.at(-1)!;
  if (last.startFrame + last.frames > probe.frames) {
    throw new OutputInvalidError(
      `${film} has ${probe.frames} frames; the scenes need ${last.startFrame + last.frames} (${last.step} ends there)`,
    );
  }
  await withLabelFiles(outPng, layout.labels, (files) =>
    runFfmpeg(sceneSheetArgs(film, outPng, layout, files, defaultFontFile()), { label: 'ffmpeg (contact sheet)' }),
  );
}

/**
 * The same sheet as `sceneContactSheet`, composed from each scene's row image (made by the scene's
 * segment pass with `sheetRowFilter`) instead of decoding the film. A row of the wrong size (another
 * width, thumbsPerScene or film size) is refused before anything is drawn.
 */
export async function contactSheetFromRows(
  rows: string[],
  outPng: string,
  opts: SheetOptions & { film: { width: number; height: number } },
): Promise<void> {
  const layout = sceneSheetLayout(opts.film, opts);
  if (rows.length !== opts.scenes.length) {
    throw new RangeError(`rows must list one image per scene (${opts.scenes.length}), got ${rows.length}`);
  }
  const expected = sheetRowFilter(opts.film, 1, opts);
  const sizes = await Promise.all(rows.map((row) => probeImage(row)));
  sizes.forEach((size, i) => {
    if (size.width !== expected.width || size.height !== expected.height) {
      throw new OutputInvalidError(
        `${rows[i]} is ${size.width}x${size.height}; a row of this sheet is ${expected.width}x${expected.height} (${opts.scenes[i].step})`,
      );
    }
  });
  await withLabelFiles(outPng, layout.labels, (files) =>
    runFfmpeg(sceneSheetFromRowsArgs(rows, outPng, layout, files, defaultFontFile()), {
      label: 'ffmpeg (contact sheet from rows)',
    }),
  );
}

/** ΔE2000 to the anchor and loudness per scene, with the limit and target lines, as a PNG. */
export async function driftChart(outPng: string, opts: DriftChartOptions): Promise<void> {
  const layout = driftChartLayout(opts);
  await withLabelFiles(outPng, layout.texts.map((t) => t.text), (files) =>
    runFfmpeg(driftChartArgs(layout, outPng, files, defaultFontFile()), { label: 'ffmpeg (drift chart)' }),
  );
}
