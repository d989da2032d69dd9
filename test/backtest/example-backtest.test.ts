import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  defaultResultFile, exampleBacktestCommand, runExampleBacktest, smaCrossover, type ExampleBacktestResult,
} from '../../src/backtest/example-backtest.js';
import { readHeartbeat } from '../../src/engine/supervisor/heartbeat.js';
import type { Candle } from '../../src/exchange/candle.js';
import type { Interval } from '../../src/exchange/intervals.js';
import type { CandleStore } from '../../src/store/candle-store.js';
import { MARKET_DB_FILE, MarketStore } from '../../src/store/market-db.js';
import { PgMarketStore } from '../../src/store/postgres/market-store.js';
import { daemonConfig, harness, killAfterTest, waitFor } from '../engine/supervisor/helpers.js';
import { CLI, runCli, writeTestConfig } from '../helpers/cli.js';
import { freshPgDatabase, pgMissing } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp-dir.js';

const HOUR = 3_600_000;
const START = Date.UTC(2025, 0, 1);

function candle(symbol: string, interval: Interval, openTime: number, close: number, step: number): Candle {
  return {
    symbol, interval, openTime, open: close, high: close * 1.01, low: close * 0.99, close, volume: 10,
    closeTime: openTime + step - 1, quoteVolume: 10 * close, trades: 5, takerBuyBase: 5, takerBuyQuote: 5 * close,
  };
}

/** Two symbols of 1h candles (waves, so the SMAs cross) and a 4h candle to ignore, into `store` (either backend). */
async function fillStore(store: CandleStore, count = 300): Promise<void> {
  for (const [symbol, base] of [['BTCUSDT', 60_000], ['ETHUSDT', 3_000]] as const) {
    const rows = Array.from({ length: count }, (_, i) =>
      candle(symbol, '1h', START + i * HOUR, base * (1 + 0.1 * Math.sin(i / 15) + i / 3000), HOUR));
    expect((await store.upsertCandles(rows, Date.now())).stored).toBe(count);
  }
  await store.upsertCandles([candle('BTCUSDT', '4h', START, 60_000, 4 * HOUR)], Date.now());
}

/** A market.db filled by fillStore. */
async function marketDb(dataDir: string, count = 300): Promise<void> {
  const store = MarketStore.open(dataDir);
  try {
    await fillStore(store, count);
  } finally {
    store.close();
  }
}

function readResult(file: string): ExampleBacktestResult {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ExampleBacktestResult;
}

describe('smaCrossover', () => {
  it('trades nothing on a flat or too short series', () => {
    expect(smaCrossover(Array(100).fill(10), 3, 5)).toEqual({ trades: 0, wins: 0, pnlPct: 0, openAtEnd: false });
    expect(smaCrossover([1, 2, 3], 3, 5)).toEqual({ trades: 0, wins: 0, pnlPct: 0, openAtEnd: false });
    expect(smaCrossover([], 3, 5).trades).toBe(0);
  });

  it('enters on the cross above, leaves on the cross below', () => {
    // fast(2) vs slow(3): below from index 2 (at index 5 they are equal: still not above), above at
    // index 6 (buy at 9), below again at index 8 (sell at 5).
    const closes = [10, 9, 8, 7, 6, 8, 9, 10, 5, 4, 3];
    const r = smaCrossover(closes, 2, 3);
    expect(r.trades).toBe(1);
    expect(r.wins).toBe(0);
    expect(r.pnlPct).toBeCloseTo((5 / 9 - 1) * 100, 10);
    expect(r.openAtEnd).toBe(false);
  });

  it('does not start in a position it never chose, and closes one still open at the last close', () => {
    // Rising from the start: no cross, no trade.
    expect(smaCrossover([1, 2, 3, 4, 5, 6, 7], 2, 3).trades).toBe(0);
    // Falls, then rises to the end: bought at index 6 (8), closed at the last close (12).
    const r = smaCrossover([10, 9, 8, 7, 6, 7, 8, 9, 12], 2, 3);
    expect(r).toMatchObject({ trades: 1, wins: 1, openAtEnd: true });
    expect(r.pnlPct).toBeCloseTo((12 / 8 - 1) * 100, 10);
  });

  it('rejects periods that make no crossover', () => {
    expect(() => smaCrossover([1], 5, 5)).toThrow(RangeError);
    expect(() => smaCrossover([1], 0, 5)).toThrow(RangeError);
    expect(() => smaCrossover([1], 2.5, 5)).toThrow(RangeError);
  });
});

