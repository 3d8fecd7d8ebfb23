// concat: join the stored clips into final.mp4 (seam trims, audio re-encoded once), then write the
// contact sheet, the continuity report and the final manifest.
import { join } from 'node:path';
import type { RuntimeConfig } from '../adapters/config';
import { downloadToFile, putJson, uploadFile } from '../adapters/s3';
import { loadPlan, refreshManifest } from '../adapters/run-store';
import { withScratchDir } from '../adapters/scratch';
import { contactSheet, extractFirstFrame, joinClips, seamTrims, ssim } from '../adapters/media';
import { runKeys } from '../domain/run-keys';
import type { RunPlan } from '../domain/plan';
import type { FilmRecord } from '../domain/manifest';
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
      seamFadeMs: request.join.seamFadeMs,
    });

    const sheet = join(dir, 'contact-sheet.png');
    await contactSheet(film, sheet);
    const seams = plan.strategy === 'chain' ? await measureSeams(config, dir, clips, local, trims) : [];

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
    await refreshManifest(config, runId, { status: 'succeeded', film: record }, plan);
    return { runId, scenes: clips.length, ...record };
  });
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
