// Measures a joined film's seams (colour at each scene's ends, SSIM against the seed, stills,
// loudness and dips) into continuity.json's record, and draws the contact sheet and drift chart.
import { join } from 'node:path';
import type { RuntimeConfig } from '../adapters/config';
import { downloadToFile } from '../adapters/s3';
import { framesAsPngs, sampleFrames } from '../adapters/looks';
import { ssim } from '../adapters/media';
import { lookOf, meanLook, type Look } from '../domain/colour';
import { buildContinuityReport, type ContinuityReport, type SceneSpan, type SeamAudio } from '../domain/continuity-report';
import type { RunPlan } from '../domain/plan';
import { endFrameIndices } from '../domain/continuity';
import type { StoredClip } from './store-output';

/** Film-level measurements and pictures; adapters in production. */
export interface FilmAnalysis {
  stillRunsAtSeams(film: string, seamFrames: number[]): Promise<number[]>;
  measureSeamAudio(film: string, seamsSec: number[]): Promise<SeamAudio[]>;
  sceneContactSheet(film: string, outPng: string, opts: { scenes: SceneSpan[]; fps: number }): Promise<void>;
  driftChart(
    outPng: string,
    opts: { scenes: { step: string; name: string; deltaE: number | null; lufs: number | null }[]; deltaELimit: number; targetLufs: number | null },
  ): Promise<void>;
}

/** Where each clip landed in the film, from the join's frame counts. */
export function sceneSpans(plan: RunPlan, clips: StoredClip[], clipFrames: number[]): SceneSpan[] {
  let start = 0;
  return clips.map((clip, i) => {
    const span = { step: clip.step, name: plan.scenes.find((s) => s.step === clip.step)?.name ?? clip.step, startFrame: start, frames: clipFrames[i] };
    start += clipFrames[i];
    return span;
  });
}

const endFrames = (span: SceneSpan) => endFrameIndices(span.startFrame, span.startFrame + span.frames);

export interface FilmReportInput {
  dir: string;
  film: string;
  fps: number;
  plan: RunPlan;
  clips: StoredClip[];
  spans: SceneSpan[];
  anchor: Look | null;
}

async function seamSsims(config: RuntimeConfig, input: FilmReportInput): Promise<(number | null)[]> {
  // Only where scene n+1 starts on scene n's end: chained seeds, or (keyframes) the shared keyframe.
  const joined = input.plan.strategy === 'chain' || input.plan.strategy === 'keyframes';
  if (!joined || input.spans.length < 2) return input.spans.slice(1).map(() => null);
  const starts = input.spans.slice(1).map((s) => s.startFrame);
  const pngs = await framesAsPngs(input.film, starts, input.dir, 'seam');
  const values: number[] = [];
  for (const [i, start] of starts.entries()) {
    const seed = join(input.dir, `seed-${i + 1}.png`);
    await downloadToFile(config, input.clips[i].lastFrameKey, seed);
    values.push(await ssim(seed, pngs.get(start)!));
  }
  return values;
}

export async function measureFilm(config: RuntimeConfig, input: FilmReportInput, analysis: FilmAnalysis): Promise<ContinuityReport> {
  const { spans, film, fps } = input;
  const ends = spans.map(endFrames);
  const frames = await sampleFrames(film, ends.flatMap((e) => [...e.first, ...e.last]), join(input.dir, 'film.rgb'));
  const lookAt = (indices: number[]) => meanLook(indices.map((n) => lookOf(frames.get(n)!)));
  const seamFrames = spans.slice(1).map((s) => s.startFrame);
  const [ssims, stills, audio] = await Promise.all([
    seamSsims(config, input),
    seamFrames.length ? analysis.stillRunsAtSeams(film, seamFrames) : Promise.resolve([]),
    seamFrames.length && input.clips.some((c) => c.hasAudio)
      ? analysis.measureSeamAudio(film, seamFrames.map((f) => f / fps))
      : Promise.resolve(seamFrames.map(() => null)),
  ]);
  return buildContinuityReport(
    { runId: input.plan.runId, strategy: input.plan.strategy, settings: input.plan.continuity },
    {
      anchor: input.anchor,
      scenes: spans.map((span, i) => ({ span, first: lookAt(ends[i].first), last: lookAt(ends[i].last), corrections: input.clips[i].corrections })),
      seams: seamFrames.map((_, i) => ({ ssimSeedToFirstFrame: ssims[i], stillRun: stills[i] ?? null, audio: audio[i] ?? null })),
    },
  );
}

/** Contact sheet (one row per scene) and drift chart (ΔE to the anchor and loudness per scene). */
export async function drawPictures(
  input: FilmReportInput,
  report: ContinuityReport,
  analysis: FilmAnalysis,
  out: { sheet: string; chart: string },
): Promise<void> {
  await analysis.sceneContactSheet(input.film, out.sheet, { scenes: input.spans, fps: input.fps });
  const normalized = report.settings.loudness === 'normalize';
  await analysis.driftChart(out.chart, {
    scenes: report.clips.map((c) => ({
      step: c.step,
      name: c.name,
      deltaE: c.last.vsAnchor?.deltaE ?? null,
      lufs: c.loudness ? c.loudness.integratedLufs + c.gainDb : null,
    })),
    deltaELimit: 3,
    targetLufs: normalized ? report.settings.targetLufs : null,
  });
}
