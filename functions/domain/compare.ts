// Comparing variants of one storyboard (the seed blog's experiment: Fast vs Pro, chained scenes vs
// one long prompt): which variants, the side-by-side recipe and the comparison table. Pure.
import type { FilmFigures } from './continuity-report';
import { STRATEGIES, type Strategy } from './storyboard';
import { LAST_FRAME_MODEL_IDS, VIDEO_MODEL_IDS, VIDEO_MODELS, type VideoModelId } from './models';
import { InvalidStoryboardError } from './errors';
import { isRunId } from './run-keys';
import { endingOfExecution } from './ending';

export interface Variant {
  model: VideoModelId;
  strategy: Strategy;
  label: string;
}

export const DEFAULT_VARIANTS = 'ltx-2-fast:chain,ltx-2-pro:chain,ltx-2-fast:single';

const MODEL_ALIASES: Record<string, VideoModelId> = { fast: 'ltx-2-fast', pro: 'ltx-2-pro', fast23: 'ltx-2.3-fast', pro23: 'ltx-2.3-pro' };

export const MAX_VARIANTS = 4;

/**
 * "ltx-2-fast:chain,pro:single" → variants; throws naming the bad part and the allowed values.
 * `field` is what the message names: the CLI option, or the request field.
 */
export function parseVariants(spec: string, field = '--variants'): Variant[] {
  try {
    return parseVariantList(spec);
  } catch (error) {
    throw new Error(`${field}: ${(error as Error).message}`);
  }
}

function parseVariantList(spec: string): Variant[] {
  const parts = spec.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length < 1 || parts.length > MAX_VARIANTS) throw new Error(`give 1 to ${MAX_VARIANTS} variants, got ${parts.length}`);
  const variants = parts.map((part) => {
    const [rawModel, rawStrategy] = part.split(':');
    const model = MODEL_ALIASES[rawModel] ?? rawModel;
    if (!(VIDEO_MODEL_IDS as string[]).includes(model)) {
      throw new Error(`"${part}": model must be one of ${[...VIDEO_MODEL_IDS, ...Object.keys(MODEL_ALIASES)].join(', ')}`);
    }
    if (!(STRATEGIES as readonly string[]).includes(rawStrategy)) {
      throw new Error(`"${part}": strategy must be one of ${STRATEGIES.join(', ')}`);
    }
    // Refused here, before any variant starts, rather than after the others have been paid for.
    if (rawStrategy === 'keyframes' && !VIDEO_MODELS[model as VideoModelId].acceptsLastFrame) {
      throw new Error(`"${part}": strategy keyframes needs a model that accepts a last frame: ${LAST_FRAME_MODEL_IDS.join(', ')} (fast23, pro23)`);
    }
    return { model: model as VideoModelId, strategy: rawStrategy as Strategy, label: `${model} × ${rawStrategy}` };
  });
  const labels = variants.map((v) => v.label);
  const repeated = labels.find((l, i) => labels.indexOf(l) !== i);
  if (repeated) throw new Error(`"${repeated}" is listed twice`);
  return variants;
}

/**
 * The `variants` field of POST /compares (and of the compare execution's input): a spec string as
 * the CLI takes, or a list of "model:strategy" strings or {model, strategy} objects; absent means
 * DEFAULT_VARIANTS. Throws InvalidStoryboardError naming the field.
 */
export function readVariants(value: unknown): Variant[] {
  const field = 'variants';
  if (value === undefined || value === null) return parseVariants(DEFAULT_VARIANTS, field);
  const shape = `${field}: give "model:strategy,…" or a list of "model:strategy" strings or {"model", "strategy"} objects`;
  let spec: string | null = null;
  if (typeof value === 'string') spec = value;
  else if (Array.isArray(value) && value.length <= 20) {
    const parts = value.map((item) => {
      if (typeof item === 'string') return item;
      if (item && typeof item === 'object' && typeof item.model === 'string' && typeof item.strategy === 'string') return `${item.model}:${item.strategy}`;
      return null;
    });
    if (parts.every((p): p is string => p !== null && !p.includes(','))) spec = parts.join(',');
  }
  if (spec === null || spec.length > 500) throw new InvalidStoryboardError([shape]);
  try {
    return parseVariants(spec, field);
  } catch (error) {
    throw new InvalidStoryboardError([(error as Error).message]);
  }
}

/** A compare's id: like a run id (start minute, title, random suffix), its title ending in "compare". */
export const isCompareId = isRunId;

/** Every object of a compare: all under compares/{compareId}/. */
export function compareKeys(compareId: string) {
  if (!isCompareId(compareId)) throw new Error(`not a compare id: ${JSON.stringify(compareId)}`);
  const prefix = `compares/${compareId}/`;
  return {
    prefix,
    request: `${prefix}request.json`,
    ending: `${prefix}ending.json`,
    sideBySide: `${prefix}side-by-side.mp4`,
    comparisonMd: `${prefix}comparison.md`,
    comparisonJson: `${prefix}comparison.json`,
    /** {url} from POST /compares' notify field (written before the execution starts). */
    notify: `${prefix}notify.json`,
    /** What was delivered of the compare's notification (notify-run.ts). */
    notification: (id: string) => `${prefix}notifications/${id}.json`,
  };
}

/** One variant of a compare, as PrepareCompare planned it: its own run, started by the Map. */
export interface CompareRun {
  runId: string;
  label: string;
  model: VideoModelId;
  strategy: Strategy;
}

