// finish-segment: as soon as a clip is stored, turn it into its finished segment (head trim, grade,
// film size and rate, gain, onset levelling; segment-recipe.ts) and measure what the film will show of
// it: the looks at its ends, the motion at its ends, its contact-sheet row and (where it started from
// a seed) how close its first frame is to that seed. In a chain this runs while the next clip is
// generating, so the join only has to assemble.
import { join } from 'node:path';
import type { RuntimeConfig } from '../adapters/config';
import { downloadToFile, putJson, uploadFile } from '../adapters/s3';
import { findStep, loadPlan } from '../adapters/run-store';
import { settleAll, withScratchDir } from '../adapters/scratch';
import { ssim } from '../adapters/media';
import { encodeSegment, type SegmentMeasurements } from '../adapters/segments';
import { sheetRowFilter } from '../domain/picture-recipes';
import { gradeFilters } from '../domain/grade';
import { MissingObjectError } from '../domain/errors';
import { runKeys } from '../domain/run-keys';
import type { RunPlan, ScenePlan } from '../domain/plan';

export interface SegmentEvent {
  runId: string;
  step: string;
}

/** segments/{n}/segment.json: everything the join needs of a scene besides the segment's media. */
export interface FinishedSegment extends Omit<SegmentMeasurements, 'motion' | 'hasAudio'> {
  index: number;
  step: string;
  keys: { video: string; audio: string | null; sheetRow: string };
  fps: number;
  /** As measured, with the end frames as base64 grey pixels (JSON). */
  motion: Omit<SegmentMeasurements['motion'], 'firstFrame' | 'lastFrame'> & { firstFrame: string; lastFrame: string };
  /** SSIM of the seed this scene started from against its first kept frame; null when it has no seam seed. */
  ssimSeedToFirstFrame: number | null;
}

/** Only a scene that starts on the previous scene's end (chained seed, shared keyframe) has a seam seed to compare. */
function seamSeedOf(plan: RunPlan, scene: ScenePlan): string | null {
  const joined = plan.strategy === 'chain' || plan.strategy === 'keyframes';
  return joined && scene.index > 1 ? scene.seedKey : null;
}

export async function finishSegment(config: RuntimeConfig, event: SegmentEvent): Promise<{ step: string; segment: string }> {
  const [plan, record] = await Promise.all([loadPlan(config, event.runId), findStep(config, event.runId, event.step)]);
  const scene = plan.scenes.find((s) => s.step === event.step);
  if (!scene) throw new MissingObjectError(`${event.step} is not a scene of run ${event.runId}`);
  if (record?.status !== 'stored' || !record.corrections || !record.media) {
    throw new MissingObjectError(`${event.step}: its clip is not stored yet (status ${record?.status ?? 'none'})`);
  }
  const keys = runKeys(event.runId).segment(scene.index);
  const seedKey = seamSeedOf(plan, scene);
  const { corrections, media } = record;
  const fps = plan.join.fps;

  return withScratchDir('segment', async (dir) => {
    const file = (name: string) => join(dir, name);
    await settleAll([
      downloadToFile(config, scene.clipKey, file('clip.mp4')),
      seedKey ? downloadToFile(config, seedKey, file('seed.png')) : Promise.resolve(),
    ]);
    const spanSec = Math.max(0, (media.frames ?? 0) - corrections.headTrimFrames - 1) / (media.fps ?? fps);
    const film = { width: media.width, height: media.height };
    const measured = await encodeSegment(
      {
        path: file('clip.mp4'),
        trimStartFrames: corrections.headTrimFrames,
        videoFilters: corrections.grade ? gradeFilters(corrections.grade, spanSec) : undefined,
        gainDb: corrections.gainDb,
        // The film's first clip keeps its fade-in: nothing comes before it to crossfade with.
        levelling: scene.index === 1 ? null : corrections.onsetLevelling,
      },
      {
        fps,
        ...film,
        crossfadeMs: plan.continuity.crossfadeMs,
        ...(seedKey && { firstFrame: file('first.png') }),
        outputs: {
          video: file('video.mp4'),
          audio: file('audio.f32'),
          sheetRow: { out: file('sheet-row.png'), filter: (frames: number) => sheetRowFilter(film, frames).filter },
        },
      },
    );
    const ssimSeedToFirstFrame = seedKey ? await ssim(file('seed.png'), file('first.png')) : null;
    await settleAll([
      uploadFile(config, keys.video, file('video.mp4'), 'video/mp4'),
      measured.hasAudio ? uploadFile(config, keys.audio, file('audio.f32'), 'application/octet-stream') : Promise.resolve(),
      uploadFile(config, keys.sheetRow, file('sheet-row.png'), 'image/png'),
    ]);
    const { hasAudio: _sound, motion, ...figures } = measured;
    const segment: FinishedSegment = {
      ...figures,
      index: scene.index,
      step: scene.step,
      keys: { video: keys.video, audio: measured.hasAudio ? keys.audio : null, sheetRow: keys.sheetRow },
      fps,
      motion: { ...motion, firstFrame: motion.firstFrame.toString('base64'), lastFrame: motion.lastFrame.toString('base64') },
      ssimSeedToFirstFrame,
    };
    await putJson(config, keys.record, segment);
    return { step: scene.step, segment: keys.record };
  });
}
