// continuity.json: what the film's seams look and sound like, measured on final.mp4 itself. One
// record serves the manifest, the CLI summary and the compare table (docs/continuity.md says how
// each figure is measured).
import { driftFrom, rounded, type Look, type LookDrift } from './colour';
import type { ClipCorrections } from './continuity';
import type { Loudness, SeamAudio } from './loudness';
import type { ContinuitySettings } from './continuity-settings';
import type { Strategy } from './storyboard';

/** Where a scene sits in final.mp4. */
export interface SceneSpan {
  step: string;
  name: string;
  startFrame: number;
  frames: number;
}

export type { SeamAudio } from './loudness';

export interface SceneMeasurement {
  span: SceneSpan;
  /** Mean look of the scene's first kept frames and of its last frames, in the film. */
  first: Look;
  last: Look;
  corrections: ClipCorrections;
}

export interface SeamMeasurement {
  /** SSIM of the stored seed (the previous clip's graded last frame) against this scene's first kept frame. */
  ssimSeedToFirstFrame: number | null;
  /** Longest run of identical-looking frames in a row around the seam (1 = none repeated). */
  stillRun: number | null;
  audio: SeamAudio | null;
}

export interface FilmMeasurements {
  anchor: Look | null;
  scenes: SceneMeasurement[];
  /** One per seam: between scenes[i] and scenes[i + 1]. */
  seams: SeamMeasurement[];
}

export interface ClipFigures {
  step: string;
  name: string;
  startFrame: number;
  frames: number;
  first: { look: Look; vsAnchor: LookDrift | null };
  last: { look: Look; vsAnchor: LookDrift | null };
  /** The same frames as the model made them, before the grade. */
  generated: { first: LookDrift | null; last: LookDrift | null };
  headTrimFrames: number;
  frozenHeadFrames: number;
  graded: boolean;
  gradeClamped: boolean;
  gainDb: number;
  gainCapped: boolean;
  loudness: Loudness | null;
}

export interface SeamFigures extends SeamAudio {
  from: string;
  to: string;
  atFrame: number;
  /** ΔE2000 between the last frames of `from` and the first kept frames of `to`. */
  deltaE: number;
  ssimSeedToFirstFrame: number | null;
  /** Frames `to` lost at its head: its seed frame (chained) plus `frozenHeadFrames`. */
  trimmedFrames: number;
  frozenHeadFrames: number;
  stillRun: number | null;
}

export interface FilmFigures {
  /** The last scene's last frames against the anchor. */
  lastSceneVsAnchor: LookDrift | null;
  /** Least-squares slope of each scene's last-frames ΔE to the anchor, per scene: drift per hop. */
  deltaEPerHop: number | null;
  maxSeamDeltaE: number | null;
  maxLoudnessJumpLu: number | null;
  /** The deepest dip (most negative), dB. */
  worstDipDb: number | null;
  maxStillRun: number | null;
}

export interface ContinuityReport {
  runId: string;
  strategy: Strategy;
  settings: ContinuitySettings;
  anchor: Look | null;
  clips: ClipFigures[];
  seams: SeamFigures[];
  film: FilmFigures;
  howMeasured: string;
}

/** Slope of y over 0, 1, 2…; null with fewer than two points. */
export function slope(values: number[]): number | null {
  const n = values.length;
  if (n < 2) return null;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  values.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return num / den;
}

const maxOf = (values: (number | null)[], pick: (a: number, b: number) => number = Math.max): number | null => {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return present.length ? present.reduce((a, b) => pick(a, b)) : null;
};

function clipFigures(scene: SceneMeasurement, anchor: Look | null): ClipFigures {
  const vs = (look: Look) => (anchor ? driftFrom(anchor, look) : null);
  const c = scene.corrections;
  return {
    ...scene.span,
    first: { look: scene.first, vsAnchor: vs(scene.first) },
    last: { look: scene.last, vsAnchor: vs(scene.last) },
    generated: { first: vs(c.looks.head), last: vs(c.looks.tail) },
    headTrimFrames: c.headTrimFrames,
    frozenHeadFrames: c.frozenHeadFrames,
    graded: c.grade !== null,
    gradeClamped: c.grade?.clamped ?? false,
    gainDb: c.gainDb,
    gainCapped: c.gainCapped,
    loudness: c.loudness,
  };
}

