// Tests Stryker runs against mutants of functions/workflow: unit tests plus the handler tests, which
// drive the use cases against the in-process local stack (seconds, not the minutes of test/e2e).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/unit/**/*.test.ts', 'test/handlers/**/*.test.ts'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    setupFiles: ['stryker/vitest-4.1-coverage-shim.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
