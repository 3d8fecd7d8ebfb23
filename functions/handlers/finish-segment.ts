// Turn a stored clip into its finished segment (trimmed, graded, encoded, measured) while the next clip generates.
import { loadConfig } from '../adapters/config';
import { finishSegment } from '../workflow/finish-segment';
import { lambdaHandler } from './lambda-handler';
import { finishSegmentEvent } from './events';

export const handler = lambdaHandler(
  { name: 'finish-segment', schema: finishSegmentEvent, keys: ({ runId, step }) => ({ runId, step }) },
  async (event) => finishSegment(loadConfig(), event),
);
