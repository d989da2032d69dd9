import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Interval } from '../../../src/exchange/intervals.js';
import { MarketStore } from '../../../src/store/market-db.js';
import { PgMarketStore } from '../../../src/store/postgres/market-store.js';
import Database from '../../../src/store/sqlite-driver.js';
import { runCli, writeTestConfig } from '../../helpers/cli.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from '../../helpers/postgres.js';
import { simulator, storeDifferences } from '../../helpers/simulated-exchange.js';

const ALL: Interval[] = ['15m', '1h', '4h', '1d'];

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * market.db's bytes, and whether anything was written to its WAL. A read-only SQLite connection
 * to a WAL database creates an empty -wal and the -shm index beside it, as every reader does; the
 * next writer to close removes them. The database file itself must not change by a byte.
 */
function marketFiles(dataDir: string): { db: string; walBytes: number } {
  const wal = path.join(dataDir, 'market.db-wal');
  return { db: sha256(path.join(dataDir, 'market.db')), walBytes: fs.existsSync(wal) ? fs.statSync(wal).size : 0 };
}

function migrateArgs(dir: string, extra: string[]): string[] {
  return ['--data-dir', path.join(dir, 'data'), '--config', path.join(dir, 'config.json'), 'store', 'migrate', '--to', 'postgres', ...extra];
}

async function count(url: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query(sql)).rows[0].n);
  } finally {
    await client.end();
  }
}

