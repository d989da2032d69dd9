import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // End-to-end tests run the real binary against the simulator; none asserts on time.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
