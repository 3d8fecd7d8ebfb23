// Tests Stryker runs against mutants of functions/domain: the unit tests only (the domain is pure
// and must be pinned down by them; handler and end-to-end tests are too slow to run per mutant).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/unit/**/*.test.ts'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    setupFiles: ['stryker/vitest-4.1-coverage-shim.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
