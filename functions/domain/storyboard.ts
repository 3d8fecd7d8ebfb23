// The storyboard: what a user writes. One zod schema gives validation, defaults, types and the
// published JSON Schema (docs/storyboard.schema.json); model rules come from models.ts.
import { z } from 'zod';
import { InvalidStoryboardError } from './errors';
import { LAST_FRAME_MODEL_IDS, SDXL, VIDEO_MODEL_IDS, VIDEO_MODELS, clipProblems, isVideoModelId, type VideoModelId } from './models';
import { addressRefusal, ipLiteralOf } from './public-address';
import { keyProblem } from './run-keys';
import { COLOR_MATCH_MODES, CONTINUITY_DEFAULTS, CONTINUITY_LIMITS, LOUDNESS_MODES } from './continuity-settings';

export const STRATEGIES = ['chain', 'single', 'independent', 'keyframes'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/**
 * Product limits: a film is 20–60 s in practice; we refuse what cannot be a film at all. Every
 * string is bounded, and so is the whole storyboard: it travels in the Step Functions execution
 * input (at most 256 KiB, together with the plan built from it).
 */
export const LIMITS = {
  /** A budget above this is a typo, not a plan. */
  maxBudgetUsd: 10_000,
  maxScenes: 12,
  maxFilmSeconds: 60,
  maxPromptChars: 2500,
  maxTitleChars: 120,
  maxNameChars: 60,
  maxImageRefChars: 2048,
  maxSchemaRefChars: 512,
  maxStoryboardBytes: 64 * 1024,
  /** Problems listed at most; a storyboard with thousands of mistakes gets the first ones. */
  maxProblems: 30,
} as const;

const prompt = z.string().trim().min(1, 'must not be empty').max(LIMITS.maxPromptChars);
const sdxlSide = z
  .number()
  .int()
  .min(SDXL.minSide)
  .max(SDXL.maxSide)
  .refine((n) => n % 8 === 0, { message: 'must be a multiple of 8' });

const IMAGE_REF_RULE =
  'must be an https:// URL or a key in this bucket under inbox/ or images/ ending in .png, .jpg, .jpeg or .webp';

/** What is wrong with an anchor image reference, or null. Addresses behind DNS names are checked when fetched. */
function imageRefProblem(ref: string): string | null {
  if (/^https:\/\/\S+$/.test(ref)) {
    if (!URL.canParse(ref)) return 'is not a valid URL';
    const url = new URL(ref);
    if (url.username || url.password) return 'must not carry a user name or password (use a presigned URL)';
    const literal = ipLiteralOf(url.hostname);
    const refusal = literal && addressRefusal(literal);
    if (refusal) return `points at ${literal}, ${refusal}; only public addresses are fetched`;
    return null;
  }
  if (!/^(inbox|images)\/[\w.\-/]+\.(png|jpe?g|webp)$/i.test(ref)) return IMAGE_REF_RULE;
  const problem = keyProblem(ref);
  return problem && `${problem}; keys must stay inside inbox/ or images/`;
}

const imageRef = z
  .string()
  .trim()
  .max(LIMITS.maxImageRefChars)
  .superRefine((ref, ctx) => {
    const problem = imageRefProblem(ref);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const storyboardSchema = z.strictObject({
  /** Lets editors find docs/storyboard.schema.json; ignored otherwise. */
  $schema: z.string().max(LIMITS.maxSchemaRefChars).optional(),
  title: z.string().trim().min(1, 'must not be empty').max(LIMITS.maxTitleChars),
  strategy: z.enum(STRATEGIES).default('chain'),
  model: z.enum(VIDEO_MODEL_IDS as [VideoModelId, ...VideoModelId[]]).default('ltx-2-fast'),
  clip: z
    .strictObject({
      duration: z.number().int().positive().default(10),
      fps: z.number().int().positive().default(25),
      resolution: z.enum(['1080p', '1440p', '2160p']).default('1080p'),
      generateAudio: z.boolean().default(true),
    })
    .default({ duration: 10, fps: 25, resolution: '1080p', generateAudio: true }),
  anchor: z
    .union([
      z.literal(false),
      z.strictObject({
        prompt: prompt.optional(),
        image: imageRef.optional(),
        width: sdxlSide.default(SDXL.defaultWidth),
        height: sdxlSide.default(SDXL.defaultHeight),
        seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
        negativePrompt: z.string().max(LIMITS.maxPromptChars).optional(),
      }),
    ], {
      error: 'must be false (text-only) or an object with "prompt" or "image" (and optional width, height, seed, negativePrompt)',
    })
    .optional()
    .describe('Anchor image for scene 1: generated with SDXL from `prompt` (default: scene 1’s prompt), or your own `image`; false for text-only.'),
  scenes: z
    .array(
      z.strictObject({
        name: z.string().trim().min(1).max(LIMITS.maxNameChars).optional(),
        prompt,
        duration: z.number().int().positive().optional(),
      }),
    )
    .min(1, 'needs at least one scene')
    .max(LIMITS.maxScenes),
  join: z
    .strictObject({
      trimSeedFrame: z.boolean().default(true),
      extraTrimFrames: z.number().int().min(0).max(10).default(0),
    })
    .default({ trimSeedFrame: true, extraTrimFrames: 0 }),
  continuity: z
    .strictObject({
      colorMatch: z
        .enum(COLOR_MATCH_MODES)
        .default(CONTINUITY_DEFAULTS.colorMatch)
        .describe('"anchor": grade every clip towards the anchor image before its last frame seeds the next scene; "off": keep the model\'s colours.'),
      maxFrozenHeadFrames: z
        .number().int().min(0).max(CONTINUITY_LIMITS.maxFrozenHeadFrames)
        .default(CONTINUITY_DEFAULTS.maxFrozenHeadFrames)
        .describe('Near-static frames at the head of a clip that are found and trimmed, at most (0 = keep them).'),
      loudness: z
        .enum(LOUDNESS_MODES)
        .default(CONTINUITY_DEFAULTS.loudness)
        .describe('"normalize": bring every clip to targetLufs (EBU R128) before joining; "off": keep the model\'s levels.'),
      targetLufs: z
        .number().min(CONTINUITY_LIMITS.minTargetLufs).max(CONTINUITY_LIMITS.maxTargetLufs)
        .default(CONTINUITY_DEFAULTS.targetLufs),
      crossfadeMs: z
        .number().int().min(0).max(CONTINUITY_LIMITS.maxCrossfadeMs)
        .default(CONTINUITY_DEFAULTS.crossfadeMs)
        .describe('Equal-power audio crossfade across each seam (0 = hard cut).'),
    })
    .default({ ...CONTINUITY_DEFAULTS })
    .describe('How seams are made invisible and inaudible; every correction is on by default.'),
  budget: z
    .strictObject({
      maxUsd: z.number().positive().max(LIMITS.maxBudgetUsd).describe('Most the run may cost at list prices, in US dollars.'),
    })
    .optional()
    .describe('A storyboard whose estimate exceeds maxUsd is refused before anything is started.'),
});

export type Storyboard = z.output<typeof storyboardSchema>;

/** Command-line or API overrides applied before validation, so their values are checked too. */
export interface StoryboardOverrides {
  model?: string;
  strategy?: string;
}

const formatPath = (path: PropertyKey[]) =>
  path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)),
    '',
  ) || '(storyboard)';

