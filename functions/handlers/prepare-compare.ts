// Validate a compare's storyboard for every variant and give each variant its run (first state of the compare machine).
import { loadConfig } from '../adapters/config';
import { prepareCompare } from '../workflow/compares';
import { runIdForExecution } from '../domain/execution';
import { count } from '../adapters/observability';
import { lambdaHandler } from './lambda-handler';
import { prepareCompareEvent } from './compare-events';

export const handler = lambdaHandler(
  { name: 'prepare-compare', schema: prepareCompareEvent, keys: ({ compareId, startedAt }) => ({ runId: runIdForExecution(compareId, startedAt) }) },
  async (event) => prepareCompare(loadConfig(), event),
  // A compare's variants are runs too: started when the compare gives them their run ids (the Map starts them next).
  { metrics: ({ result }) => (result?.created ? [count('RunsStarted', result.runs.length)] : []) },
);
