import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Component tests sit beside their components; every other test mirrors src/ under test/.
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx', 'components/**/*.test.tsx'],
    // End-to-end tests run the real binary against the simulator; none asserts on time.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