describe.skipIf(pgMissing)(`cfa-console store migrate --to postgres${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase;
  let dir: string;
  let symbols: string[];
  beforeAll(async () => {
    db = await freshPgDatabase();
    // A synced data dir, with rows in the other market tables too.
    const sim = await simulator({ symbols: 5 });
    symbols = sim.symbols.slice(0, 5);
    // Not tempDir(): that one is removed after each test, and the tests share this data dir.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfa-test-migrate-'));
    writeTestConfig(dir, { sync: { backfillDays: 20 } });
    const sync = await runCli(['--data-dir', path.join(dir, 'data'), '--config', path.join(dir, 'config.json'), '--exchange-url', sim.url, 'sync', '--json', '--symbols', symbols.join(',')]);
    expect(sync.exitCode).toBe(0);
    expect(storeDifferences(path.join(dir, 'data'), sim, symbols, ALL, 20)).toEqual([]);
    const market = new Database(path.join(dir, 'data', 'market.db'));
    market.prepare("INSERT INTO funding_rates VALUES ('BTCUSDT', 1733011200000, 1733011200004, 0.0001, 97000.5, NULL), ('BTCUSDT', 1733040000000, 1733040000002, -0.00002, NULL, 28800000)").run();
    market.prepare("INSERT INTO fear_greed VALUES (1733011200000, 71, 'Greed')").run();
    market.prepare("INSERT INTO known_gaps VALUES ('ETHUSDT', '1h', 1733011200000, 1733014800000, 1733100000000)").run();
    market.prepare("INSERT INTO fred_series (series_id, title) VALUES ('DGS10', 'Market Yield on U.S. Treasury Securities at 10-Year')").run();
    market.close();
  });
  afterAll(async () => {
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('copies a synced data dir: identical candles and tables, verified per series, market.db untouched; a re-run changes nothing', async () => {
    const before = marketFiles(path.join(dir, 'data'));
    expect(before.walBytes).toBe(0);

    const run = await runCli(migrateArgs(dir, ['--url', db.url, '--yes', '--json']));
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const summary = run.events.find((e) => e.event === 'summary') as Record<string, any>;
    expect(summary).toMatchObject({ status: 'verified', series: 20, mismatches: [] });
    expect(summary.tables.find((t: any) => t.table === 'funding_rates').rows).toBe(2);
    expect(run.events.filter((e) => e.event === 'progress').length).toBeGreaterThan(1);
    expect(marketFiles(path.join(dir, 'data'))).toEqual(before);

    const lite = MarketStore.open(path.join(dir, 'data'));
    const pgStore = await PgMarketStore.open(db.url);
    try {
      expect(await pgStore.seriesExtents()).toEqual(lite.seriesExtents());
      for (const symbol of symbols) {
        for (const interval of ALL) expect(await pgStore.candles(symbol, interval), `${symbol} ${interval}`).toEqual(lite.candles(symbol, interval));
      }
    } finally {
      await pgStore.close();
      lite.close();
    }
    const candles = await count(db.url, 'SELECT count(*) AS n FROM candles');
    expect(candles).toBe(summary.tables.find((t: any) => t.table === 'candles').rows);
    expect(await count(db.url, "SELECT count(*) AS n FROM sentimento_mercado WHERE symbol = 'BTCUSDT' AND fear_greed = 71")).toBe(1);

    const again = await runCli(migrateArgs(dir, ['--url', db.url, '--yes', '--json']));
    expect(again.exitCode).toBe(0);
    expect(again.events.find((e) => e.event === 'summary')).toMatchObject({ status: 'verified', series: 20 });
    expect(await count(db.url, 'SELECT count(*) AS n FROM candles')).toBe(candles);
    expect(marketFiles(path.join(dir, 'data'))).toEqual(before);
  });

  it('names each series that differs and exits 1 (here: a candle PostgreSQL has and market.db lacks)', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(`INSERT INTO candles SELECT symbol, interval, open_time - 86400000, open, high, low, close, volume, close_time - 86400000,
        quote_volume, trades, taker_buy_base, taker_buy_quote FROM candles WHERE symbol = $1 AND interval = '1d' ORDER BY open_time LIMIT 1`, [symbols[1]]);
    } finally {
      await client.end();
    }
    const run = await runCli(migrateArgs(dir, ['--url', db.url, '--yes']));
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`1 check differs:\\n  ✖ candles ${symbols[1]} 1d: SQLite 20 rows [0-9a-f]{12}, PostgreSQL 21 rows`));
  });

  it('refuses without --yes when nobody is at a terminal, and refuses what is not PostgreSQL, naming it without the password', async () => {
    const noYes = await runCli(migrateArgs(dir, ['--url', db.url]));
    expect(noYes.exitCode).toBe(2);
    expect(noYes.stderr).toMatch(/add --yes to confirm/);

    const mysql = await runCli(migrateArgs(dir, ['--url', 'mysql://cfa:hunter2secret@db-host/cfa', '--yes']));
    expect(mysql.exitCode).toBe(2);
    expect(mysql.stderr).toContain('--url "mysql://cfa:••••••@db-host/cfa" is not a PostgreSQL URL');
    expect(mysql.stderr).not.toContain('hunter2secret');

    const sqlite = await runCli(migrateArgs(dir, ['--url', db.url, '--yes']).map((a) => (a === 'postgres' ? 'sqlite' : a)));
    expect(sqlite.exitCode).toBe(2);
    expect(sqlite.stderr).toMatch(/--to "sqlite" is not a backend to migrate to: the only one is postgres/);

    const nowhere = path.join(dir, 'no-such-dir');
    const missing = await runCli(['--data-dir', nowhere, '--config', path.join(dir, 'config.json'), 'store', 'migrate', '--to', 'postgres', '--url', db.url, '--yes']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain(`data dir ${nowhere} does not exist: nothing to migrate`);
    expect(fs.existsSync(nowhere)).toBe(false);

    const unreachable = await runCli(migrateArgs(dir, ['--url', 'postgresql://cfa:hunter2secret@127.0.0.1:1/cfa', '--yes']));
    expect(unreachable.exitCode).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach PostgreSQL at postgresql:\/\/cfa:••••••@127\.0\.0\.1:1\/cfa/);
    expect(unreachable.stderr).not.toContain('hunter2secret');
  });
});
