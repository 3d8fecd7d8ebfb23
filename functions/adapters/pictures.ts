// Runs the picture recipes of ../domain/picture-recipes: the scene contact sheet and the drift chart.
// Labels go to small text files beside the output (drawtext reads them), removed afterwards.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { defaultFontFile, runFfmpeg } from './binaries';
import { probeVideo } from './media';
import { OutputInvalidError } from '../domain/errors';
import { type DriftChartOptions, driftChartArgs, driftChartLayout } from '../domain/drift-chart';
import { type SheetOptions, sceneSheetArgs, sceneSheetLayout } from '../domain/picture-recipes';

export type { DriftChartOptions, DriftScene } from '../domain/drift-chart';
export type { SheetOptions, SheetScene } from '../domain/picture-recipes';

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

/** ΔE2000 to the anchor and loudness per scene, with the limit and target lines, as a PNG. */
export async function driftChart(outPng: string, opts: DriftChartOptions): Promise<void> {
  const layout = driftChartLayout(opts);
  await withLabelFiles(outPng, layout.texts.map((t) => t.text), (files) =>
    runFfmpeg(driftChartArgs(layout, outPng, files, defaultFontFile()), { label: 'ffmpeg (drift chart)' }),
  );
}
