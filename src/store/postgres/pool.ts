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

/**
 * What a failed call to PostgreSQL says about the store. `unreachable`: the server could not be
 * reached or would not let us in (refused, timed out, no such host or socket, authentication, no
 * such database, the server shutting down, the connection lost): nothing is known about the data.
 * `damaged`: the server read the data and found it broken (SQLSTATE classes XX and 58). `other`:
 * anything else (a permission, a query). Pure: looks at the error and the errors it wraps (`cause`).
 */
export type PgFailureKind = 'unreachable' | 'damaged' | 'other';

/** Node's network errors of a connection attempt (a Unix socket that is not there is ENOENT). */
const UNREACHABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'ENOENT', 'EPIPE']);
/** The client's own words for a connection it gave up or lost (these carry no code). */
const UNREACHABLE_MESSAGE = /connection terminated|timeout expired|connection timeout|server closed the connection|Connection ended unexpectedly/i;

export function pgFailureKind(error: unknown): PgFailureKind {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (UNREACHABLE_ERRNO.has(code)) return 'unreachable';
      // 08: connection exception; 28: authorization; 3D000: no such database; 57P01-03: shutting down, cannot connect now.
      if (/^(08|28)/.test(code) || code === '3D000' || /^57P0[123]$/.test(code)) return 'unreachable';
      if (/^(XX|58)/.test(code)) return 'damaged';
    }
    if (typeof message === 'string' && UNREACHABLE_MESSAGE.test(message)) return 'unreachable';
  }
  return 'other';
}

/** The innermost error with a code (what the server or the network said), else `error` itself. */
export function pgRootError(error: unknown): unknown {
  let root = error;
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    if (typeof (e as { code?: unknown }).code === 'string') root = e;
  }
  return root;
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

/** How long closing a pool waits for its connections to end (a query the server never answers holds pool.end() forever). */
export const POOL_CLOSE_MS = 1_000;

/**
 * Ends `pool`, waiting at most `waitMs`: a server that stopped answering mid-query (SIGSTOPped, a
 * paused VM, a partition) leaves pool.end() waiting for that query; a short-lived process must
 * not wait with it. Its sockets are left to the process's exit. Never throws.
 */
export async function closePool(pool: PgPool, waitMs = POOL_CLOSE_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([pool.end().catch(() => {}), new Promise<void>((resolve) => { timer = setTimeout(resolve, waitMs); })]);
  } finally {
    clearTimeout(timer);
  }
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
