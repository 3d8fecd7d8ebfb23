// join-film: join the stored clips into final.mp4 (seam trims, audio re-encoded once), write the
// contact sheet and the continuity report, and record the run's ending as succeeded with its film.
import { join } from 'node:path';
import type { RuntimeConfig } from '../adapters/config';
import { deleteObject, downloadToFile, putJson, uploadFile } from '../adapters/s3';
import { claimEnding, findEnding, loadPlan, refreshManifest } from '../adapters/run-store';
import { withScratchDir } from '../adapters/scratch';
import { contactSheet, extractFirstFrame, joinClips, seamTrims, ssim } from '../adapters/media';
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

export interface Seam {
  from: string;
  to: string;
  /** SSIM of the seed frame (true last frame of `from`) against the first frame of `to`. */
  ssimSeedToFirstFrame: number;
  trimmedFrames: number;
}

export interface FilmResult extends FilmRecord {
  runId: string;
  scenes: number;
}

export async function joinFilm(config: RuntimeConfig, request: JoinRequest): Promise<FilmResult> {
  const { runId } = request;
  const keys = runKeys(runId);
  // Canceled (or ended otherwise) before the join began: no film to make. Succeeded: a retry of this
  // step after the film was recorded, which answers with that film.
  const ended = await findEnding(config, runId);
  if (ended) return filmOfEnding(runId, request.clips.length, ended);
  const plan = await loadPlan(config, runId);
  const clips = [...request.clips].sort((a, b) => a.index - b.index);
  // Only a chained clip starts with a copy of the previous clip's last frame.
  const trims = seamTrims(clips.length, {
    trimSeedFrame: plan.strategy === 'chain' && request.join.trimSeedFrame,
    extraTrim: request.join.extraTrimFrames,
  });

  return withScratchDir('join-film', async (dir) => {
    const local = clips.map((c) => join(dir, `scene-${c.index}.mp4`));
    for (const [i, clip] of clips.entries()) await downloadToFile(config, clip.clipKey, local[i]);

    const film = join(dir, 'final.mp4');
    const probe = await joinClips({
      clips: local.map((path, i) => ({ path, trimStartFrames: trims[i] })),
      out: film,
      fps: request.join.fps,
      width: clips[0].width,
      height: clips[0].height,
      audio: clips.some((c) => c.hasAudio) ? 'keep' : 'silent',
      crossfadeMs: plan.continuity.crossfadeMs,
    });

    const sheet = join(dir, 'contact-sheet.png');
    await contactSheet(film, sheet);
    const seams = plan.strategy === 'chain' ? await measureSeams(config, dir, clips, local, trims) : [];

    // The run may have been canceled while this step worked: do not publish a film for it.
    const endedMeanwhile = await findEnding(config, runId);
    if (endedMeanwhile) return filmOfEnding(runId, clips.length, endedMeanwhile);
    await uploadFile(config, keys.final, film, 'video/mp4');
    await uploadFile(config, keys.contactSheet, sheet, 'image/png');
    await putJson(config, keys.continuity, {
      runId,
      strategy: plan.strategy,
      seams,
      note: 'ssimSeedToFirstFrame compares the stored seed (true last frame of the previous clip) with the first frame of the next clip; 1.0 is identical.',
    });

    const record: FilmRecord = {
      key: keys.final,
      contactSheetKey: keys.contactSheet,
      continuityKey: keys.continuity,
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
  await refreshManifest(config, runId, {}, plan);
  if (won) return { runId, scenes, ...film };
  if (ending.status !== 'succeeded') {
    await discardFilm(config, film);
    logger.warn('film discarded: the run ended during the join', { runId, status: ending.status, by: ending.by });
  }
  return filmOfEnding(runId, scenes, ending);
}

/** A succeeded ending gives its film; any other ending means this step has nothing to deliver. */
function filmOfEnding(runId: string, scenes: number, ending: RunEnding): FilmResult {
  if (ending.status === 'succeeded') return { runId, scenes, ...ending.film };
  throw new RunEndedError(`run ${runId} already ended as ${ending.status} (${ending.by}, ${ending.at}): ${ending.failure.cause}; no film is kept`);
}

async function discardFilm(config: RuntimeConfig, film: FilmRecord) {
  for (const key of [film.key, film.contactSheetKey, film.continuityKey]) {
    try {
      await deleteObject(config, key);
    } catch (error) {
      logger.warn('could not delete a discarded film object', { key, error: (error as Error).message });
    }
  }
}

async function measureSeams(
  config: RuntimeConfig,
  dir: string,
  clips: StoredClip[],
  local: string[],
  trims: number[],
): Promise<Seam[]> {
  const seams: Seam[] = [];
  for (let i = 1; i < clips.length; i++) {
    const seed = join(dir, `seed-${clips[i].index}.png`);
    const first = join(dir, `first-${clips[i].index}.png`);
    await downloadToFile(config, clips[i - 1].lastFrameKey, seed);
    await extractFirstFrame(local[i], first);
    seams.push({
      from: clips[i - 1].step,
      to: clips[i].step,
      ssimSeedToFirstFrame: Math.round((await ssim(seed, first)) * 10_000) / 10_000,
      trimmedFrames: trims[i],
    });
  }
  return seams;
}