export function buildContinuityReport(
  meta: { runId: string; strategy: Strategy; settings: ContinuitySettings },
  m: FilmMeasurements,
): ContinuityReport {
  if (m.seams.length !== Math.max(0, m.scenes.length - 1)) {
    throw new Error(`buildContinuityReport: ${m.scenes.length} scenes need ${m.scenes.length - 1} seams, got ${m.seams.length}`);
  }
  const clips = m.scenes.map((scene) => clipFigures(scene, m.anchor));
  const seams: SeamFigures[] = m.seams.map((seam, i) => {
    const from = m.scenes[i];
    const to = m.scenes[i + 1];
    const audio = seam.audio ?? { beforeLufs: null, afterLufs: null, jumpLu: null, dipDb: null };
    return {
      from: from.span.step,
      to: to.span.step,
      atFrame: to.span.startFrame,
      deltaE: driftFrom(from.last, to.first).deltaE,
      ssimSeedToFirstFrame: seam.ssimSeedToFirstFrame,
      trimmedFrames: to.corrections.headTrimFrames,
      frozenHeadFrames: to.corrections.frozenHeadFrames,
      stillRun: seam.stillRun,
      ...audio,
    };
  });
  const lastDeltaEs = clips.map((c) => c.last.vsAnchor?.deltaE).filter((v): v is number => v !== undefined);
  const film: FilmFigures = {
    lastSceneVsAnchor: clips.at(-1)?.last.vsAnchor ?? null,
    deltaEPerHop: lastDeltaEs.length === clips.length ? slope(lastDeltaEs) : null,
    maxSeamDeltaE: maxOf(seams.map((s) => s.deltaE)),
    maxLoudnessJumpLu: maxOf(seams.map((s) => (s.jumpLu === null ? null : Math.abs(s.jumpLu)))),
    worstDipDb: maxOf(seams.map((s) => s.dipDb), Math.min),
    maxStillRun: maxOf(seams.map((s) => s.stillRun)),
  };
  return rounded({
    runId: meta.runId,
    strategy: meta.strategy,
    settings: meta.settings,
    anchor: m.anchor,
    clips,
    seams,
    film,
    howMeasured: 'docs/continuity.md',
  });
}

/** The film's figures as the CLI prints them under a finished render. */
export function continuitySummary(f: FilmFigures): string[] {
  const n = (v: number | null, digits: number, unit = '') => (v === null ? 'n/a' : `${v.toFixed(digits)}${unit}`);
  const signed = (v: number, digits: number, unit: string) => `${v >= 0 ? '+' : ''}${v.toFixed(digits)}${unit}`;
  const last = f.lastSceneVsAnchor;
  const lines = [
    last
      ? `last scene vs anchor: ΔE ${last.deltaE.toFixed(1)}, saturation ${signed(last.saturation * 100, 0, ' %')}, contrast ${signed(last.contrast * 100, 0, ' %')}` +
        (f.deltaEPerHop === null ? '' : `; drift ${signed(f.deltaEPerHop, 2, ' ΔE')} per scene`)
      : 'last scene vs anchor: n/a (no anchor)',
  ];
  if (f.maxSeamDeltaE !== null) {
    lines.push(
      `seams: ΔE ≤ ${n(f.maxSeamDeltaE, 1)}, loudness jump ≤ ${n(f.maxLoudnessJumpLu, 1, ' LU')}, ` +
        `level dip ${n(f.worstDipDb, 1, ' dB')}, identical frames in a row ≤ ${n(f.maxStillRun, 0)}`,
    );
  }
  return lines;
}
