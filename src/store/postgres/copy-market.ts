import { createHash, type Hash } from 'node:crypto';
import { MARKET_TABLES } from '../schema/market.js';
import type { Table } from '../schema/describe.js';
import type { Db } from '../sqlite.js';
import { seriesExtentsOf } from '../market-db.js';
import { multiRowUpsert } from './market-store.js';
import type { PgClient, PgPool } from './pool.js';

/**
 * Copies market.db (a read snapshot of it) into PostgreSQL and proves the copy: `store migrate`'s
 * store half (the command and its plan are src/ops/store-migrate.ts). The SQLite file is only
 * read. Every table is upserted by its key, so a re-run converges on the same rows.
 */

/** Rows read from SQLite per page: one progress step. */
export const COPY_PAGE_ROWS = 5000;
/** At most this many bind parameters per INSERT (PostgreSQL allows 65535). */
const MAX_PARAMS = 30_000;

export type Row = unknown[];

export interface TableCount {
  table: string;
  rows: number;
}

/** The copy stopped between pages when asked to; what it copied stays (a re-run completes it). */
export class CopyCancelled extends Error {}

export interface CopyProgress {
  table: string;
  copied: number;
  total: number;
}

/** The market tables the SQLite file has (an older file may lack the newest ones). */
export function presentTables(source: Db): Table[] {
  const names = new Set(source.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
  return MARKET_TABLES.filter((t) => names.has(t.name));
}

export function countRows(source: Db, tables: readonly Table[]): TableCount[] {
  return tables.map((t) => ({ table: t.name, rows: source.prepare(`SELECT count(*) FROM ${t.name}`).pluck().get() as number }));
}

/**
 * Starts a read transaction: every later read sees the file as it was now, even while a sync
 * commits to it, so the copy and its verification read the same rows.
 */
export function beginSnapshot(source: Db): void {
  source.exec('BEGIN');
  source.prepare('SELECT count(*) FROM sqlite_master').get();
}

function textColumns(t: Table): Set<string> {
  return new Set(t.columns.filter((c) => c.type === 'text').map((c) => c.name));
}

/**
 * The rows of a table in key order, page by page (keyset: each page starts after the last key of
 * the one before), optionally of one series (`fixed`: equality on leading key columns). The order
 * is SQLite's (bytewise text) on both sides: PostgreSQL compares and sorts text COLLATE "C".
 */
interface KeysetQuery {
  table: Table;
  fixed: Record<string, unknown>;
}

function keysetParts(q: KeysetQuery, backend: 'sqlite' | 'postgres') {
  const fixedCols = Object.keys(q.fixed);
  const keyCols = q.table.primaryKey.filter((c) => !fixedCols.includes(c));
  const text = textColumns(q.table);
  const collate = (c: string) => (backend === 'postgres' && text.has(c) ? `${c} COLLATE "C"` : c);
  const columns = q.table.columns.map((c) => c.name).join(', ');
  const keyIndexes = keyCols.map((c) => q.table.columns.findIndex((col) => col.name === c));
  return { fixedCols, keyCols, collate, columns, keyIndexes };
}

function sqlitePages(source: Db, q: KeysetQuery, pageRows: number): () => Row[] {
  const { fixedCols, keyCols, columns, keyIndexes } = keysetParts(q, 'sqlite');
  const where = fixedCols.map((c) => `${c} = ?`);
  const order = `ORDER BY ${keyCols.join(', ')} LIMIT ${pageRows}`;
  const first = source.prepare(`SELECT ${columns} FROM ${q.table.name}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ${order}`).raw();
  const next = source.prepare(`SELECT ${columns} FROM ${q.table.name} WHERE ${[...where, `(${keyCols.join(', ')}) > (${keyCols.map(() => '?').join(', ')})`].join(' AND ')} ${order}`).raw();
  const fixedValues = fixedCols.map((c) => q.fixed[c]);
  let after: unknown[] | null = null;
  return () => {
    const rows = (after ? next.all(...fixedValues, ...after) : first.all(...fixedValues)) as Row[];
    const last = rows.at(-1);
    if (last) after = keyIndexes.map((i) => last[i]);
    return rows;
  };
}

function pgPages(pool: PgPool, q: KeysetQuery, pageRows: number): () => Promise<Row[]> {
  const { fixedCols, keyCols, collate, columns, keyIndexes } = keysetParts(q, 'postgres');
  const fixedValues = fixedCols.map((c) => q.fixed[c]);
  const where = fixedCols.map((c, i) => `${c} = $${i + 1}`);
  const order = `ORDER BY ${keyCols.map(collate).join(', ')} LIMIT ${pageRows}`;
  const keyset = `(${keyCols.map(collate).join(', ')}) > (${keyCols.map((_, i) => `$${fixedCols.length + i + 1}`).join(', ')})`;
  let after: unknown[] | null = null;
  return async () => {
    const conditions = after ? [...where, keyset] : where;
    const text = `SELECT ${columns} FROM ${q.table.name}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''} ${order}`;
    const { rows } = await pool.query<Row>({ text, values: [...fixedValues, ...(after ?? [])], rowMode: 'array' });
    const last = rows.at(-1);
    if (last) after = keyIndexes.map((i) => last[i]);
    return rows;
  };
}

/**
 * Upserts rows (in table column order) into PostgreSQL, in as few statements as the parameter
 * limit allows; on the pool, or on one client inside a transaction. A key given twice keeps its
 * last row (one statement may not update a row twice). `set` as multiRowUpsert takes it.
 */
export async function upsertRows(db: PgPool | PgClient, table: Table, rows: readonly Row[], set?: string): Promise<void> {
  const columns = table.columns.map((c) => c.name);
  const keyIndexes = table.primaryKey.map((k) => columns.indexOf(k));
  const byKey = new Map<string, Row>();
  for (const r of rows) byKey.set(keyIndexes.map((i) => String(r[i])).join('\u0000'), r);
  const unique = byKey.size === rows.length ? rows : [...byKey.values()];
  const perStatement = Math.floor(MAX_PARAMS / columns.length);
  for (let i = 0; i < unique.length; i += perStatement) {
    const part = unique.slice(i, i + perStatement);
    await (db as PgPool).query(multiRowUpsert(table.name, columns, table.primaryKey, part.length, set), part.flat());
  }
}

/**
 * Copies every row of `tables` from the SQLite snapshot into PostgreSQL (whose schema is already
 * migrated), a page at a time, reporting each page and each table. Stops between pages when `cancelled()`.
 */
export async function copyTables(
  source: Db, pool: PgPool, counts: readonly TableCount[],
  options: { onProgress?: (p: CopyProgress) => void; onTable?: (t: TableCount) => void; cancelled?: () => boolean; pageRows?: number } = {},
): Promise<TableCount[]> {
  const copied: TableCount[] = [];
  for (const { table: name, rows: total } of counts) {
    const table = MARKET_TABLES.find((t) => t.name === name)!;
    const next = sqlitePages(source, { table, fixed: {} }, options.pageRows ?? COPY_PAGE_ROWS);
    let done = 0;
    for (let page = next(); page.length > 0; page = next()) {
      if (options.cancelled?.()) throw new CopyCancelled(`cancelled while copying ${name} (${done} of ${total} rows copied; a re-run completes it)`);
      await upsertRows(pool, table, page);
      done += page.length;
      options.onProgress?.({ table: name, copied: done, total });
    }
    copied.push({ table: name, rows: done });
    options.onTable?.({ table: name, rows: done });
  }
  return copied;
}

/** A row as the digest reads it: the same text whichever database returned it. */
function digestRow(hash: Hash, row: Row): void {
  hash.update(`${row.map((v) => (v === null ? '\\N' : String(v))).join('\t')}\n`);
}

export interface Digest {
  rows: number;
  sha256: string;
}

function sqliteDigest(source: Db, q: KeysetQuery, pageRows: number): Digest {
  const hash = createHash('sha256');
  let rows = 0;
  const next = sqlitePages(source, q, pageRows);
  for (let page = next(); page.length > 0; page = next()) {
    for (const row of page) digestRow(hash, row);
    rows += page.length;
  }
  return { rows, sha256: hash.digest('hex') };
}

async function pgDigest(pool: PgPool, q: KeysetQuery, pageRows: number): Promise<Digest> {
  const hash = createHash('sha256');
  let rows = 0;
  const next = pgPages(pool, q, pageRows);
  for (let page = await next(); page.length > 0; page = await next()) {
    for (const row of page) digestRow(hash, row);
    rows += page.length;
  }
  return { rows, sha256: hash.digest('hex') };
}

/** In the order SQLite sorts these (ASCII) names. */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface CopyCheck {
  /** `candles BTCUSDT 1h`, or a table name. */
  what: string;
  sqlite: Digest;
  postgres: Digest;
  ok: boolean;
}

/**
 * Compares both databases: the candles series by series (every series of either side), every
 * other table whole; each by its row count and a SHA-256 over its rows in key order, computed
 * the same way from either side. `onCheck` sees each comparison as it ends.
 */
export async function verifyCopy(
  source: Db, pool: PgPool, tables: readonly Table[], options: { onCheck?: (c: CopyCheck) => void; pageRows?: number } = {},
): Promise<CopyCheck[]> {
  const pageRows = options.pageRows ?? 20_000;
  const checks: CopyCheck[] = [];
  const record = (what: string, sqlite: Digest, postgres: Digest) => {
    const check = { what, sqlite, postgres, ok: sqlite.rows === postgres.rows && sqlite.sha256 === postgres.sha256 };
    checks.push(check);
    options.onCheck?.(check);
  };
  for (const table of tables) {
    if (table.name !== 'candles') {
      record(table.name, sqliteDigest(source, { table, fixed: {} }, pageRows), await pgDigest(pool, { table, fixed: {} }, pageRows));
      continue;
    }
    const { rows: pgSeries } = await pool.query<{ symbol: string; interval: string }>('SELECT DISTINCT symbol, interval FROM candles');
    const keys = new Map<string, { symbol: string; interval: string }>();
    for (const s of [...seriesExtentsOf(source), ...pgSeries]) keys.set(`${s.symbol}\u0000${s.interval}`, { symbol: s.symbol, interval: s.interval });
    for (const { symbol, interval } of [...keys.values()].sort((a, b) => byText(a.symbol, b.symbol) || byText(a.interval, b.interval))) {
      const q = { table, fixed: { symbol, interval } };
      record(`candles ${symbol} ${interval}`, sqliteDigest(source, q, pageRows), await pgDigest(pool, q, pageRows));
    }
  }
  return checks;
}