/** Parses and checks a storyboard; throws InvalidStoryboardError listing every problem. */
export function parseStoryboard(raw: unknown, overrides: StoryboardOverrides = {}): Storyboard {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidStoryboardError(['(storyboard): must be a JSON object with "title" and "scenes"']);
  }
  const merged: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  if (overrides.model !== undefined) merged.model = overrides.model;
  if (overrides.strategy !== undefined) merged.strategy = overrides.strategy;
  // Before the schema: a 5 MB storyboard should cost one measurement, not a walk over every item.
  const tooBig = sizeProblem(merged);
  if (tooBig) throw new InvalidStoryboardError([tooBig]);

  const result = storyboardSchema.safeParse(merged);
  if (!result.success) {
    const structural = result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
    throw new InvalidStoryboardError(capped([...new Set([...structural, ...sceneDurationProblems(merged)])]));
  }
  const problems = crossFieldProblems(result.data);
  if (problems.length) throw new InvalidStoryboardError(problems);
  return result.data;
}

const serialisedBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
const kib = (bytes: number) => `${Math.ceil(bytes / 1024)} KiB`;

/**
 * The storyboard serialised must fit LIMITS.maxStoryboardBytes. Names the field that makes it too
 * big: the largest part, descending while one part holds most of its parent's size.
 */
