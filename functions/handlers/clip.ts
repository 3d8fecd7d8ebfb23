// Start (or, when the same attempt is retried, reuse) one scene's LTX-2 prediction from its seed
// frame; the webhook (or poll) sends the result.
import { loadConfig } from '../adapters/config';
import { startClip } from '../workflow/start-prediction';
import { count } from '../adapters/observability';
import { lambdaHandler } from './lambda-handler';
import { clipEvent } from './events';

export const handler = lambdaHandler(
  { name: 'clip', schema: clipEvent, keys: ({ scene }) => ({ runId: scene.runId, step: scene.step }) },
  async (event) => startClip(loadConfig(), event.scene, event.taskToken, event.attempt ?? 1),
  // An attempt is a prediction created (each costs money); regenerations and retries count again.
  { metrics: ({ error }) => (error === undefined ? [count('SceneAttempts')] : []) },
);
