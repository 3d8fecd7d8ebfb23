// Decides a stored clip's corrections (functions/domain/continuity.ts) and makes the seed the next
// scene starts from: the clip's TRUE last frame, graded towards the anchor when colour matching is on,
// so each hop starts from the anchor's colours instead of inheriting the last hop's drift.
import { join } from 'node:path';
import { copyFile } from 'node:fs/promises';
import { gradeImage } from '../adapters/looks';
import { settleAll } from '../adapters/scratch';
import type { ClipFrames } from '../adapters/clip-frames';
import type { ClipFramesRequest } from '../domain/clip-frames';
import { frozenHeadFrames } from '../domain/frozen-frames';
import { fitGrade, gradeImageFilters, type GradeTarget } from '../domain/grade';
import { lookOf, meanLook, type Look } from '../domain/colour';
import { END_FRAMES, endFrameIndices, headTrimFrames, type ClipCorrections } from '../domain/continuity';
import type { Loudness, LoudnessGain } from '../domain/loudness';
import type { OnsetLevelling } from '../domain/onset';
import type { ContinuitySettings } from '../domain/continuity-settings';
import type { RunPlan } from '../domain/plan';

/** The measurements a correction needs; adapters in production, stand-ins in unit tests. */
export interface ClipAnalysis {
  /** Everything taken from the picture, in one decode (functions/domain/clip-frames.ts). */
  readClipFrames(clip: string, request: ClipFramesRequest, dir: string): Promise<ClipFrames>;
  measureLoudness(clip: string): Promise<Loudness | null>;
  measureOnset(clip: string): Promise<OnsetLevelling | null>;
  loudnessGainDb(loudness: Loudness | null, settings: ContinuitySettings): LoudnessGain;
}

export interface CorrectionInput {
  plan: Pick<RunPlan, 'strategy' | 'join' | 'continuity'>;
  index: number;
  /** Local file: the clip as generated. */
  clip: string;
  /** Its exact frame count (the probe's). */
  frames: number;
  hasAudio: boolean;
  /** The anchor's statistics and look; undefined without an anchor. */
  anchor?: { target: GradeTarget; look: Look };
  /** Scratch directory for intermediate files. */
  dir: string;
}

/** Returns the corrections and the path of the seed image to store for the next scene. */
export async function correctClip(input: CorrectionInput, analysis: ClipAnalysis): Promise<{ corrections: ClipCorrections; seed: string }> {
  const { plan, dir } = input;
  const settings = plan.continuity;
  const trimFor = (frozen: number) =>
    headTrimFrames({
      strategy: plan.strategy,
      index: input.index,
      frames: input.frames,
      frozenHeadFrames: frozen,
      trimSeedFrame: plan.join.trimSeedFrame,
      extraTrimFrames: plan.join.extraTrimFrames,
    });
  // One decode for the picture, the audio measured beside it. The frames sampled cover the first
  // kept frames whatever the head trim turns out to be, and the last frames; motion is measured for
  // the max + 2 head frames frozen-head detection looks at.
  const headFrames = Math.min(input.frames, trimFor(settings.maxFrozenHeadFrames) + END_FRAMES);
  const request: ClipFramesRequest = {
    frames: input.frames,
    headMotionFrames: settings.maxFrozenHeadFrames > 0 ? settings.maxFrozenHeadFrames + 2 : 0,
    lookFrames: [...Array.from({ length: headFrames }, (_, n) => n), ...endFrameIndices(0, input.frames).last],
  };
  const [picture, loudness, onsetLevelling] = await settleAll([
    analysis.readClipFrames(input.clip, request, dir),
    input.hasAudio ? analysis.measureLoudness(input.clip) : Promise.resolve(null),
    input.hasAudio ? analysis.measureOnset(input.clip) : Promise.resolve(null),
  ]);
  const frozen = frozenHeadFrames(picture.headDifferences, { max: settings.maxFrozenHeadFrames });
  const trim = trimFor(frozen);
  // The same frames the continuity report averages: the first kept frames and the last frames.
  const ends = endFrameIndices(trim, input.frames);
  const head = ends.first.map((n) => picture.looks.get(n)!);
  const tail = ends.last.map((n) => picture.looks.get(n)!);
  const grade = settings.colorMatch === 'anchor' && input.anchor ? fitGrade(head, tail, input.anchor.target, input.anchor.look) : null;

  const seed = join(dir, 'seed.png');
  if (grade) await gradeImage(picture.lastFrame, gradeImageFilters(grade), seed);
  else await copyFile(picture.lastFrame, seed);

  const gain = analysis.loudnessGainDb(loudness, settings);
  return {
    corrections: {
      headTrimFrames: trim,
      frozenHeadFrames: frozen,
      grade,
      gainDb: gain.gainDb,
      gainCapped: gain.capped,
      loudness,
      onsetLevelling,
      looks: { head: meanLook(head.map(lookOf)), tail: meanLook(tail.map(lookOf)) },
    },
    seed,
  };
}