function sizeProblem(board: Record<string, unknown>): string | null {
  const total = serialisedBytes(board);
  if (total <= LIMITS.maxStoryboardBytes) return null;
  let path: PropertyKey[] = [];
  let value: unknown = board;
  let size = total;
  for (let depth = 0; depth < 8 && value !== null && typeof value === 'object'; depth++) {
    const parts = Object.entries(value as Record<string, unknown>).map(([k, v]) => ({
      key: Array.isArray(value) ? Number(k) : k,
      value: v,
      size: serialisedBytes(v),
    }));
    const largest = parts.sort((a, b) => b.size - a.size)[0];
    if (!largest || largest.size * 2 < size) break;
    path = [...path, largest.key];
    value = largest.value;
    size = largest.size;
  }
  const field = path.length ? formatPath(path) : '(storyboard)';
  return `${field}: too long (${kib(size)}); a storyboard is at most ${kib(LIMITS.maxStoryboardBytes)} as JSON and this one is ${kib(total)}`;
}

function capped(problems: string[]): string[] {
  if (problems.length <= LIMITS.maxProblems) return problems;
  return [...problems.slice(0, LIMITS.maxProblems), `(storyboard): ${problems.length - LIMITS.maxProblems} more problems not listed`];
}

/** Length of each clip the run will generate (one for `single`). */
export function clipDurations(board: Storyboard): number[] {
  if (board.strategy !== 'single') return board.scenes.map((s) => s.duration ?? board.clip.duration);
  if (board.scenes.length === 1) return [board.scenes[0].duration ?? board.clip.duration];
  // Several scenes told as one shot: the longest clip the model allows within their total.
  const total = board.scenes.reduce((sum, s) => sum + (s.duration ?? board.clip.duration), 0);
  // Only lengths the model accepts at this fps and resolution, so the pick is never refused.
  const model = VIDEO_MODELS[board.model];
  const allowed = model.durations.filter(
    (d) =>
      d <= total &&
      (board.clip.fps !== 50 || d <= model.maxDurationAt50Fps) &&
      (board.clip.resolution === '1080p' || d <= model.maxDurationAbove1080p),
  );
  return [allowed.length ? allowed[allowed.length - 1] : model.durations[0]];
}

/**
 * Scene lengths the model would refuse, checked on the raw input so they are reported together
 * with structural problems (every problem at once, not one round at a time).
 */
function sceneDurationProblems(raw: Record<string, unknown> | Storyboard): string[] {
  const model = raw.model ?? 'ltx-2-fast';
  const scenes = raw.scenes;
  if (!isVideoModelId(model) || !Array.isArray(scenes) || raw.strategy === 'single') return [];
  const clip = (raw.clip ?? {}) as { fps?: unknown; resolution?: unknown };
  const fps = typeof clip.fps === 'number' ? clip.fps : 25;
  const resolution = VIDEO_MODELS[model].resolutions.find((r) => r === clip.resolution) ?? '1080p';
  return scenes.flatMap((scene, i) => {
    const duration = (scene as { duration?: unknown })?.duration;
    if (typeof duration !== 'number') return [];
    return clipProblems(model, { duration, fps, resolution }, `scenes[${i}]`).filter((p) => p.startsWith(`scenes[${i}].duration`));
  });
}

