// The plan: a normalised storyboard turned into what the state machine iterates over. Small on
// purpose (state ≤ 256 KiB): keys and prompts, never media.
import { clipDurations, type Storyboard } from './storyboard';
import { runKeys, sceneStep } from './run-keys';
import type { ContinuitySettings } from './continuity-settings';
import { SDXL, VIDEO_MODELS, type Resolution, type VideoModelId } from './models';

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
}

export interface RunPlan {
  runId: string;
  title: string;
  strategy: Storyboard['strategy'];
  model: VideoModelId;
  /** 1 keeps scenes strictly in order (chain); 0 lets Step Functions run them all at once. */
  maxConcurrency: number;
  anchor: AnchorPlan;
  scenes: ScenePlan[];
  join: Storyboard['join'] & { fps: number };
  continuity: ContinuitySettings;
  estimate: { seconds: number; usd: number };
}

export function buildPlan(runId: string, board: Storyboard): RunPlan {
  const keys = runKeys(runId);
  const durations = clipDurations(board);
  const anchorWanted = board.anchor !== false && (board.anchor !== undefined || board.strategy !== 'single');
  const anchorSpec = board.anchor || undefined;
  const anchorMode: AnchorPlan['mode'] = !anchorWanted ? 'none' : anchorSpec?.image ? 'provided' : 'generate';

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
    const seedKey =
      anchorMode === 'none' && (board.strategy !== 'chain' || index === 1)
        ? null
        : board.strategy === 'chain'
          ? keys.seed(index - 1)
          : keys.seed(0);
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
    };
  });

  const seconds = durations.reduce((a, b) => a + b, 0);
  const usd = seconds * VIDEO_MODELS[board.model].usdPerSecond + (anchorMode === 'generate' ? SDXL.usdPerImage : 0);
  return {
    runId,
    title: board.title,
    strategy: board.strategy,
    model: board.model,
    maxConcurrency: board.strategy === 'independent' ? 0 : 1,
    anchor,
    scenes,
    join: { ...board.join, fps: board.clip.fps },
    continuity: { ...board.continuity },
    estimate: { seconds, usd: Math.round(usd * 1000) / 1000 },
  };
}
