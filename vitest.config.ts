import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Component tests sit beside their components; every other test mirrors src/ under test/.
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx', 'components/**/*.test.tsx'],
    // End-to-end tests run the real binary against the simulator; none asserts on time.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // A private PostgreSQL server for the postgres backend's tests (skipped, and said so, without one).
    globalSetup: ['test/helpers/postgres-server.ts'],
    // Most of a test's time is spent waiting on the processes it runs (the binary, the simulator,
    // tmux, a drill's sandbox), so more files than cores run at once: on 2 cores vitest's default
    // (cores - 1 = 1 file at a time) took 914 s for the suite, 3 at once 364 s, all green.
    maxWorkers: Math.max(3, os.availableParallelism() - 1),
  },
});
