import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Interval } from '../../src/exchange/intervals.js';
import type { SimulatorHandle } from '../../src/exchange/simulator/index.js';
import { PgMarketStore } from '../../src/store/postgres/market-store.js';
import { runCli, writeTestConfig } from '../helpers/cli.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from '../helpers/postgres.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';
import { HOUR, MIN, summaryOf } from './helpers.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const INTERVALS: Interval[] = ['15m', '1h', '4h'];

/** What differs between PostgreSQL's candles and the simulator's closed ones over each series' stored span. */
async function pgStoreDifferences(url: string, sim: SimulatorHandle, series: readonly (readonly [string, Interval])[]): Promise<string[]> {
  const store = await PgMarketStore.open(url, { poolSize: 1 });
  const problems: string[] = [];
  try {
    for (const [symbol, interval] of series) {
      const stored = await store.candles(symbol, interval);
      if (stored.length === 0) {
        problems.push(`${symbol} ${interval}: no candles`);
        continue;
      }
      const expected = sim.closedCandles(symbol, interval, stored[0]!.openTime, stored.at(-1)!.openTime + 1);
      if (stored.length !== expected.length) problems.push(`${symbol} ${interval}: ${stored.length} stored, ${expected.length} expected`);
      const at = stored.findIndex((c, i) => JSON.stringify(c) !== JSON.stringify(expected[i]));
      if (at >= 0) problems.push(`${symbol} ${interval} #${at}: stored ${JSON.stringify(stored[at])} expected ${JSON.stringify(expected[at])}`);
    }
  } finally {
    await store.close();
  }
  return problems;
}

describe.skipIf(pgMissing)(`cfa-console validate with the candles in PostgreSQL${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshPgDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('locates holes by position, heals them through the sync engine into PostgreSQL, records the exchange\'s own hole as a known gap there', async () => {
    const hour = Math.floor(Date.now() / HOUR) * HOUR;
    const exchangeHole = { symbol: 'ETHUSDT', interval: '1h' as const, from: hour - 20 * HOUR, to: hour - 17 * HOUR };
    const sim = await simulator({ now: Date.now, symbols: SYMBOLS, faults: { holes: [exchangeHole] } });
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    writeTestConfig(dir, { symbols: SYMBOLS, intervals: INTERVALS, sync: { backfillDays: 2 }, store: { backend: 'postgres' } });
    const env = { CFA_STORE_URL: db.url };
    const args = ['--data-dir', dataDir, '--config', path.join(dir, 'config.json'), '--exchange-url', sim.url];
    const sync = await runCli([...args, 'sync', '--json'], { env });
    expect(sync.stderr).toBe('');
    expect(sync.exitCode).toBe(0);

    // Candles lost in the middle of two series, and one series gone entirely, in PostgreSQL.
    const oneHole = hour - 10 * HOUR;
    const threeHole = hour - 5 * HOUR;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const del = (symbol: string, interval: string, from: number, to: number) =>
        client.query('DELETE FROM candles WHERE symbol = $1 AND interval = $2 AND open_time BETWEEN $3 AND $4', [symbol, interval, from, to]);
      expect((await del('BTCUSDT', '1h', oneHole, oneHole)).rowCount).toBe(1);
      expect((await del('BTCUSDT', '15m', threeHole, threeHole + 30 * MIN)).rowCount).toBe(3);
      expect((await del('ETHUSDT', '4h', 0, Number.MAX_SAFE_INTEGER)).rowCount).toBeGreaterThan(5);
    } finally {
      await client.end();
    }

    // Without --heal: the holes found by position, nothing written, exit 1.
    const report = await runCli([...args, 'validate', '--no-heal', '--json'], { env });
    expect(report.stderr).toBe('');
    expect(report.exitCode).toBe(1);
    const before = summaryOf(report.events);
    expect(before.status).toBe('problems');
    expect(before.holes.open.map((g: any) => [g.symbol, g.interval, g.fromOpenTime, g.toOpenTime, g.missing])).toEqual([
      ['BTCUSDT', '15m', threeHole, threeHole + 30 * MIN, 3], ['BTCUSDT', '1h', oneHole, oneHole, 1], ['ETHUSDT', '1h', exchangeHole.from, exchangeHole.to - HOUR, 3],
    ]);
    expect(before.missingSeries).toEqual({ found: 1, backfilled: 0, open: ['ETHUSDT 4h'] });
    const integrity = report.events.find((e) => e.event === 'check' && e.id === 'integrity')!;
    expect(integrity).toMatchObject({ status: 'ok' });
    expect(integrity.detail).toMatch(/PostgreSQL at .* the server's to check/);
    const continuity = report.events.find((e) => e.event === 'check' && e.id === 'continuity')!;
    expect(continuity.detail).toMatch(/full scan of \d+ candles/);
    expect(fs.existsSync(path.join(dataDir, 'market.db'))).toBe(false);

    // With --heal: the exchange's candles come back into PostgreSQL, its own hole becomes a known gap there.
    const healed = await runCli([...args, 'validate', '--heal', '--json'], { env });
    expect(healed.stderr).toBe('');
    expect(healed.events.filter((e) => e.event === 'gap').map((e) => [e.symbol, e.interval, e.result, e.stored])).toEqual([
      ['BTCUSDT', '15m', 'filled', 3], ['BTCUSDT', '1h', 'filled', 1], ['ETHUSDT', '1h', 'exchange-gap', 0],
    ]);
    expect(healed.events.filter((e) => e.event === 'backfill')).toEqual([expect.objectContaining({ symbol: 'ETHUSDT', interval: '4h', status: 'ok' })]);
    const after = summaryOf(healed.events);
    expect(after).toMatchObject({
      status: 'clean', heal: true,
      holes: { found: 3, filled: 2, exchangeGaps: 1, open: [] },
      missingSeries: { found: 1, backfilled: 1, open: [] },
    });
    expect(after.knownGaps.map((k: any) => [k.symbol, k.interval, k.fromOpenTime, k.toOpenTime, k.missing])).toEqual([
      ['ETHUSDT', '1h', exchangeHole.from, exchangeHole.to - HOUR, 3],
    ]);
    expect(healed.exitCode).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'market.db'))).toBe(false);
    expect(await pgStoreDifferences(db.url, sim, SYMBOLS.flatMap((s) => INTERVALS.map((i) => [s, i] as const)))).toEqual([]);

    // The next validation: clean, the known gap (kept in PostgreSQL) listed but no problem.
    const again = await runCli([...args, 'validate', '--json'], { env });
    expect(again.exitCode).toBe(0);
    const last = summaryOf(again.events);
    expect(last).toMatchObject({ status: 'clean', holes: { found: 0, open: [] }, missingSeries: { found: 0 } });
    expect(last.knownGaps.map((k: any) => [k.symbol, k.interval, k.missing])).toEqual([['ETHUSDT', '1h', 3]]);
    expect(again.events.find((e) => e.event === 'check' && e.id === 'continuity')!.detail).toMatch(/1 known exchange gap excluded/);
  });
});
