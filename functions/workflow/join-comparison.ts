// JoinComparison: once every variant's run has ended, read each run's manifest (its one recorded
// ending is the truth about it), draw side-by-side.mp4 from the films that were made, write
// comparison.md and comparison.json, and record the compare's ending.
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import type { RuntimeConfig } from '../adapters/config';
import { downloadToFile, findJson, getJson, putJson, uploadFile } from '../adapters/s3';
import { findManifest } from '../adapters/run-store';
import { settleAll, withScratchDir } from '../adapters/scratch';
import { drawSideBySide } from '../adapters/side-by-side';
import { runKeys } from '../domain/run-keys';
import { comparisonTable, compareKeys, type CompareEnding, type CompareRequestRecord, type CompareRun, type ComparisonRow } from '../domain/compare';
import type { Manifest } from '../domain/manifest';
import { NothingToCompareError } from '../domain/errors';
import { claimCompareEnding } from './compares';

export interface JoinComparisonInput {
  compareId: string;
  /** The Map's results: each child execution's name and status (a failed one is caught, not thrown). */
  variants: { runId: string; status: string; error?: string }[];
}

export interface ComparisonResult {
  compareId: string;
  status: CompareEnding['status'];
  sideBySideKey: string | null;
  /** Each variant's run, how it ended and its film's key (null: no film): the execution's output names them. */
  variants: { label: string; runId: string; outcome: string; film: string | null }[];
}

/** Seam SSIM of a chained film, averaged (null for a single shot or without a report). */
async function meanSeamSsim(config: RuntimeConfig, runId: string): Promise<number | null> {
  const report = await findJson<{ seams?: { ssimSeedToFirstFrame: number | null }[] }>(config, runKeys(runId).continuity);
  const values = (report?.seams ?? []).map((s) => s.ssimSeedToFirstFrame).filter((v): v is number => v !== null);
  return values.length ? values.reduce((sum, v) => sum + v, 0) / values.length : null;
}

const seconds = (from: string, to: string | null) => (to ? Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000) : 0);

async function rowOf(config: RuntimeConfig, run: CompareRun, mapStatus: string | undefined): Promise<ComparisonRow> {
  const manifest: Manifest | null = await findManifest(config, run.runId);
  // No manifest: the child never got past its start (the Map's status says how it ended).
  const outcome = manifest?.status ?? (mapStatus === 'SUCCEEDED' ? 'succeeded' : 'failed');
  return {
    label: run.label,
    runId: run.runId,
    outcome,
    filmSeconds: manifest?.film?.durationSec ?? null,
    clips: manifest?.scenesTotal ?? 0,
    estimatedUsd: manifest?.estimate?.usd ?? 0,
    meanSeamSsim: manifest?.film ? await meanSeamSsim(config, run.runId) : null,
    continuity: manifest?.film?.continuity ?? null,
    renderSeconds: manifest ? seconds(manifest.createdAt, manifest.endedAt) : 0,
    film: manifest?.film?.key ?? null,
  };
}

const resultOf = (compareId: string, ending: CompareEnding, rows: ComparisonRow[]): ComparisonResult => ({
  compareId,
  status: ending.status,
  sideBySideKey: ending.status === 'succeeded' ? ending.sideBySideKey : null,
  variants: rows.map((r) => ({ label: r.label, runId: r.runId, outcome: r.outcome, film: r.film })),
});

export async function joinComparison(config: RuntimeConfig, input: JoinComparisonInput): Promise<ComparisonResult> {
  const { compareId } = input;
  const keys = compareKeys(compareId);
  const request = await getJson<CompareRequestRecord>(config, keys.request);
  const statusOf = new Map(input.variants.map((v) => [v.runId, v.status]));
  const rows = await Promise.all(request.runs.map((run) => rowOf(config, run, statusOf.get(run.runId))));
  // A retry after the ending was recorded answers with it.
  const held = await findJson<CompareEnding>(config, keys.ending);
  if (held) return resultOf(compareId, held, rows);
  const made = rows.filter((r) => r.film && r.filmSeconds);
  if (!made.length) throw new NothingToCompareError(`no variant made a film: ${rows.map((r) => `${r.label} ${r.outcome}`).join(', ')}`);

  await withScratchDir('join-comparison', async (dir) => {
    const films = made.map((row, i) => ({ path: join(dir, `film-${i}.mp4`), label: row.label, durationSec: row.filmSeconds! }));
    await settleAll(made.map((row, i) => downloadToFile(config, row.film!, films[i].path)));
    const sideBySide = join(dir, 'side-by-side.mp4');
    await drawSideBySide(films, dir, sideBySide);
    const table = join(dir, 'comparison.md');
    await writeFile(table, comparisonTable(request.title, rows));
    await settleAll([
      uploadFile(config, keys.sideBySide, sideBySide, 'video/mp4'),
      uploadFile(config, keys.comparisonMd, table, 'text/markdown; charset=utf-8'),
      putJson(config, keys.comparisonJson, { compareId, title: request.title, variants: rows, sideBySide: keys.sideBySide }),
    ]);
  });
  const variantsFailed = rows.filter((r) => r.outcome !== 'succeeded').length;
  const { ending } = await claimCompareEnding(config, compareId, { status: 'succeeded', at: new Date().toISOString(), by: 'join-comparison', sideBySideKey: keys.sideBySide, variantsFailed });
  return resultOf(compareId, ending, rows);
}
