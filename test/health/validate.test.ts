import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Interval } from '../../src/exchange/intervals.js';
import type { SimulatorHandle } from '../../src/exchange/simulator/index.js';
import { MarketStore } from '../../src/store/market-db.js';
import { runCli, writeTestConfig } from '../helpers/cli.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';
import { closedPort } from '../helpers/recording-exchange.js';
import { HOUR, MIN, summaryOf, writeSeries } from './helpers.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const INTERVALS: Interval[] = ['15m', '1h', '4h'];

/** Every stored candle of the series equals the exchange's, up to the newest stored. */
function matchesExchange(dataDir: string, sim: SimulatorHandle, symbol: string, interval: Interval): void {
  const store = MarketStore.open(dataDir);
  try {
    const stored = store.candles(symbol, interval);
    expect(stored.length, `${symbol} ${interval} has candles`).toBeGreaterThan(0);
    const expected = sim.closedCandles(symbol, interval, stored[0]!.openTime, stored.at(-1)!.openTime + 1);
    expect(stored, `${symbol} ${interval}`).toEqual(expected);
  } finally {
    store.close();
  }
}

describe('cfa-console validate against the simulator', () => {
  it('heals the holes the exchange has, records the one it lacks as a known gap, backfills a missing series; then validates clean', async () => {
    const hour = Math.floor(Date.now() / HOUR) * HOUR;
    const exchangeHole = { symbol: 'ETHUSDT', interval: '1h' as const, from: hour - 20 * HOUR, to: hour - 17 * HOUR };
    const sim = await simulator({ now: Date.now, symbols: SYMBOLS, faults: { holes: [exchangeHole] } });
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    writeTestConfig(dir, { symbols: SYMBOLS, intervals: INTERVALS, sync: { backfillDays: 2 } });
    const args = ['--data-dir', dataDir, '--config', path.join(dir, 'config.json'), '--exchange-url', sim.url];
    expect((await runCli([...args, 'sync', '--json'])).exitCode).toBe(0);

    // Holes the exchange still has: 1 candle of BTCUSDT 1h, 3 of BTCUSDT 15m; ETHUSDT 4h gone entirely.
    const oneHole = hour - 10 * HOUR;
    const threeHole = hour - 5 * HOUR;
    const store = MarketStore.open(dataDir);
    const del = store.db.prepare('DELETE FROM candles WHERE symbol = ? AND interval = ? AND open_time BETWEEN ? AND ?');
    del.run('BTCUSDT', '1h', oneHole, oneHole);
    del.run('BTCUSDT', '15m', threeHole, threeHole + 30 * MIN);
    del.run('ETHUSDT', '4h', 0, Number.MAX_SAFE_INTEGER);
    store.close();

    // Without --heal: every problem reported, nothing written, exit 1.
    const report = await runCli([...args, 'validate', '--no-heal', '--json']);
    expect(report.exitCode).toBe(1);
    const found = report.events.filter((e) => e.event === 'gap');
    expect(found).toEqual([]);
    const before = summaryOf(report.events);
    expect(before.status).toBe('problems');
    expect(before.holes.open.map((g: any) => [g.symbol, g.interval, g.fromOpenTime, g.missing])).toEqual([
      ['BTCUSDT', '15m', threeHole, 3], ['BTCUSDT', '1h', oneHole, 1], ['ETHUSDT', '1h', exchangeHole.from, 3],
    ]);
    expect(before.missingSeries).toEqual({ found: 1, backfilled: 0, open: ['ETHUSDT 4h'] });
    expect(before.knownGaps).toEqual([]);

    // With --heal: the exchange's candles come back, its own hole becomes a known gap.
    const healed = await runCli([...args, 'validate', '--heal', '--json']);
    expect(healed.stderr).toBe('');
    const gaps = healed.events.filter((e) => e.event === 'gap').map((e) => [e.symbol, e.interval, e.result, e.stored]);
    expect(gaps).toEqual([['BTCUSDT', '15m', 'filled', 3], ['BTCUSDT', '1h', 'filled', 1], ['ETHUSDT', '1h', 'exchange-gap', 0]]);
    const backfill = healed.events.filter((e) => e.event === 'backfill');
    expect(backfill).toHaveLength(1);
    expect(backfill[0]).toMatchObject({ symbol: 'ETHUSDT', interval: '4h', status: 'ok' });
    const after = summaryOf(healed.events);
    const today = new Date().toISOString().slice(0, 10);
    expect(after).toMatchObject({
      status: 'clean', heal: true,
      holes: { found: 3, filled: 2, exchangeGaps: 1, open: [] },
      missingSeries: { found: 1, backfilled: 1, open: [] },
    });
    expect(after.knownGaps).toEqual([{
      symbol: 'ETHUSDT', interval: '1h', from: new Date(exchangeHole.from).toISOString(), to: new Date(exchangeHole.to - HOUR).toISOString(),
      fromOpenTime: exchangeHole.from, toOpenTime: exchangeHole.to - HOUR, missing: 3, confirmedAt: expect.any(Number), confirmed: today,
    }]);
    expect(healed.exitCode).toBe(0);
    for (const [symbol, interval] of [['BTCUSDT', '1h'], ['BTCUSDT', '15m'], ['ETHUSDT', '4h'], ['ETHUSDT', '1h']] as const) {
      matchesExchange(dataDir, sim, symbol, interval);
    }

    // The next validation: clean, the known gap no longer a problem but still listed.
    const again = await runCli([...args, 'validate', '--json']);
    expect(again.exitCode).toBe(0);
    const last = summaryOf(again.events);
    expect(last).toMatchObject({ status: 'clean', holes: { found: 0, open: [] }, missingSeries: { found: 0 } });
    expect(last.knownGaps.map((k: any) => [k.symbol, k.interval, k.missing])).toEqual([['ETHUSDT', '1h', 3]]);
    expect(again.events.filter((e) => e.event === 'check').map((e) => [e.id, e.status])).toContainEqual(['continuity', 'ok']);

    // And health agrees: continuity ok, the known gap excluded.
    const health = await runCli([...args, 'health', '--json', '--only', 'continuity,coverage,integrity']);
    expect(health.exitCode).toBe(0);
    expect(JSON.parse(health.stdout).probes.find((p: any) => p.id === 'continuity').detail).toMatch(/1 known exchange gap excluded/);
  });

  it('reports what it could not heal when the exchange is unreachable, keeping the holes open', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const hour = Math.floor(Date.now() / HOUR) * HOUR;
    fs.mkdirSync(dataDir);
    const store = MarketStore.open(dataDir);
    writeSeries(store, 'BTCUSDT', '1h', hour - 48 * HOUR, hour - HOUR, (t) => t >= hour - 30 * HOUR && t < hour - 26 * HOUR);
    store.close();
    writeTestConfig(dir, { symbols: ['BTCUSDT'], intervals: ['1h'] });
    const url = `http://127.0.0.1:${await closedPort()}`;
    const run = await runCli(['--data-dir', dataDir, '--config', path.join(dir, 'config.json'), '--exchange-url', url, 'validate', '--json']);
    expect(run.exitCode).toBe(1);
    const summary = summaryOf(run.events);
    expect(summary).toMatchObject({ status: 'problems', heal: true, holes: { found: 1, filled: 0, exchangeGaps: 0 }, knownGaps: [] });
    expect(summary.holes.open.map((g: any) => g.missing)).toEqual([4]);
    expect(summary.healError).toMatch(/ECONNREFUSED|connect/i);
  });

  it('reports a corrupt store and heals nothing in it', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    fs.mkdirSync(dataDir);
    fs.writeFileSync(path.join(dataDir, 'market.db'), Buffer.alloc(4096 * 4, 0x5a));
    writeTestConfig(dir, { symbols: SYMBOLS });
    const run = await runCli(['--data-dir', dataDir, '--config', path.join(dir, 'config.json'), '--exchange-url', 'http://127.0.0.1:9', 'validate', '--json']);
    expect(run.exitCode).toBe(1);
    const summary = summaryOf(run.events);
    expect(summary.status).toBe('problems');
    expect(summary.probes.find((p: any) => p.id === 'integrity')).toMatchObject({ status: 'critical' });
    expect(fs.readFileSync(path.join(dataDir, 'market.db'))).toEqual(Buffer.alloc(4096 * 4, 0x5a));
  });
});
