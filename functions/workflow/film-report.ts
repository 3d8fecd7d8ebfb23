// continuity.json from the finished segments (finish-segment.ts measured each one as the film shows
// it) and the assembly's own mix of the sound; the contact sheet from the segments' rows and the
// drift chart from the report. Nothing here decodes the film.
import type { FinishedSegment } from './finish-segment';
import { settleAll } from '../adapters/scratch';
import { buildContinuityReport, type ContinuityReport, type SceneSpan, type SeamAudio } from '../domain/continuity-report';
import { seamStillRun, meanAbsoluteDifference } from '../domain/frozen-frames';
import type { RunPlan } from '../domain/plan';
import type { Look } from '../domain/colour';
import type { StoredClip } from './store-output';

/** Film-level measurements and pictures; adapters in production. */
export interface FilmAnalysis {
  /** Loudness each side of every seam and the dip at it, on the assembly's mix (a WAV). */
  measureSeamAudio(mix: string, seamsSec: number[]): Promise<SeamAudio[]>;
  contactSheetFromRows(rows: string[], outPng: string, opts: { scenes: SceneSpan[]; fps: number; film: { width: number; height: number } }): Promise<void>;
  driftChart(
    outPng: string,
    opts: { scenes: { step: string; name: string; deltaE: number | null; lufs: number | null }[]; deltaELimit: number; targetLufs: number | null },
  ): Promise<void>;
}

/** Where each clip landed in the film, from its segment's frame count. */
export function sceneSpans(plan: RunPlan, segments: Pick<FinishedSegment, 'step' | 'frames'>[]): SceneSpan[] {
  let start = 0;
  return segments.map((segment) => {
    const span = { step: segment.step, name: plan.scenes.find((s) => s.step === segment.step)?.name ?? segment.step, startFrame: start, frames: segment.frames };
    start += segment.frames;
    return span;
  });
}

export interface FilmReportInput {
  plan: RunPlan;
  clips: StoredClip[];
  segments: FinishedSegment[];
  spans: SceneSpan[];
  anchor: Look | null;
  /** One per seam; null entries for a film without sound. */
  seamAudio: (SeamAudio | null)[];
}

const grey = (base64: string) => Buffer.from(base64, 'base64');

/** The longest still run across seam k, from the two segments' end frames and motion. */
function stillRunAt(outgoing: FinishedSegment, incoming: FinishedSegment): number {
  const across = meanAbsoluteDifference(grey(outgoing.motion.lastFrame), grey(incoming.motion.firstFrame));
  return seamStillRun(outgoing.motion.tail, across, incoming.motion.head);
}

export function reportFromSegments(input: FilmReportInput): ContinuityReport {
  const { segments, spans } = input;
  return buildContinuityReport(
    { runId: input.plan.runId, strategy: input.plan.strategy, settings: input.plan.continuity },
    {
      anchor: input.anchor,
      scenes: spans.map((span, i) => ({ span, first: segments[i].looks.first, last: segments[i].looks.last, corrections: input.clips[i].corrections })),
      seams: segments.slice(1).map((incoming, k) => ({
        ssimSeedToFirstFrame: incoming.ssimSeedToFirstFrame,
        stillRun: stillRunAt(segments[k], incoming),
        audio: input.seamAudio[k] ?? null,
      })),
    },
  );
}

/**
 * Contact sheet (one row per scene, from the segments' rows) and drift chart (ΔE to the anchor and
 * loudness per scene): both from the segments alone, so they can be drawn while the film is assembled.
 */
export async function drawPictures(
  input: Omit<FilmReportInput, 'seamAudio'> & { rows: string[]; film: { width: number; height: number } },
  analysis: FilmAnalysis,
  out: { sheet: string; chart: string },
): Promise<void> {
  // The clips' figures do not depend on the seams' sound.
  const { clips, settings } = reportFromSegments({ ...input, seamAudio: [] });
  await settleAll([
    analysis.contactSheetFromRows(input.rows, out.sheet, { scenes: input.spans, fps: input.plan.join.fps, film: input.film }),
    analysis.driftChart(out.chart, {
      scenes: clips.map((c) => ({
        step: c.step,
        name: c.name,
        deltaE: c.last.vsAnchor?.deltaE ?? null,
        lufs: c.loudness ? c.loudness.integratedLufs + c.gainDb : null,
      })),
      deltaELimit: 3,
      targetLufs: settings.loudness === 'normalize' ? settings.targetLufs : null,
    }),
  ]);
}
