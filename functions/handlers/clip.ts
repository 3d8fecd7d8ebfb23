// Start (or, when the same attempt is retried, reuse) one scene's LTX-2 prediction from its seed
// frame; the webhook (or poll) sends the result.
import { loadConfig } from '../adapters/config';
import { startClip } from '../workflow/start-prediction';
import type { ScenePlan } from '../domain/plan';

export const handler = async (event: { scene: ScenePlan; attempt?: number; taskToken: string }) =>
  startClip(loadConfig(), event.scene, event.taskToken, event.attempt ?? 1);
