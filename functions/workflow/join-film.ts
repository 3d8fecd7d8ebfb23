// join-film: assemble the scenes' finished segments (finish-segment.ts) into final.mp4 — video by
// stream copy, sound in one short pass — write continuity.json from the segments' measurements and
// the pass's own mix, draw the contact sheet and drift chart, and record the run's ending as
// succeeded with its film. Nothing is decoded again: every figure was measured when its segment was made.
import { join } from 'node:path';
import type { RuntimeConfig } from '../adapters/config';
import { deleteObject, downloadToFile, getJson, putJson, uploadFile } from '../adapters/s3';
import { claimEnding, findEnding, findStep, loadPlan, refreshManifest } from '../adapters/run-store';
import { settleAll, withScratchDir } from '../adapters/scratch';
import { assembleSegments } from '../adapters/segments';
import { filmAnalysis } from '../adapters/film-analysis';
import { seamTimes } from '../domain/assembly-recipe';
import { drawPictures, reportFromSegments, sceneSpans } from './film-report';
import type { FinishedSegment } from './finish-segment';
import { logger } from '../adapters/logger';
import { requestNotification } from '../adapters/notify';
import { runKeys } from '../domain/run-keys';
import type { RunPlan } from '../domain/plan';
import type { FilmRecord, Manifest } from '../domain/manifest';
import { finishingSeconds } from '../domain/finishing';
import type { RunEnding } from '../domain/ending';
import { RunEndedError } from '../domain/errors';
import type { StoredClip } from './store-output';

export interface JoinRequest {
  runId: string;
  clips: StoredClip[];
  join: RunPlan['join'];
}

export interface FilmResult extends FilmRecord {
  runId: string;
  sceneCount: number;
  /** The run's cost from its manifest: the execution's output shows it beside the film. */
  cost: { usd: number; estimateUsd: number | null };
  /** true: this invocation recorded the run's ending, so its metrics count the run (once). */
  recorded: boolean;
  /** Last clip stored → film stored; measured by the invocation that recorded the film, else null. */
  finishingSec: number | null;
}

/** Each segment's media, fetched side by side into the scratch directory. */
async function fetchSegments(config: RuntimeConfig, dir: string, segments: FinishedSegment[]) {
  const local = segments.map((s) => ({
    video: join(dir, `segment-${s.index}.mp4`),
    audio: s.keys.audio ? join(dir, `segment-${s.index}.f32`) : null,
    row: join(dir, `row-${s.index}.png`),
  }));
  await settleAll(
    segments.flatMap((s, i) => [
      downloadToFile(config, s.keys.video, local[i].video),
      s.keys.audio ? downloadToFile(config, s.keys.audio, local[i].audio!) : Promise.resolve(),
      downloadToFile(config, s.keys.sheetRow, local[i].row),
    ]),
  );
  return local;
}