function crossFieldProblems(board: Storyboard): string[] {
  const problems: string[] = [];
  const clip = { fps: board.clip.fps, resolution: board.clip.resolution };
  if (board.strategy === 'single') {
    const [duration] = clipDurations(board);
    // fps and resolution always come from clip; only the duration may come from the one scene.
    const durationField = board.scenes.length === 1 && board.scenes[0].duration ? 'scenes[0]' : 'clip';
    problems.push(
      ...clipProblems(board.model, { ...clip, duration }, 'clip').map((p) =>
        p.startsWith('clip.duration') ? `${durationField}${p.slice('clip'.length)}` : p,
      ),
    );
  } else {
    // clip.duration only matters for scenes that do not set their own.
    const clipDurationUsed = board.scenes.some((s) => s.duration === undefined);
    problems.push(
      ...clipProblems(board.model, { ...clip, duration: board.clip.duration }, 'clip').filter(
        (p) => clipDurationUsed || !p.startsWith('clip.duration'),
      ),
    );
    problems.push(...sceneDurationProblems(board));
  }
  const total = clipDurations(board).reduce((a, b) => a + b, 0);
  if (total > LIMITS.maxFilmSeconds) {
    problems.push(
      `scenes: the film would last ${total} s; the maximum is ${LIMITS.maxFilmSeconds} s (fewer or shorter scenes)`,
    );
  }
  if (board.anchor && board.anchor.prompt && board.anchor.image) {
    problems.push('anchor: give either "prompt" (generate with SDXL) or "image" (your own), not both');
  }
  if (board.strategy === 'keyframes') problems.push(...keyframesProblems(board));
  if (board.budget && problems.length === 0) {
    const { usd } = estimateOf(board);
    if (usd > board.budget.maxUsd) {
      problems.push(
        `budget.maxUsd: the run is estimated at $${usd.toFixed(3)} at list prices, over the budget of $${board.budget.maxUsd}` +
          ' (raise maxUsd, or use fewer or shorter scenes or a cheaper model)',
      );
    }
  }
  return [...new Set(problems)];
}

/** How the run gets its first frame: SDXL from a prompt, the storyboard's own image, or none (text-to-video). */
export function anchorModeOf(board: Storyboard): 'generate' | 'provided' | 'none' {
  const wanted = board.anchor !== false && (board.anchor !== undefined || board.strategy !== 'single');
  if (!wanted) return 'none';
  return board.anchor && board.anchor.image ? 'provided' : 'generate';
}

/** What the run costs at list prices: every second of clip, plus each SDXL image (the anchor, keyframes). */
export function estimateOf(board: Storyboard): { seconds: number; usd: number } {
  const seconds = clipDurations(board).reduce((a, b) => a + b, 0);
  const keyframes = board.strategy === 'keyframes' ? board.scenes.length : 0;
  const images = (anchorModeOf(board) === 'generate' ? 1 : 0) + keyframes;
  const usd = seconds * VIDEO_MODELS[board.model].usdPerSecond + images * SDXL.usdPerImage;
  return { seconds, usd: Math.round(usd * 1000) / 1000 };
}

/** Keyframes pin each scene between two frames made from the anchor: a model that ends on a given frame, and an anchor. */
function keyframesProblems(board: Storyboard): string[] {
  const problems: string[] = [];
  if (!VIDEO_MODELS[board.model].acceptsLastFrame) {
    problems.push(
      `model: "${board.model}" cannot end a clip on a given last frame, which strategy "keyframes" needs; models that can: ${LAST_FRAME_MODEL_IDS.join(', ')} (or use strategy "chain", "independent" or "single")`,
    );
  }
  if (board.anchor === false) {
    problems.push('anchor: strategy "keyframes" makes every keyframe from the anchor; give an anchor ("prompt" or "image") or leave it out to generate one from scene 1');
  }
  return problems;
}

/** The storyboard's JSON Schema (draft 2020-12), as published in docs/storyboard.schema.json. */
export function storyboardJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(storyboardSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}
