// Persist a prediction's output into the run: the anchor image, a keyframe, or a clip and its true last frame.
import { loadConfig } from '../adapters/config';
import { storeClip, storeImage, storeKeyframe } from '../workflow/store-output';
import { lambdaHandler } from './lambda-handler';
import { storeOutputEvent } from './events';

export const handler = lambdaHandler(
  { name: 'store-output', schema: storeOutputEvent, keys: ({ runId, step }) => ({ runId, step }) },
  async (event) => {
    const config = loadConfig();
    if (event.kind === 'image') return storeImage(config, event.runId, event);
    if (event.kind === 'keyframe') return storeKeyframe(config, event.keyframe, event.prediction);
    return storeClip(config, event.scene, event.prediction);
  },
);
