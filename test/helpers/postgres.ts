import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { isAlive } from '../../src/engine/process-identity.js';
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

/**
 * Scratch databases (`cfa_scratch_<host>_<pid>_<start>_<hex>`) whose process has ended: what a
 * check left behind. Those of processes still running are not counted, so test files that check
 * backups on the same server at once do not see each other's work in progress.
 */
export async function leftoverScratchDatabases(): Promise<string[]> {
  return withClient(pgServerUrl, async (c) => {
    const names = (await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'cfa\\_scratch\\_%' ORDER BY 1")).rows.map((r) => r.datname);
    return names.filter((name) => {
      const m = /_(\d+)_(\d+)_[0-9a-f]+$/.exec(name);
      return !m || !isAlive({ pid: Number(m[1]), startTicks: m[2] === '0' ? null : Number(m[2]) });
    });
  });
}

/** One connection for `fn`, closed afterwards. */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
