import fs from 'node:fs';
import path from 'node:path';
import type { ActionPlan } from '../common/plan.js';
import { ConfigError } from '../config/config-error.js';
import { MARKET_DB_FILE } from '../store/market-db.js';
import { beginSnapshot, CopyCancelled, copyTables, countRows, presentTables, verifyCopy, type CopyCheck, type TableCount } from '../store/postgres/copy-market.js';
import { migratePg } from '../store/postgres/migrate.js';
import { describePgError, openPgPool, shownUrl, type PgPool } from '../store/postgres/pool.js';
import { MARKET_PG_MIGRATIONS, MARKET_SCHEMA_VERSION } from '../store/schema/market.js';
import { openSqlite, type Db } from '../store/sqlite.js';
import { StoreError } from '../store/store-error.js';
import type { RunContext } from './context.js';

export interface StoreMigrateOptions {
  /** The backend to move to: only `postgres`. */
  to: string;
  /** The PostgreSQL URL; default the config's store.url (or CFA_STORE_URL). */
  url?: string;
}

export interface StoreMigrateSummary {
  status: 'verified' | 'mismatch';
  source: string;
  /** The target URL with its password masked. */
  target: string;
  tables: TableCount[];
  series: number;
  /** Every comparison that failed (empty when verified). */
  mismatches: CopyCheck[];
  durationMs: number;
}

/** The target URL, or a usage error naming what was given (its password masked) and what is right. */
export function migrationTarget(options: StoreMigrateOptions, configUrl: string | undefined): string {
  if (options.to !== 'postgres') {
    throw new ConfigError(`--to ${JSON.stringify(options.to)} is not a backend to migrate to: the only one is postgres (SQLite is where the data comes from)`);
  }
  const url = options.url ?? configUrl;
  if (!url) throw new ConfigError('store migrate needs the PostgreSQL URL: --url postgresql://USER:PASSWORD@HOST:5432/DB, or store.url / CFA_STORE_URL');
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new ConfigError(`--url ${JSON.stringify(shownUrl(url))} is not a PostgreSQL URL: expected postgresql://USER:PASSWORD@HOST:5432/DB`);
  }
  return url;
}

function migratePlan(source: string, target: string, counts: readonly TableCount[]): ActionPlan {
  const total = counts.reduce((n, c) => n + c.rows, 0);
  return {
    action: 'store-migrate',
    title: `Copy ${total} rows of ${source} into PostgreSQL at ${target}?`,
    risk: 'mutate',
    facts: [
      { label: 'from', value: `${source} (only read)` },
      { label: 'to', value: target },
      ...counts.map((c) => ({ label: c.table, value: `${c.rows} rows` })),
    ],
    effects: [
      'create the market schema in PostgreSQL where missing',
      'upsert every row by its key (a row already there with the same key is overwritten)',
      'verify row counts and SHA-256 per series and table against the SQLite file',
    ],
    data: { source, target, tables: counts },
  };
}

/**
 * `store migrate --to postgres`: copies the data dir's market.db into PostgreSQL and verifies it,
 * series by series. The SQLite file is opened read-only and read in one snapshot; nothing in the
 * data dir changes. A re-run upserts the same rows and verifies again.
 * Events: `plan`, `progress` (per page), `copied` (per table), `verifying`, `check` (per failed comparison).
 */
export async function storeMigrate(options: StoreMigrateOptions, ctx: RunContext): Promise<StoreMigrateSummary> {
  const started = Date.now();
  const url = migrationTarget(options, ctx.loaded.config.store.url);
  const target = shownUrl(url);
  const file = path.join(ctx.dataDir, MARKET_DB_FILE);
  if (!fs.existsSync(file)) throw new ConfigError(`no ${file}: nothing to migrate (is --data-dir the data dir that was synced?)`);

  let source: Db | null = null;
  let pool: PgPool | null = null;
  try {
    source = openSqlite(file, { readonly: true });
    const version = source.pragma('user_version', { simple: true }) as number;
    if (version > MARKET_SCHEMA_VERSION) {
      throw new StoreError(`${file} has schema version ${version}, newer than this cfa-console knows (${MARKET_SCHEMA_VERSION}); upgrade cfa-console.`, 'open-failed');
    }
    beginSnapshot(source);
    const tables = presentTables(source);
    const counts = countRows(source, tables);
    ctx.emit({ event: 'plan', source: file, target, tables: counts });

    pool = openPgPool(url, { size: 2, applicationName: 'cfa-console store migrate' });
    await pool.query('SELECT 1').catch((error: unknown) => { throw describePgError(url, error); });
    await ctx.confirm(migratePlan(file, target, counts));
    await migratePg(pool, 'market', MARKET_PG_MIGRATIONS).catch((error: unknown) => {
      throw error instanceof StoreError ? error : describePgError(url, error, 'cannot create the market schema in PostgreSQL');
    });

    const db = source;
    const livePool = pool;
    const copied = await copyTables(db, livePool, counts, {
      cancelled: () => ctx.signal?.aborted ?? false,
      onProgress: (p) => ctx.emit({ event: 'progress', ...p }),
      onTable: (t) => ctx.emit({ event: 'copied', ...t }),
    }).catch((error: unknown) => { throw error instanceof CopyCancelled ? error : describePgError(url, error, 'cannot copy into PostgreSQL'); });
    ctx.emit({ event: 'verifying', tables: tables.length });

    const checks = await verifyCopy(db, livePool, tables, { onCheck: (c) => { if (!c.ok) ctx.emit({ event: 'check', ...c }); } })
      .catch((error: unknown) => { throw describePgError(url, error, 'cannot verify the copy in PostgreSQL'); });
    const mismatches = checks.filter((c) => !c.ok);
    return {
      status: mismatches.length === 0 ? 'verified' : 'mismatch',
      source: file,
      target,
      tables: copied,
      series: checks.filter((c) => c.what.startsWith('candles ')).length,
      mismatches,
      durationMs: Date.now() - started,
    };
  } finally {
    if (source?.inTransaction) source.exec('COMMIT');
    source?.close();
    await pool?.end();
  }
}
