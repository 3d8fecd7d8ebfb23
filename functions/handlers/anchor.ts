// Start the SDXL anchor prediction; the webhook (or poll) later sends the task result.
import { loadConfig } from '../adapters/config';
import { startAnchor } from '../workflow/start-prediction';
import type { AnchorPlan } from '../domain/plan';

export const handler = async (event: { anchor: AnchorPlan; taskToken: string }) =>
  startAnchor(loadConfig(), event.anchor, event.taskToken);