export async function joinFilm(config: RuntimeConfig, request: JoinRequest): Promise<FilmResult> {
  const { runId } = request;
  const keys = runKeys(runId);
  // Canceled (or ended otherwise) before the join began: no film to make. Succeeded: a retry of this
  // step after the film was recorded, which answers with that film.
  const ended = await findEnding(config, runId);
  if (ended) return heldFilm(config, runId, request.clips.length, ended);
  const clips = [...request.clips].sort((a, b) => a.index - b.index);
  const [plan, anchor, segments] = await Promise.all([
    loadPlan(config, runId),
    findStep(config, runId, 'anchor'),
    Promise.all(clips.map((c) => getJson<FinishedSegment>(config, keys.segment(c.index).record))),
  ]);
  const fps = request.join.fps;

  return withScratchDir('join-film', async (dir) => {
    const local = await fetchSegments(config, dir, segments);
    const film = join(dir, 'final.mp4');
    const mix = join(dir, 'mix.wav');
    const spans = sceneSpans(plan, segments);
    const input = { plan, clips, segments, spans, anchor: anchor?.media?.look ?? null };
    const pictures = { sheet: join(dir, 'contact-sheet.png'), chart: join(dir, 'drift-chart.png') };
    // The pictures need nothing from the film: they are drawn while it is assembled.
    const [probe] = await settleAll([
      assembleSegments(
        segments.map((s, i) => ({ ...s, video: local[i].video, audio: local[i].audio })),
        { out: film, measureAudio: mix, fps, crossfadeMs: plan.continuity.crossfadeMs },
      ),
      drawPictures({ ...input, rows: local.map((l) => l.row), film: { width: segments[0].width, height: segments[0].height } }, filmAnalysis, pictures),
    ]);
    const seams = seamTimes(segments, fps);
    const seamAudio = probe.hasSound && seams.length ? await filmAnalysis.measureSeamAudio(mix, seams) : seams.map(() => null);
    const report = reportFromSegments({ ...input, seamAudio });

    // The run may have been canceled while this step worked: do not publish a film for it.
    const endedMeanwhile = await findEnding(config, runId);
    if (endedMeanwhile) return heldFilm(config, runId, clips.length, endedMeanwhile);
    await settleAll([
      uploadFile(config, keys.final, film, 'video/mp4'),
      uploadFile(config, keys.contactSheet, pictures.sheet, 'image/png'),
      uploadFile(config, keys.driftChart, pictures.chart, 'image/png'),
      putJson(config, keys.continuity, report),
    ]);

    const record: FilmRecord = {
      key: keys.final,
      contactSheetKey: keys.contactSheet,
      continuityKey: keys.continuity,
      driftChartKey: keys.driftChart,
      scenes: spans,
      continuity: report.film,
      durationSec: probe.videoDurationSec,
      frames: probe.frames,
      fps: probe.fps,
      width: probe.width,
      height: probe.height,
      audioDurationSec: probe.audioDurationSec,
      joinedAt: new Date().toISOString(),
    };
    return publishFilm(config, runId, clips.length, record, plan);
  });
}

/**
 * Records the run as succeeded with this film, unless another ending was recorded first (a DELETE
 * during the join): then that ending holds, and the film's objects are deleted so that nothing of a
 * canceled run reads as a result. The clips stay (they expire with the other intermediates).
 */
export async function publishFilm(config: RuntimeConfig, runId: string, scenes: number, film: FilmRecord, plan?: RunPlan): Promise<FilmResult> {
  const { won, ending } = await claimEnding(config, runId, { status: 'succeeded', at: film.joinedAt, by: 'join-film', film });
  const manifest = await refreshManifest(config, runId, {}, plan);
  if (won) {
    await requestNotification(config, runId); // never throws: the film is recorded whatever happens
    return { runId, sceneCount: scenes, ...film, cost: costOf(manifest), recorded: true, finishingSec: finishingSeconds(manifest.steps, film.joinedAt) };
  }
  if (ending.status !== 'succeeded') {
    await discardFilm(config, film);
    logger.warn('film discarded: the run ended during the join', { runId, status: ending.status, by: ending.by });
  }
  return filmOfEnding(runId, scenes, ending, manifest);
}

const costOf = (manifest: Manifest) => ({ usd: manifest.cost.usd, estimateUsd: manifest.cost.estimateUsd });

/** An ending recorded before this invocation: its film, with the cost from the manifest (rebuilt, in case its writer stopped short). */
async function heldFilm(config: RuntimeConfig, runId: string, scenes: number, ending: RunEnding): Promise<FilmResult> {
  return filmOfEnding(runId, scenes, ending, ending.status === 'succeeded' ? await refreshManifest(config, runId) : null);
}

/** A succeeded ending gives its film; any other ending means this step has nothing to deliver. */
function filmOfEnding(runId: string, scenes: number, ending: RunEnding, manifest: Manifest | null): FilmResult {
  if (ending.status === 'succeeded') {
    return { runId, sceneCount: scenes, ...ending.film, cost: manifest ? costOf(manifest) : { usd: 0, estimateUsd: null }, recorded: false, finishingSec: null };
  }
  throw new RunEndedError(`run ${runId} already ended as ${ending.status} (${ending.by}, ${ending.at}): ${ending.failure.cause}; no film is kept`);
}

async function discardFilm(config: RuntimeConfig, film: FilmRecord) {
  for (const key of [film.key, film.contactSheetKey, film.continuityKey, film.driftChartKey]) {
    try {
      await deleteObject(config, key);
    } catch (error) {
      logger.warn('could not delete a discarded film object', { key, error: (error as Error).message });
    }
  }
}
