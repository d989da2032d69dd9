import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Interval } from '../../src/exchange/intervals.js';
import { MarketStore } from '../../src/store/market-db.js';
import { PgMarketStore } from '../../src/store/postgres/market-store.js';
import { runCli, writeTestConfig } from '../helpers/cli.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from '../helpers/postgres.js';
import { simulator, storeDifferences } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';

const ALL: Interval[] = ['15m', '1h', '4h', '1d'];

function syncArgs(dir: string, url: string, extra: string[] = []): string[] {
  return ['--data-dir', path.join(dir, 'data'), '--config', path.join(dir, 'config.json'), '--exchange-url', url, 'sync', '--json', ...extra];
}

describe.skipIf(pgMissing)(`cfa-console sync into PostgreSQL${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshPgDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('stores the same candles as into market.db, through faults, and is incremental', async () => {
    const sim = await simulator({ symbols: 6, faults: { error5xx: 0.05, reset: 0.03, seed: 7 } });
    const symbols = sim.symbols.slice(0, 6);
    const lite = tempDir();
    writeTestConfig(lite, { sync: { backfillDays: 15 } });
    const pgDir = tempDir();
    // The URL from the environment, as a second host would be given it.
    writeTestConfig(pgDir, { sync: { backfillDays: 15 }, store: { backend: 'postgres' } });
    const env = { CFA_STORE_URL: db.url };

    let pgRun;
    for (let i = 0; i < 3; i++) {
      pgRun = await runCli(syncArgs(pgDir, sim.url, ['--symbols', symbols.join(',')]), { env });
      if (pgRun.exitCode === 0) break;
    }
    expect(pgRun!.stderr).toBe('');
    expect(pgRun!.exitCode).toBe(0);
    let liteRun;
    for (let i = 0; i < 3; i++) {
      liteRun = await runCli(syncArgs(lite, sim.url, ['--symbols', symbols.join(',')]));
      if (liteRun.exitCode === 0) break;
    }
    expect(liteRun!.exitCode).toBe(0);
    expect(storeDifferences(path.join(lite, 'data'), sim, symbols, ALL, 15)).toEqual([]);

    const pg = await PgMarketStore.open(db.url);
    const store = MarketStore.open(path.join(lite, 'data'));
    try {
      const extents = await pg.seriesExtents();
      expect(extents).toHaveLength(24);
      expect(extents).toEqual(store.seriesExtents());
      for (const symbol of symbols) {
        for (const interval of ALL) {
          const stored = await pg.candles(symbol, interval);
          expect(stored.length, `${symbol} ${interval}`).toBeGreaterThan(0);
          expect(stored, `${symbol} ${interval}`).toEqual(store.candles(symbol, interval));
        }
      }
    } finally {
      await pg.close();
      store.close();
    }

    const again = await runCli(syncArgs(pgDir, sim.url, ['--symbols', symbols.join(',')]), { env });
    expect(again.exitCode).toBe(0);
    const summary = again.events.find((e) => e.event === 'summary') as Record<string, any>;
    expect(summary.candlesStored).toBe(0);
    expect(summary.series.ok).toBe(24);
  });

  it('exits 124 on --timeout, keeps what it stored and closes its connections', async () => {
    const sim = await simulator({ symbols: 4, faults: { latencyMs: 300 } });
    const dir = tempDir();
    // Its own database: the series of the first test are already up to date in the shared one.
    const own = await freshPgDatabase();
    writeTestConfig(dir, { sync: { backfillDays: 400, concurrency: 2 }, store: { backend: 'postgres', url: own.url } });
    const run = await runCli(syncArgs(dir, sim.url, ['--timeout', '2s', '--symbols', sim.symbols.slice(2, 4).join(',')]));
    expect(run.exitCode).toBe(124);
    const summary = run.events.find((e) => e.event === 'summary') as Record<string, any>;
    expect(summary.status).toBe('timeout');
    expect(summary.series.cancelled).toBeGreaterThan(0);
    const pg = await PgMarketStore.open(own.url);
    try {
      expect((await pg.seriesExtents()).length).toBeGreaterThan(0);
    } finally {
      await pg.close();
      await own.drop();
    }
  });

  it('names the store without its password when PostgreSQL cannot be reached, and exits non-zero', async () => {
    const sim = await simulator({ symbols: 2 });
    const dir = tempDir();
    writeTestConfig(dir, { store: { backend: 'postgres', url: 'postgresql://cfa:hunter2secret@127.0.0.1:1/cfa' } });
    const run = await runCli(syncArgs(dir, sim.url, ['--symbols', 'BTCUSDT']));
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout + run.stderr).toMatch(/cannot reach PostgreSQL at postgresql:\/\/cfa:••••••@127\.0\.0\.1:1\/cfa/);
    expect(run.stdout + run.stderr).not.toContain('hunter2secret');
  });
});
