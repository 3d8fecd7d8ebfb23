// Put the variants' films side by side and write the comparison (last state of the compare machine).
import { loadConfig } from '../adapters/config';
import { joinComparison } from '../workflow/join-comparison';
import { lambdaHandler } from './lambda-handler';
import { joinComparisonEvent } from './compare-events';

export const handler = lambdaHandler(
  { name: 'join-comparison', schema: joinComparisonEvent, keys: ({ compareId }) => ({ runId: compareId, step: 'join-comparison' }) },
  async (event) => joinComparison(loadConfig(), event),
);
