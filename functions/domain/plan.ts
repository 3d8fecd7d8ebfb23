// The plan: a normalised storyboard turned into what the state machine iterates over. Small on
// purpose (state ≤ 256 KiB): keys and prompts, never media.
import { createHash } from 'node:crypto';
import { anchorModeOf, clipDurations, estimateOf, type Storyboard } from './storyboard';
import { keyframeStep, runKeys, sceneStep } from './run-keys';
import type { ContinuitySettings } from './continuity-settings';
import { SDXL, type Resolution, type VideoModelId } from './models';
import { isRegenerated, type RunOrigin } from './rerun';

export interface AnchorPlan {
  mode: 'generate' | 'provided' | 'none';
  runId: string;
  step: 'anchor';
  prompt?: string;
  negativePrompt?: string;
  image?: string;
  width: number;
  height: number;
  seed?: number;
  seedKey: string;
  anchorKey: string;
}

export interface ScenePlan {
  runId: string;
  step: string;
  index: number;
  name: string;
  prompt: string;
  model: VideoModelId;
  duration: number;
  fps: number;
  resolution: Resolution;
  generateAudio: boolean;
  /** Frame this scene starts from, or null for text-to-video. */
  seedKey: string | null;
  clipKey: string;
  /** Where this scene's true last frame is stored. */
  lastFrameKey: string;
  /** Strategy keyframes: the frame the clip must end on (LTX-2.3 `last_frame_image`). */
  endFrameKey?: string;
  /**
   * The scene whose segment this scene's iteration finishes while its own clip generates (a chain's
   * previous scene: its clip is stored by then), or null.
   */
  finishAlongside: string | null;
  /** Whether this scene's iteration finishes its own segment once its clip is stored (no later chained scene does it). */
  finishOwnSegment: boolean;
  /** Regenerate: make a new clip even if one with the same inputs is stored (reuse.ts). */
  fresh?: true;
}

/** Strategy keyframes: keyframe n, made with SDXL image-to-image from the anchor, ends scene n and starts scene n+1. */
export interface KeyframePlan {
  runId: string;
  step: string;
  index: number;
  /** The prompt of the scene this keyframe ends. */
  prompt: string;
  negativePrompt?: string;
  width: number;
  height: number;
  /** The same for every keyframe of a run, so they share look and subject. */
  seed: number;
  /** The stored anchor (seed 0): every keyframe is a rendition of it. */
  sourceKey: string;
  keyframeKey: string;
}

export interface RunPlan {
  runId: string;
  title: string;
  strategy: Storyboard['strategy'];
  model: VideoModelId;
  /** 1 keeps scenes strictly in order (chain); 0 lets Step Functions run them all at once. */
  maxConcurrency: number;
  anchor: AnchorPlan;
  /** Only for strategy keyframes: one per scene, generated in parallel after the anchor. */
  keyframes?: KeyframePlan[];
  scenes: ScenePlan[];
  join: Storyboard['join'] & { fps: number };
  continuity: ContinuitySettings;
  estimate: { seconds: number; usd: number };
  /** Most the run may spend (storyboard budget.maxUsd); null: no cap. */
  budgetUsd: number | null;
  /** Set for a run made from another one (regenerate, resume). */
  origin?: RunOrigin;
}

/**
 * Who finishes scene n's segment. In a chain scene n+1 cannot start before scene n is stored, so scene
 * n+1's iteration finishes segment n while clip n+1 generates, and only the last scene finishes its
 * own. Scenes that run side by side (and a single shot) each finish their own.
 */
export function segmentFinishing(strategy: Storyboard['strategy'], index: number, count: number): Pick<ScenePlan, 'finishAlongside' | 'finishOwnSegment'> {
  if (strategy !== 'chain') return { finishAlongside: null, finishOwnSegment: true };
  return { finishAlongside: index > 1 ? sceneStep(index - 1) : null, finishOwnSegment: index === count };
}

