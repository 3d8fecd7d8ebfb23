// Start (or, when the same attempt is retried, reuse) the SDXL anchor prediction, or for strategy
// keyframes a keyframe made from the anchor image; the webhook (or poll) later sends the task result.
import { loadConfig } from '../adapters/config';
import { startAnchor, startKeyframe } from '../workflow/start-prediction';
import { lambdaHandler } from './lambda-handler';
import { anchorOrKeyframeEvent } from './events';

export const handler = lambdaHandler(
  {
    name: 'anchor',
    schema: anchorOrKeyframeEvent,
    keys: ({ anchor, keyframe }) => (keyframe ? { runId: keyframe.runId, step: keyframe.step } : { runId: anchor!.runId, step: 'anchor' }),
  },
  async ({ anchor, keyframe, taskToken, attempt }) =>
    keyframe
      ? startKeyframe(loadConfig(), keyframe, taskToken, attempt ?? 1)
      : startAnchor(loadConfig(), anchor!, taskToken, attempt ?? 1),
);