/** compares/{id}/request.json: what was asked for and which run renders each variant. */
export interface CompareRequestRecord {
  compareId: string;
  title: string;
  executionName: string;
  createdAt: string;
  runs: CompareRun[];
  estimate: { usd: number };
}

/**
 * compares/{id}/ending.json, created once (first writer wins): succeeded when the side-by-side was
 * made (variants that failed are rows with their outcome), failed when nothing could be compared;
 * canceled or failed by execution-ended when the execution was stopped or timed out from outside.
 */
export type CompareEnding =
  | { status: 'succeeded'; at: string; by: 'join-comparison'; sideBySideKey: string; variantsFailed: number }
  | { status: 'failed' | 'canceled'; at: string; by: 'join-comparison' | 'record-compare-failure' | 'execution-ended'; failure: { state: string; error: string; cause: string } };

/**
 * The ending a compare execution's status change implies (ABORTED: canceled; FAILED, TIMED_OUT:
 * failed), with the same error and cause a run gets; null for statuses that end nothing.
 */
export function compareEndingOfExecution(execution: { status: string; error?: string | null; cause?: string | null }, at = new Date().toISOString()): CompareEnding | null {
  const ending = endingOfExecution(execution, at);
  if (!ending || ending.status === 'succeeded') return null;
  const { state, error, cause } = ending.failure;
  return { status: ending.status, at, by: 'execution-ended', failure: { state, error, cause } };
}

export interface SideBySideInput {
  path: string;
  /** A file holding the label (drawtext reads it: no escaping of prompt-like text). */
  labelFile: string;
  durationSec: number;
}

/**
 * Films next to each other, each scaled into a width×height tile and labelled; shorter films hold
 * their last frame until the longest ends. Sound comes from the first film.
 */
export function sideBySideArgs(
  inputs: SideBySideInput[],
  out: string,
  opts: { width: number; height: number; fps: number; fontFile: string },
): string[] {
  const longest = Math.max(...inputs.map((i) => i.durationSec));
  const tiles = inputs.map((input, i) => {
    const hold = Math.max(0, longest - input.durationSec).toFixed(3);
    return (
      `[${i}:v]scale=${opts.width}:${opts.height}:force_original_aspect_ratio=decrease,` +
      `pad=${opts.width}:${opts.height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${opts.fps},` +
      `tpad=stop_mode=clone:stop_duration=${hold},` +
      `drawtext=fontfile='${opts.fontFile}':textfile='${input.labelFile}':fontsize=${Math.round(opts.height / 15)}:` +
      `fontcolor=white:box=1:boxcolor=black@0.55:boxborderw=8:x=12:y=12[t${i}]`
    );
  });
  const stack = inputs.length > 1 ? `${inputs.map((_, i) => `[t${i}]`).join('')}hstack=inputs=${inputs.length}[v]` : '[t0]null[v]';
  const audio = `[0:a]apad,atrim=end=${longest.toFixed(3)}[a]`;
  return [
    ...inputs.flatMap((i) => ['-i', i.path]),
    '-filter_complex', [...tiles, stack, audio].join(';'),
    '-map', '[v]', '-map', '[a]',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '160k',
    '-movflags', '+faststart',
    out,
  ];
}

export interface ComparisonRow {
  label: string;
  runId: string;
  outcome: string;
  filmSeconds: number | null;
  clips: number;
  estimatedUsd: number;
  meanSeamSsim: number | null;
  /** The film's continuity figures (manifest film.continuity); null without a film. */
  continuity: FilmFigures | null;
  renderSeconds: number;
  film: string | null;
}

const percent = (ratio: number | null | undefined) => (ratio === null || ratio === undefined ? '—' : `${ratio >= 0 ? '+' : ''}${(ratio * 100).toFixed(0)} %`);

export function comparisonTable(title: string, rows: ComparisonRow[]): string {
  const cell = (n: number | null | undefined, digits: number) => (n === null || n === undefined ? '—' : n.toFixed(digits));
  return [
    `# ${title}: comparison`,
    '',
    '| variant | outcome | film s | clips | est. $ | last scene ΔE | saturation | contrast | seam ΔE max | loudness jump max LU | dip dB | stills max | mean seam SSIM | render s | run |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const c = r.continuity;
      const last = c?.lastSceneVsAnchor;
      return (
        `| ${r.label} | ${r.outcome} | ${cell(r.filmSeconds, 2)} | ${r.clips} | ${r.estimatedUsd.toFixed(3)} ` +
        `| ${cell(last?.deltaE, 2)} | ${percent(last?.saturation)} | ${percent(last?.contrast)} ` +
        `| ${cell(c?.maxSeamDeltaE, 2)} | ${cell(c?.maxLoudnessJumpLu, 1)} | ${cell(c?.worstDipDb, 1)} | ${cell(c?.maxStillRun, 0)} ` +
        `| ${cell(r.meanSeamSsim, 4)} | ${r.renderSeconds.toFixed(1)} | ${r.runId} |`
      );
    }),
    '',
    'Last scene: its last frames against the anchor (ΔE2000 of the mean colour; saturation and contrast as change).',
    'Seams: ΔE2000 from the last frames of a scene to the first kept frames of the next; loudness jump (EBU R128, 2 s each side);',
    'the level dip at the seam; stills = identical frames in a row. docs/continuity.md says how each is measured.',
    'Seam SSIM compares each seed frame with the first frame of the next clip (chain and keyframes; 1.0 = identical).',
    'Costs are estimates at the list prices in functions/domain/models.ts.',
    '',
  ].join('\n');
}