export function buildPlan(runId: string, board: Storyboard, origin?: RunOrigin): RunPlan {
  const keys = runKeys(runId);
  const durations = clipDurations(board);
  const anchorSpec = board.anchor || undefined;
  const anchorMode: AnchorPlan['mode'] = anchorModeOf(board);

  const anchor: AnchorPlan = {
    mode: anchorMode,
    runId,
    step: 'anchor',
    width: anchorSpec?.width ?? SDXL.defaultWidth,
    height: anchorSpec?.height ?? SDXL.defaultHeight,
    seedKey: keys.seed(0),
    anchorKey: keys.anchor,
    ...(anchorMode === 'generate' && { prompt: anchorSpec?.prompt ?? board.scenes[0].prompt }),
    ...(anchorSpec?.negativePrompt && { negativePrompt: anchorSpec.negativePrompt }),
    ...(anchorSpec?.seed !== undefined && { seed: anchorSpec.seed }),
    ...(anchorMode === 'provided' && { image: anchorSpec!.image }),
  };

  const sceneSources =
    board.strategy === 'single'
      ? [{ name: board.title, prompt: board.scenes.map((s) => s.prompt).join('\n\n') }]
      : board.scenes.map((s, i) => ({ name: s.name ?? `scene ${i + 1}`, prompt: s.prompt }));

  const scenes: ScenePlan[] = sceneSources.map((source, i) => {
    const index = i + 1;
    let seedKey =
      anchorMode === 'none' && (board.strategy !== 'chain' || index === 1)
        ? null
        : board.strategy === 'chain'
          ? keys.seed(index - 1)
          : keys.seed(0);
    if (board.strategy === 'keyframes') seedKey = index === 1 ? keys.seed(0) : keys.keyframe(index - 1);
    return {
      runId,
      step: sceneStep(index),
      index,
      name: source.name,
      prompt: source.prompt,
      model: board.model,
      duration: durations[i],
      fps: board.clip.fps,
      resolution: board.clip.resolution,
      generateAudio: board.clip.generateAudio,
      seedKey,
      clipKey: keys.clip(index),
      lastFrameKey: keys.seed(index),
      ...(board.strategy === 'keyframes' && { endFrameKey: keys.keyframe(index) }),
      ...segmentFinishing(board.strategy, index, sceneSources.length),
      ...(isRegenerated(origin, index) && { fresh: true as const }),
    };
  });
  const keyframes = board.strategy === 'keyframes' ? keyframePlans(runId, anchor, scenes) : undefined;

  return {
    runId,
    title: board.title,
    strategy: board.strategy,
    model: board.model,
    maxConcurrency: board.strategy === 'independent' || board.strategy === 'keyframes' ? 0 : 1,
    anchor,
    ...(keyframes && { keyframes }),
    scenes,
    join: { ...board.join, fps: board.clip.fps },
    continuity: { ...board.continuity },
    estimate: estimateOf(board),
    budgetUsd: board.budget?.maxUsd ?? null,
    ...(origin && { origin }),
  };
}

/**
 * One keyframe per scene end. The seed is the anchor's when it has one, otherwise derived from the
 * run id: fixed for the run (every keyframe and every retry the same), never from the clock.
 */
function keyframePlans(runId: string, anchor: AnchorPlan, scenes: ScenePlan[]): KeyframePlan[] {
  const seed = anchor.seed ?? createHash('sha256').update(runId).digest().readUInt32BE(0) % 2 ** 31;
  return scenes.map((scene) => ({
    runId,
    step: keyframeStep(scene.index),
    index: scene.index,
    prompt: scene.prompt,
    ...(anchor.negativePrompt && { negativePrompt: anchor.negativePrompt }),
    width: anchor.width,
    height: anchor.height,
    seed,
    sourceKey: anchor.seedKey,
    keyframeKey: scene.endFrameKey!,
  }));
}
