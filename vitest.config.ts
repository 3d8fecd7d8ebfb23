import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // No setup files on purpose: the engine module must install its own Promise.withResolvers
    // polyfill (test/local/engine-node20.test.ts), so a global setup would hide its absence.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // ffmpeg-heavy end-to-end files must not fight for the two cores.
    fileParallelism: false,
    // `npm test` runs with coverage (about 5 % slower); `npx vitest run <file>` does not, so a single
    // file is not held to the whole suite's thresholds. They sit just under what the whole suite
    // reached (docs/mutation.md); the domain and the workflow are also held on their own.
    coverage: {
      provider: 'v8',
      include: ['functions/**/*.ts', 'local/**/*.ts', 'cdk/**/*.ts'],
      // local/bench.ts only orchestrates renders (no timed tests); its figures live in bench-report.ts.
      exclude: ['**/*.d.ts', 'local/bench.ts'],
      reporter: ['text-summary', 'json-summary', 'html'],
      reportsDirectory: 'coverage',
      thresholds: {
        statements: 84,
        branches: 75,
        functions: 89,
        lines: 86,
        'functions/domain/**': { statements: 98, branches: 97, functions: 98, lines: 98 },
        'functions/workflow/**': { statements: 90, branches: 77, functions: 94, lines: 92 },
      },
    },
  },
});
