// Persist a prediction's output into the run: the anchor image, or a clip and its true last frame.
import { loadConfig } from '../adapters/config';
import { storeClip, storeImage } from '../workflow/store-output';
import type { ScenePlan } from '../domain/plan';
import type { PredictionResult } from '../domain/replicate-inputs';

type StoreOutputEvent =
  | { runId: string; step: 'anchor'; kind: 'image'; prediction?: PredictionResult; source?: string }
  | { runId: string; step: string; kind: 'video'; scene: ScenePlan; prediction: PredictionResult };

export const handler = async (event: StoreOutputEvent) => {
  const config = loadConfig();
  if (event.kind === 'image') return storeImage(config, event.runId, event);
  return storeClip(config, event.scene, event.prediction);
};
