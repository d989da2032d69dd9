import type pg from 'pg';
import Database from '../../store/sqlite-driver.js';
import { OPS_MIGRATIONS } from '../../store/ops-db.js';
import { migrate } from '../../store/sqlite.js';
import type { DbFacts } from '../verify.js';
import type { PgFacts } from './types.js';

export type { PgFacts };

/** The versions table holds the ops schema's row too; the dump leaves it out (see dumpScopeExclusions). */
export const VERSIONS_TABLE = 'cfa_schema_versions';

import { ALERT_HANDOVER_MIGRATIONS } from '../../store/postgres/alert-handover.js';
import { JOB_LOCK_MIGRATIONS } from '../../store/postgres/job-locks.js';
import { LEADER_REQUESTS_MIGRATIONS } from '../../store/postgres/leader-requests.js';
import { LEASE_MIGRATIONS } from '../../store/postgres/lease.js';

let opsTables: string[] | null = null;

/**
 * The ops tables (runs, locks, the lease, alerts, incidents, the backup catalog...), which a
 * backup of the market data leaves out wherever they live: restoring them would roll the lease's
 * epoch and the engine's history back, as restoring market.db never touches ops.db. Read from the
 * one description of the ops schema (ops-db's migrations, applied to an in-memory database), so a
 * new ops table is left out without anyone remembering to list it here.
 */
export function opsTableNames(): string[] {
  if (!opsTables) {
    const db = new Database(':memory:');
    try {
      migrate(db, OPS_MIGRATIONS);
      opsTables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]);
    } finally {
      db.close();
    }
  }
  return opsTables;
}

/** The tables the ops migrations in PostgreSQL create (the lease, the slot claims, the leader's steps, the alert handover and commands, the requests to the leader, the job locks). */
export function pgOpsTableNames(): string[] {
  return [...new Set([...LEASE_MIGRATIONS, ...ALERT_HANDOVER_MIGRATIONS, ...LEADER_REQUESTS_MIGRATIONS, ...JOB_LOCK_MIGRATIONS].flatMap((m) => [...m.up.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?(\w+)/gi)].map((x) => x[1]!)))];
}

/**
 * Tables a dump of the store leaves out (pg_dump --exclude-table takes each; unquoted names match
 * in any schema): restoring candles must never roll the lease's epoch back, or a stale leader's
 * token would be accepted again.
 */
export function dumpScopeExclusions(): string[] {
  return [...opsTableNames(), ...pgOpsTableNames(), VERSIONS_TABLE];
}

const SYSTEM_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";

/**
 * The facts, read on `client` (in the caller's transaction: REPEATABLE READ, so every count
 * below sees the same snapshot). The checksum of a series is the sum of the first 60 bits of the
 * MD5 of each row's text: independent of order and of physical layout, changed by any value of
 * any column. Float columns print in their shortest exact form (PostgreSQL 12+), so equal values
 * give equal text.
 */
export async function readPgFacts(client: pg.Client | pg.PoolClient): Promise<PgFacts> {
  const excluded = dumpScopeExclusions();
  const tableRows = (await client.query<{ schema: string; name: string }>(`
    SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND ${SYSTEM_SCHEMAS} AND NOT c.relispartition AND NOT (c.relname = ANY($1))
    ORDER BY 1, 2`, [excluded])).rows;
  const tables: Record<string, number> = {};
  for (const t of tableRows) {
    const r = await client.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${ident(t.schema)}.${ident(t.name)}`);
    tables[`${t.schema}.${t.name}`] = Number(r.rows[0]!.n);
  }
  const series: PgFacts['series'] = {};
  const hasCandles = (await client.query<{ c: string | null }>("SELECT to_regclass('candles')::text AS c")).rows[0]!.c !== null;
  if (hasCandles) {
    const rows = (await client.query<{ symbol: string; interval: string; n: string | number; newest: string | number; checksum: string }>(`
      SELECT symbol, interval, count(*) AS n, max(open_time) AS newest,
             coalesce(sum(('x' || substr(md5(c::text), 1, 15))::bit(60)::bigint), 0)::text AS checksum
      FROM candles c GROUP BY symbol, interval ORDER BY symbol, interval`)).rows;
    for (const r of rows) series[`${r.symbol} ${r.interval}`] = { count: Number(r.n), newest: Number(r.newest), checksum: r.checksum };
  }
  const hasVersions = (await client.query<{ c: string | null }>(`SELECT to_regclass('${VERSIONS_TABLE}')::text AS c`)).rows[0]!.c !== null;
  const schemaVersion = hasVersions
    ? Number((await client.query<{ version: number }>(`SELECT version FROM ${VERSIONS_TABLE} WHERE schema = 'market'`)).rows[0]?.version ?? 0)
    : 0;
  return { series, tables, schemaVersion };
}

/** Whether the store has a candles table at all (a new database before its first sync has none). */
export async function hasCandlesTable(client: pg.Client | pg.PoolClient): Promise<boolean> {
  return (await client.query<{ c: string | null }>("SELECT to_regclass('candles')::text AS c")).rows[0]!.c !== null;
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The catalog's summary of them: candles per interval and the newest candle, as for a SQLite copy. */
export function summarize(facts: PgFacts): DbFacts {
  const rowCounts: Record<string, number> = {};
  let newestCandle: number | null = null;
  for (const [key, s] of Object.entries(facts.series)) {
    const interval = key.slice(key.lastIndexOf(' ') + 1);
    rowCounts[interval] = (rowCounts[interval] ?? 0) + s.count;
    newestCandle = Math.max(newestCandle ?? s.newest, s.newest);
  }
  return {
    schemaVersion: facts.schemaVersion,
    rowCounts: Object.fromEntries(Object.entries(rowCounts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    newestCandle,
  };
}

/**
 * What differs between a restored copy and what the dump was taken from: series (count, newest
 * candle, checksum) and the rows of every table. The schema version is not compared: it is kept
 * in the catalog, not in the dump.
 */
export function comparePgFacts(actual: Omit<PgFacts, 'schemaVersion'>, expected: Omit<PgFacts, 'schemaVersion'>): string[] {
  const problems: string[] = [];
  for (const key of [...new Set([...Object.keys(expected.series), ...Object.keys(actual.series)])].sort()) {
    const a = actual.series[key];
    const e = expected.series[key];
    if (!a) problems.push(`${key}: missing (expected ${e!.count} candles)`);
    else if (!e) problems.push(`${key}: ${a.count} candles, expected none`);
    else if (a.count !== e.count) problems.push(`${key}: ${a.count} candles, expected ${e.count}`);
    else if (a.newest !== e.newest) problems.push(`${key}: newest candle ${new Date(a.newest).toISOString()}, expected ${new Date(e.newest).toISOString()}`);
    else if (a.checksum !== e.checksum) problems.push(`${key}: checksum ${a.checksum}, expected ${e.checksum} (same count, different values)`);
  }
  for (const table of [...new Set([...Object.keys(expected.tables), ...Object.keys(actual.tables)])].sort()) {
    const a = actual.tables[table];
    const e = expected.tables[table];
    if (a === undefined) problems.push(`table ${table}: missing (expected ${e} rows)`);
    else if (e === undefined) problems.push(`table ${table}: ${a} rows, not in the backup`);
    else if (a !== e) problems.push(`table ${table}: ${a} rows, expected ${e}`);
  }
  return problems;
}
