import { createRequire } from 'node:module';
import type pg from 'pg';
import { redactUrlPasswords } from '../../config/redact.js';
import { StoreError } from '../store-error.js';

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;

/**
 * The client library, loaded on first use: the engine and the CLI import this module on every
 * start, but only a `store.backend: postgres` install should pay for loading `pg`.
 */
let client: typeof pg | null = null;
export function pgModule(): typeof pg {
  client ??= createRequire(import.meta.url)('pg') as typeof pg;
  return client;
}

/**
 * BIGINT columns (millisecond times, counts) come back as numbers, as they do from SQLite: every
 * value we store is far below 2^53. Set per pool, not on the pg module's global parsers.
 */
function numericTypes(): pg.CustomTypesConfig {
  const pg = pgModule();
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));
  types.setTypeParser(pg.types.builtins.NUMERIC, (v: string) => Number(v));
  return types;
}

/** The URL as it may be printed: the password masked. */
export function shownUrl(url: string): string {
  return redactUrlPasswords(url);
}

/** A PostgreSQL error as a StoreError that names the server by its masked URL and never the password. */
export function describePgError(url: string, error: unknown, doing = 'cannot reach PostgreSQL'): StoreError {
  const e = error as { code?: string; message?: string };
  const reason = redactUrlPasswords(e?.message ?? String(error));
  const kind = e?.code === '28P01' || e?.code === '28000' ? 'unwritable' : 'open-failed';
  return new StoreError(`${doing} at ${shownUrl(url)}: ${reason}${e?.code ? ` (${e.code})` : ''}`, kind, { cause: error });
}

export interface PoolOptions {
  size?: number;
  /** Shown in pg_stat_activity, so an operator can tell our connections apart. */
  applicationName?: string;
}

/**
 * A connection pool. Idle connections are closed after 30 s so an idle engine holds few; a
 * connection attempt gives up after 10 s with an error that names the server (masked).
 */
export function openPgPool(url: string, options: PoolOptions = {}): PgPool {
  const pool = new (pgModule().Pool)({
    connectionString: url,
    max: options.size ?? 5,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    application_name: options.applicationName ?? 'cfa-console',
    types: numericTypes(),
  });
  // An idle client that loses its server emits 'error' on the pool; without a listener that kills
  // the process. The next query reports the problem to whoever asked.
  pool.on('error', () => {});
  return pool;
}

/** Runs `fn` in one transaction on one connection; rolls back when it throws. */
export async function inTransaction<T>(pool: PgPool, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
