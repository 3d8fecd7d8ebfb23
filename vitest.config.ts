import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['local/polyfills.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // ffmpeg-heavy end-to-end files must not fight for the two cores.
    fileParallelism: false,
  },
});
