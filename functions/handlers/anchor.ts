// Start (or, when the same attempt is retried, reuse) the SDXL anchor prediction; the webhook (or poll)
// later sends the task result.
import { loadConfig } from '../adapters/config';
import { startAnchor } from '../workflow/start-prediction';
import type { AnchorPlan } from '../domain/plan';

export const handler = async (event: { anchor: AnchorPlan; attempt?: number; taskToken: string }) =>
  startAnchor(loadConfig(), event.anchor, event.taskToken, event.attempt ?? 1);