describe('runExampleBacktest', () => {
  it('backtests every symbol of the 1h candles, writes the result atomically and beats', async () => {
    const dataDir = tempDir();
    await marketDb(dataDir);
    const heartbeatFile = path.join(dataDir, 'hb');
    const before = Date.now();
    const summary = await runExampleBacktest({ dataDir, heartbeatFile, once: true });
    expect(summary.passes).toBe(1);
    const result = readResult(defaultResultFile(dataDir));
    expect(result).toEqual(summary.last);
    expect(result).toMatchObject({ pass: 1, interval: '1h', strategy: { name: 'sma-crossover', fast: 20, slow: 50 } });
    expect(result.note).toBeUndefined();
    expect(result.symbols.map((s) => s.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    for (const s of result.symbols) {
      expect(s).toMatchObject({ candles: 300, from: START, to: START + 299 * HOUR });
      expect(s.trades).toBeGreaterThan(0);
      expect(Number.isFinite(s.pnlPct)).toBe(true);
    }
    expect(fs.readdirSync(path.dirname(defaultResultFile(dataDir)))).toEqual(['example-backtest.json']);
    expect(readHeartbeat(heartbeatFile)).toBeGreaterThanOrEqual(before);
  });

  it('loops until aborted, beating while it waits, and writes nothing for an aborted pass', async () => {
    const dataDir = tempDir();
    await marketDb(dataDir, 120);
    const heartbeatFile = path.join(dataDir, 'hb');
    const resultFile = path.join(dataDir, 'out', 'r.json');
    const controller = new AbortController();
    const passes: number[] = [];
    const running = runExampleBacktest({
      dataDir, heartbeatFile, resultFile, intervalMs: 20, beatEveryMs: 10, signal: controller.signal,
      onPass: (r) => { passes.push(r.pass); },
    });
    await waitFor('three passes', () => passes.length >= 3);
    const beat = readHeartbeat(heartbeatFile)!;
    await waitFor('a newer beat', () => (readHeartbeat(heartbeatFile) ?? 0) > beat);
    controller.abort();
    const summary = await running;
    expect(summary.passes).toBe(passes.length);
    expect(passes).toEqual(Array.from({ length: passes.length }, (_, i) => i + 1));
    expect(readResult(resultFile).pass).toBe(summary.passes);
  });

  it('says there is nothing to test when market.db does not exist yet, without creating it', async () => {
    const dataDir = tempDir();
    const summary = await runExampleBacktest({ dataDir, once: true });
    expect(summary.last?.symbols).toEqual([]);
    expect(summary.last?.note).toContain('market.db');
    expect(fs.existsSync(path.join(dataDir, MARKET_DB_FILE))).toBe(false);
  });

  it('exampleBacktestCommand returns 0 after one pass with --once and uses CFA_HEARTBEAT_FILE', async () => {
    const dataDir = tempDir();
    await marketDb(dataDir, 60);
    const heartbeatFile = path.join(dataDir, 'beat');
    const previous = process.env.CFA_HEARTBEAT_FILE;
    process.env.CFA_HEARTBEAT_FILE = heartbeatFile;
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      expect(await exampleBacktestCommand({ dataDir, once: true })).toBe(0);
    } finally {
      process.stdout.write = write;
      if (previous === undefined) delete process.env.CFA_HEARTBEAT_FILE;
      else process.env.CFA_HEARTBEAT_FILE = previous;
    }
    expect(readResult(defaultResultFile(dataDir)).symbols).toHaveLength(2);
    expect(readHeartbeat(heartbeatFile)).not.toBeNull();
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('example backtest as a real process', () => {
  // The real subcommand of the built binary (npm test builds first).
  const command = (dataDir: string, resultFile: string) =>
    [CLI, '--data-dir', dataDir, 'example-backtest', '--result-file', resultFile, '--interval', '50ms'];

  it('keeps the heartbeat, writes results and exits 0 on SIGTERM', async () => {
    const dataDir = tempDir();
    await marketDb(dataDir, 100);
    const heartbeatFile = path.join(dataDir, 'hb');
    const resultFile = path.join(dataDir, 'result.json');
    const child = execa(process.execPath, command(dataDir, resultFile), {
      env: { CFA_HEARTBEAT_FILE: heartbeatFile }, reject: false, stdin: 'ignore', timeout: 30_000,
    });
    killAfterTest(child.pid);
    await waitFor('two passes', () => fs.existsSync(resultFile) && readResult(resultFile).pass >= 2);
    expect(readHeartbeat(heartbeatFile)).not.toBeNull();
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(result.signal).toBeUndefined();
    expect(String(result.stdout)).toContain('stopped by signal');
  });

  it('is a daemon the supervisor can run and stop cleanly', async () => {
    const h = harness();
    marketDb(h.dataDir, 100);
    const resultFile = path.join(h.dataDir, 'result.json');
    const sup = h.supervisor({ config: daemonConfig({ command: [process.execPath, ...command(h.dataDir, resultFile)], killGrace: '10s' }) });
    await sup.start();
    killAfterTest(sup.status().pid!);
    await waitFor('running', () => sup.status().state === 'running');
    await waitFor('a result', () => fs.existsSync(resultFile) && readResult(resultFile).symbols.length === 2);
    await sup.stop();
    expect(h.events(['exit'])[0]?.detail).toMatchObject({ code: 0, signal: null, reason: 'stopped' });
    expect(h.events(['stop'])[0]?.detail).toMatchObject({ killed: false });
    expect(h.events(['crash', 'hang'])).toEqual([]);
  });
});

describe.skipIf(pgMissing)(`the backtests with the candles in PostgreSQL${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  it('example-backtest reads them through the store the data dir\'s config names, with the result the same candles give in market.db', async () => {
    const db = await freshPgDatabase();
    try {
      const pg = await PgMarketStore.open(db.url);
      try {
        await fillStore(pg);
      } finally {
        await pg.close();
      }
      const dir = tempDir();
      const config = writeTestConfig(dir, { store: { backend: 'postgres' } });
      const dataDir = path.join(dir, 'data');
      const resultFile = path.join(dir, 'result.json');
      const run = await runCli(['--data-dir', dataDir, '--config', config, 'example-backtest', '--once', '--result-file', resultFile], { env: { CFA_STORE_URL: db.url } });
      expect(run.stderr).toBe('');
      expect(run.exitCode).toBe(0);
      expect(fs.existsSync(path.join(dataDir, MARKET_DB_FILE))).toBe(false);
      const fromPg = readResult(resultFile);
      expect(fromPg.note).toBeUndefined();
      expect(fromPg.symbols.map((s) => s.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);

      // The same candles in market.db: the same trades and returns.
      const sqliteDir = tempDir();
      await marketDb(sqliteDir);
      const fromSqlite = (await runExampleBacktest({ dataDir: sqliteDir, once: true })).last!;
      expect(fromPg.symbols).toEqual(fromSqlite.symbols);
      for (const s of fromPg.symbols) expect(s.trades).toBeGreaterThan(0);
    } finally {
      await db.drop();
    }
  });

  it('example-backtest on an empty PostgreSQL store says so and does not create market.db', async () => {
    const db = await freshPgDatabase();
    try {
      const dataDir = tempDir();
      const summary = await runExampleBacktest({ dataDir, once: true, store: { backend: 'postgres', url: db.url, poolSize: 1 } });
      expect(summary.last).toMatchObject({ symbols: [], note: 'no 1h candles in PostgreSQL' });
      expect(fs.existsSync(path.join(dataDir, MARKET_DB_FILE))).toBe(false);
    } finally {
      await db.drop();
    }
  });

  it('the daily backtest command is told where the candles are: the backend and the URL, even when the URL is only in the config file', async () => {
    const db = await freshPgDatabase();
    try {
      const dir = tempDir();
      const resultFile = path.join(dir, 'out', 'result.json');
      const tells = "require('fs').writeFileSync(process.env.CFA_BACKTEST_RESULT_FILE, JSON.stringify({ backend: process.env.CFA_STORE_BACKEND, url: process.env.CFA_STORE_URL }))";
      const config = writeTestConfig(dir, { store: { backend: 'postgres', url: db.url }, backtest: { command: [process.execPath, '-e', tells], resultFile } });
      const run = await runCli(['--data-dir', path.join(dir, 'data'), '--config', config, 'backtest', '--json'], { env: { CFA_STORE_URL: '' } });
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.events.at(-1)).toMatchObject({ status: 'success', result: { backend: 'postgres', url: db.url } });
    } finally {
      await db.drop();
    }
  });
});
