// `npm run mutate:domain`: StrykerJS over functions/domain with the unit tests. Incremental: only
// mutants in changed code (or covered by changed tests) run again; delete reports/ to start over.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'stryker/vitest.domain.config.ts' },
  mutate: ['functions/domain/**/*.ts'],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/stryker-incremental-domain.json',
  concurrency: 2,
  timeoutMS: 10_000,
  ignorePatterns: ['cdk.out', 'out', '.longshot', 'reports', 'coverage', '.stryker-tmp'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/domain.json' },
  htmlReporter: { fileName: 'reports/mutation/domain.html' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 90, low: 80, break: 80 },
};
