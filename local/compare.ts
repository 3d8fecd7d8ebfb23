// `longshot compare`: render one storyboard as several variants (model × strategy) on one local
// stack, then put the films side by side and write a comparison table.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startLocalStack, type StackOptions } from './stack';
import { render } from './render';
import { runFfmpeg, defaultFontFile } from '../functions/adapters/binaries';
import { parseStoryboard, type Storyboard } from '../functions/domain/storyboard';
import { buildPlan } from '../functions/domain/plan';
import { newRunId } from '../functions/domain/run-keys';
import { InvalidStoryboardError } from '../functions/domain/errors';
import { comparisonTable, sideBySideArgs, type ComparisonRow, type Variant } from '../functions/domain/compare';

export interface CompareOptions {
  storyboard: unknown;
  variants: Variant[];
  outDir?: string;
  stack?: StackOptions;
  progress?: boolean;
  /** Aborting it (Ctrl-C) interrupts the variant rendering and skips the rest. */
  signal?: AbortSignal;
}

export type CompareResult =
  | { outcome: 'invalid'; exitCode: 2; problems: string[] }
  | { outcome: 'succeeded' | 'failed' | 'interrupted'; exitCode: 0 | 1 | 130; dir: string; sideBySide: string | null; table: string; rows: ComparisonRow[] };

async function meanSeamSsim(runDir: string): Promise<number | null> {
  try {
    const { seams } = JSON.parse(await readFile(join(runDir, 'continuity.json'), 'utf8')) as { seams: { ssimSeedToFirstFrame: number | null }[] };
    const values = seams.map((s) => s.ssimSeedToFirstFrame).filter((v): v is number => v !== null);
    return values.length ? values.reduce((sum, v) => sum + v, 0) / values.length : null;
  } catch {
    return null;
  }
}

function validateVariants(options: CompareOptions): { boards: Map<Variant, Storyboard>; problems: string[] } {
  const problems: string[] = [];
  const boards = new Map<Variant, Storyboard>();
  for (const variant of options.variants) {
    try {
      boards.set(variant, parseStoryboard(options.storyboard, { model: variant.model, strategy: variant.strategy }));
    } catch (error) {
      if (!(error instanceof InvalidStoryboardError)) throw error;
      problems.push(...error.problems.map((p) => `${variant.label}: ${p}`));
    }
  }
  return { boards, problems };
}

/** Renders the variants one after another on one stack; stops at the first interrupted one. */
async function renderVariants(options: CompareOptions, boards: Map<Variant, Storyboard>, dir: string): Promise<ComparisonRow[]> {
  const stack = await startLocalStack(options.stack);
  const rows: ComparisonRow[] = [];
  try {
    for (const variant of options.variants) {
      if (options.signal?.aborted) break;
      if (options.progress !== false) process.stderr.write(`── ${variant.label}\n`);
      const overrides = { model: variant.model, strategy: variant.strategy };
      const result = await render({ storyboard: options.storyboard, overrides, outDir: dir, on: stack, progress: options.progress, signal: options.signal });
      if (result.outcome === 'invalid') throw new InvalidStoryboardError(result.problems);
      const plan = buildPlan(result.runId, boards.get(variant)!);
      rows.push({
        label: variant.label,
        runId: result.runId,
        outcome: result.outcome,
        filmSeconds: result.manifest.film?.durationSec ?? null,
        clips: plan.scenes.length,
        estimatedUsd: plan.estimate.usd,
        meanSeamSsim: await meanSeamSsim(result.dir),
        continuity: result.manifest.film?.continuity ?? null,
        renderSeconds: result.seconds,
        film: result.film,
      });
    }
  } finally {
    await stack.stop();
  }
  return rows;
}

async function writeSideBySide(rows: ComparisonRow[], dir: string): Promise<string | null> {
  const made = rows.filter((r) => r.film && r.filmSeconds);
  if (!made.length) return null;
  const sideBySide = join(dir, 'side-by-side.mp4');
  const inputs = await Promise.all(
    made.map(async (row, i) => {
      const labelFile = join(dir, `label-${i}.txt`);
      await writeFile(labelFile, row.label);
      return { path: row.film!, labelFile, durationSec: row.filmSeconds! };
    }),
  );
  await runFfmpeg(sideBySideArgs(inputs, sideBySide, { width: 640, height: 360, fps: 25, fontFile: defaultFontFile() }), { label: 'ffmpeg side-by-side' });
  return sideBySide;
}

export async function compare(options: CompareOptions): Promise<CompareResult> {
  // Every variant is validated before anything starts.
  const { boards, problems } = validateVariants(options);
  if (problems.length) return { outcome: 'invalid', exitCode: 2, problems };

  const { title } = boards.get(options.variants[0])!;
  const dir = join(resolve(options.outDir ?? 'out'), newRunId(`${title} compare`));
  await mkdir(dir, { recursive: true });
  const rows = await renderVariants(options, boards, dir);
  const interrupted = Boolean(options.signal?.aborted);
  // Interrupted: write down what was made, but do not spend more time on a side-by-side.
  const sideBySide = interrupted ? null : await writeSideBySide(rows, dir);
  const table = comparisonTable(title, rows);
  await writeFile(join(dir, 'comparison.md'), table);
  await writeFile(join(dir, 'comparison.json'), `${JSON.stringify({ title, variants: rows, sideBySide }, null, 2)}\n`);
  if (interrupted) return { outcome: 'interrupted', exitCode: 130, dir, sideBySide, table, rows };
  const allSucceeded = rows.every((r) => r.outcome === 'succeeded');
  return { outcome: allSucceeded ? 'succeeded' : 'failed', exitCode: allSucceeded ? 0 : 1, dir, sideBySide, table, rows };
}
