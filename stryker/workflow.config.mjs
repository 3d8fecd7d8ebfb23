// `npm run mutate:workflow`: StrykerJS over functions/workflow with the unit and handler tests.
import domain from './domain.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...domain,
  vitest: { configFile: 'stryker/vitest.workflow.config.ts' },
  mutate: ['functions/workflow/**/*.ts'],
  incrementalFile: 'reports/stryker-incremental-workflow.json',
  jsonReporter: { fileName: 'reports/mutation/workflow.json' },
  htmlReporter: { fileName: 'reports/mutation/workflow.html' },
  // Reported, not enforced: the workflow is mostly I/O covered by slower tests (see docs/mutation.md).
  thresholds: { high: 80, low: 60, break: null },
};
