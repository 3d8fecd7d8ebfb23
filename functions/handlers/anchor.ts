// Start (or, when the same attempt is retried, reuse) the SDXL anchor prediction; the webhook (or poll)
// later sends the task result.
import { loadConfig } from '../adapters/config';
import { startAnchor } from '../workflow/start-prediction';
import { lambdaHandler } from './lambda-handler';
import { anchorEvent } from './events';

export const handler = lambdaHandler(
  { name: 'anchor', schema: anchorEvent, keys: ({ anchor }) => ({ runId: anchor.runId, step: 'anchor' }) },
  async (event) => startAnchor(loadConfig(), event.anchor, event.taskToken, event.attempt ?? 1),
);
