/**
 * Vitest global setup: a private PostgreSQL server for the tests of the postgres backend, started
 * from Debian's `postgresql` binaries in a temporary directory, as the `postgres` user when the
 * tests run as root (CI), listening only on a Unix socket in that directory. Stopped and removed
 * after the run. `CFA_TEST_PG_URL` names an existing server instead.
 *
 * Without the binaries the postgres tests are skipped and say so, unless `CFA_TEST_PG_REQUIRED=1`
 * (set by .ci/run), which makes a missing server an error rather than a quiet skip.
 */
import { postgresBinDir, startPrivatePostgres } from './private-postgres.js';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    pgBin: string;
    pgMissing: string;
  }
}

export default function setup(project: TestProject): (() => void) | undefined {
  const bin = postgresBinDir() ?? '';
  project.provide('pgBin', bin);
  if (process.env.CFA_TEST_PG_URL) {
    project.provide('pgUrl', process.env.CFA_TEST_PG_URL);
    project.provide('pgMissing', '');
    return undefined;
  }
  if (!bin) {
    const why = 'no PostgreSQL server binaries (/usr/lib/postgresql/*/bin): apt-get install postgresql, or set CFA_TEST_PG_URL';
    if (process.env.CFA_TEST_PG_REQUIRED === '1') throw new Error(`CFA_TEST_PG_REQUIRED=1 but ${why}`);
    project.provide('pgUrl', '');
    project.provide('pgMissing', why);
    return undefined;
  }
  const server = startPrivatePostgres(bin);
  project.provide('pgUrl', server.url);
  project.provide('pgMissing', '');
  return server.stop;
}
