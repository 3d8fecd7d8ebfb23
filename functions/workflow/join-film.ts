// join-film: join the stored clips into final.mp4 in one encode (head trims, grades, loudness,
// crossfades), measure its seams into continuity.json, draw the contact sheet and drift chart, and record the run's ending as succeeded with its film.
import { join } from 'node:path';
import type { RuntimeConfig } from '../adapters/config';
import { deleteObject, downloadToFile, putJson, uploadFile } from '../adapters/s3';
import { claimEnding, findEnding, findStep, loadPlan, refreshManifest } from '../adapters/run-store';
import { withScratchDir } from '../adapters/scratch';
import { joinClips } from '../adapters/media';
import { filmAnalysis } from '../adapters/film-analysis';
import { gradeFilters } from '../domain/grade';
import { drawPictures, measureFilm, sceneSpans } from './film-report';
import { logger } from '../adapters/logger';
import { runKeys } from '../domain/run-keys';
import type { RunPlan } from '../domain/plan';
import type { FilmRecord } from '../domain/manifest';
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
}

export async function joinFilm(config: RuntimeConfig, request: JoinRequest): Promise<FilmResult> {
  const { runId } = request;
  const keys = runKeys(runId);
  // Canceled (or ended otherwise) before the join began: no film to make. Succeeded: a retry of this
  // step after the film was recorded, which answers with that film.
  const ended = await findEnding(config, runId);
  if (ended) return filmOfEnding(runId, request.clips.length, ended);
  const [plan, anchor] = await Promise.all([loadPlan(config, runId), findStep(config, runId, 'anchor')]);
  const clips = [...request.clips].sort((a, b) => a.index - b.index);
  const fps = request.join.fps;

  return withScratchDir('join-film', async (dir) => {
    const local = clips.map((c) => join(dir, `scene-${c.index}.mp4`));
    for (const [i, clip] of clips.entries()) await downloadToFile(config, clip.clipKey, local[i]);

    const film = join(dir, 'final.mp4');
    const probe = await joinClips({
      clips: local.map((path, i) => clipInput(path, clips[i], i === 0)),
      out: film,
      fps,
      width: clips[0].width,
      height: clips[0].height,
      audio: clips.some((c) => c.hasAudio) ? 'keep' : 'silent',
      crossfadeMs: plan.continuity.crossfadeMs,
    });
    const { clipFrames, ...filmProbe } = probe;
    const input = { dir, film, fps, plan, clips, spans: sceneSpans(plan, clips, clipFrames), anchor: anchor?.media?.look ?? null };
    const report = await measureFilm(config, input, filmAnalysis);
    const pictures = { sheet: join(dir, 'contact-sheet.png'), chart: join(dir, 'drift-chart.png') };
    await drawPictures(input, report, filmAnalysis, pictures);

    // The run may have been canceled while this step worked: do not publish a film for it.
    const endedMeanwhile = await findEnding(config, runId);
    if (endedMeanwhile) return filmOfEnding(runId, clips.length, endedMeanwhile);
    await uploadFile(config, keys.final, film, 'video/mp4');
    await uploadFile(config, keys.contactSheet, pictures.sheet, 'image/png');
    await uploadFile(config, keys.driftChart, pictures.chart, 'image/png');
    await putJson(config, keys.continuity, report);

    const record: FilmRecord = {
      key: keys.final,
      contactSheetKey: keys.contactSheet,
      continuityKey: keys.continuity,
      driftChartKey: keys.driftChart,
      scenes: input.spans,
      continuity: report.film,
      durationSec: filmProbe.videoDurationSec,
      frames: filmProbe.frames,
      fps: filmProbe.fps,
      width: filmProbe.width,
      height: filmProbe.height,
      audioDurationSec: filmProbe.audioDurationSec,
      joinedAt: new Date().toISOString(),
    };
    return publishFilm(config, runId, clips.length, record, plan);
  });
}

/** A clip as the join takes it: its head trim, its grade over the kept frames, its gain; its onset levelled where it meets a seam. */
function clipInput(path: string, clip: StoredClip, opensFilm: boolean) {
  const { headTrimFrames, grade, gainDb, onsetLevelling } = clip.corrections;
  const spanSec = Math.max(0, clip.frames - headTrimFrames - 1) / clip.fps;
  return {
    path,
    trimStartFrames: headTrimFrames,
    videoFilters: grade ? gradeFilters(grade, spanSec) : undefined,
    gainDb,
    levelling: opensFilm ? null : onsetLevelling,
  };
}

/**
 * Records the run as succeeded with this film, unless another ending was recorded first (a DELETE
 * during the join): then that ending holds, and the film's objects are deleted so that nothing of a
 * canceled run reads as a result. The clips stay (they expire with the other intermediates).
 */
export async function publishFilm(config: RuntimeConfig, runId: string, scenes: number, film: FilmRecord, plan?: RunPlan): Promise<FilmResult> {
  const { won, ending } = await claimEnding(config, runId, { status: 'succeeded', at: film.joinedAt, by: 'join-film', film });
  await refreshManifest(config, runId, {}, plan);
  if (won) return { runId, sceneCount: scenes, ...film };
  if (ending.status !== 'succeeded') {
    await discardFilm(config, film);
    logger.warn('film discarded: the run ended during the join', { runId, status: ending.status, by: ending.by });
  }
  return filmOfEnding(runId, scenes, ending);
}

/** A succeeded ending gives its film; any other ending means this step has nothing to deliver. */
function filmOfEnding(runId: string, scenes: number, ending: RunEnding): FilmResult {
  if (ending.status === 'succeeded') return { runId, sceneCount: scenes, ...ending.film };
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
