import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { withDatabase } from './private-postgres.js';

/** The test server's admin URL (`test/helpers/postgres-server.ts`), or '' when there is none. */
export const pgServerUrl: string = inject('pgUrl');
/** Why there is no server, for `describe.skipIf(...)` messages; '' when there is one. */
export const pgMissing: string = inject('pgMissing');
/** The server's binaries (pg_dump, pg_restore, psql) of the same major. */
export const pgBin: string = inject('pgBin');

export { withDatabase };

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A new empty database on the test server, for one test or file; `drop()` removes it. */
export async function freshPgDatabase(prefix = 'cfa_t'): Promise<TestDatabase> {
  if (!pgServerUrl) throw new Error(`no PostgreSQL test server: ${pgMissing}`);
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgServerUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(pgServerUrl, name),
    async drop() {
      const c = new pg.Client({ connectionString: pgServerUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
