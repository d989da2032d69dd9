import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeHeartbeat } from '../engine/supervisor/heartbeat.js';
import type { Config } from '../config/schema.js';
import type { Interval } from '../exchange/intervals.js';
import { MARKET_DB_FILE } from '../store/market-db.js';
import { openCandleStore } from '../store/open-candle-store.js';

/**
 * A small but real backtest daemon: what `daemon.command` can point at out of the box
 * (`cfa-console example-backtest`), so the supervisor has something true to supervise. It reads
 * closed candles from the store the config names (market.db, or PostgreSQL), runs an SMA crossover per symbol, writes its result file and
 * keeps the heartbeat the supervisor expects, pass after pass, until SIGTERM.
 */

export interface SmaCrossoverResult {
  /** Round trips; a position still open at the end is closed at the last close and counted. */
  trades: number;
  wins: number;
  /** Compounded return of all trades, long only, no fees, in percent. */
  pnlPct: number;
  openAtEnd: boolean;
}

/**
 * Long when the fast SMA is above the slow one: enter on the close where it crosses above,
 * leave on the close where it crosses back. Only a real cross opens a trade, so a series that
 * starts in an uptrend does not begin with a position it never chose.
 */
export function smaCrossover(closes: readonly number[], fast = 20, slow = 50): SmaCrossoverResult {
  if (!Number.isInteger(fast) || !Number.isInteger(slow) || fast < 1 || slow <= fast) {
    throw new RangeError(`SMA periods must be whole numbers with 1 <= fast < slow (got fast ${fast}, slow ${slow})`);
  }
  let trades = 0;
  let wins = 0;
  let growth = 1;
  let entry: number | null = null;
  let wasAbove: boolean | null = null;
  let fastSum = 0;
  let slowSum = 0;
  const close = (exit: number): void => {
    if (entry === null) return;
    trades++;
    if (exit > entry) wins++;
    growth *= exit / entry;
    entry = null;
  };
  for (let i = 0; i < closes.length; i++) {
    const price = closes[i]!;
    fastSum += price;
    slowSum += price;
    if (i >= fast) fastSum -= closes[i - fast]!;
    if (i >= slow) slowSum -= closes[i - slow]!;
    if (i < slow - 1) continue;
    const above = fastSum / fast > slowSum / slow;
    if (wasAbove !== null && above !== wasAbove) {
      if (above) entry = price;
      else close(price);
    }
    wasAbove = above;
  }
  const openAtEnd = entry !== null;
  const last = closes.at(-1);
  if (last !== undefined) close(last);
  return { trades, wins, pnlPct: (growth - 1) * 100, openAtEnd };
}

export interface SymbolResult extends SmaCrossoverResult {
  symbol: string;
  candles: number;
  /** Open times of the first and last candle used; null when there were none. */
  from: number | null;
  to: number | null;
}

export interface ExampleBacktestResult {
  generatedAt: number;
  pass: number;
  interval: Interval;
  strategy: { name: 'sma-crossover'; fast: number; slow: number };
  symbols: SymbolResult[];
  /** Set when there was nothing to test, saying why. */
  note?: string;
  durationMs: number;
}

export interface ExampleBacktestOptions {
  dataDir: string;
  /** Where the candles are (`store.backend`, `store.url`); default market.db in `dataDir`. */
  store?: Config['store'];
  /** Written with the current epoch ms every `beatEveryMs` (the supervisor passes CFA_HEARTBEAT_FILE). */
  heartbeatFile?: string;
  /** Default `<dataDir>/backtest/example-backtest.json`. */
  resultFile?: string;
  /** Pause between passes (default 60 s). */
  intervalMs?: number;
  /** Heartbeat period (default 5 s, well inside the 30 s the supervisor asks for). */
  beatEveryMs?: number;
  /** Ends the loop: the pass under way stops at the next symbol and writes nothing. */
  signal?: AbortSignal;
  /** One pass, then return. */
  once?: boolean;
  interval?: Interval;
  fast?: number;
  slow?: number;
  onPass?: (result: ExampleBacktestResult) => void;
}

export interface ExampleBacktestSummary {
  passes: number;
  last: ExampleBacktestResult | null;
}

export function defaultResultFile(dataDir: string): string {
  return path.join(dataDir, 'backtest', 'example-backtest.json');
}

/** Temp + rename: a reader never sees half a result, and a crash leaves the previous one. */
export function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(temp, file);
}

async function runPass(options: ExampleBacktestOptions, pass: number, beat: () => void): Promise<ExampleBacktestResult | null> {
  const started = Date.now();
  const interval = options.interval ?? '1h';
  const fast = options.fast ?? 20;
  const slow = options.slow ?? 50;
  const base = { pass, interval, strategy: { name: 'sma-crossover' as const, fast, slow } };
  const pg = options.store?.backend === 'postgres';
  if (!pg && !fs.existsSync(path.join(options.dataDir, MARKET_DB_FILE))) {
    // A fresh install has no candles yet: say so and keep beating rather than crash-loop.
    return { generatedAt: Date.now(), ...base, symbols: [], note: `no ${MARKET_DB_FILE} in ${options.dataDir} yet`, durationMs: Date.now() - started };
  }
  const symbols: SymbolResult[] = [];
  // Opened per pass and closed at once, so a restore of the store is never held up by us.
  // One connection is enough: the candles are read a series at a time.
  const store = await openCandleStore({ store: { ...options.store ?? { backend: 'sqlite' }, poolSize: 1 } }, options.dataDir);
  try {
    const series = (await store.seriesExtents()).filter((s) => s.interval === interval);
    for (const { symbol } of series) {
      if (options.signal?.aborted) return null;
      const candles = await store.candles(symbol, interval);
      symbols.push({
        symbol,
        candles: candles.length,
        from: candles[0]?.openTime ?? null,
        to: candles.at(-1)?.openTime ?? null,
        ...smaCrossover(candles.map((c) => c.close), fast, slow),
      });
      beat();
      // Yield so the heartbeat timer and a SIGTERM get their turn during a long pass.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    await store.close();
  }
  return {
    generatedAt: Date.now(),
    ...base,
    symbols,
    ...(symbols.length === 0 ? { note: `no ${interval} candles in ${pg ? 'PostgreSQL' : MARKET_DB_FILE}` } : {}),
    durationMs: Date.now() - started,
  };
}

/** Runs passes until `signal` aborts (or one pass with `once`). */
export async function runExampleBacktest(options: ExampleBacktestOptions): Promise<ExampleBacktestSummary> {
  const resultFile = options.resultFile ?? defaultResultFile(options.dataDir);
  const intervalMs = options.intervalMs ?? 60_000;
  let beatFailed = false;
  const beat = (): void => {
    if (!options.heartbeatFile) return;
    try {
      writeHeartbeat(options.heartbeatFile);
      beatFailed = false;
    } catch (error) {
      if (!beatFailed) process.stderr.write(`example-backtest: cannot write the heartbeat ${options.heartbeatFile}: ${(error as Error).message}\n`);
      beatFailed = true;
    }
  };
  beat();
  const timer = setInterval(beat, options.beatEveryMs ?? 5000);
  const summary: ExampleBacktestSummary = { passes: 0, last: null };
  try {
    while (!options.signal?.aborted) {
      const result = await runPass(options, summary.passes + 1, beat);
      if (!result) break;
      writeJsonAtomic(resultFile, result);
      summary.passes++;
      summary.last = result;
      options.onPass?.(result);
      if (options.once) break;
      try {
        await sleep(intervalMs, undefined, { signal: options.signal });
      } catch {
        break;
      }
    }
  } finally {
    clearInterval(timer);
  }
  return summary;
}

/**
 * The `example-backtest` subcommand: passes until SIGTERM/SIGINT, then exit code 0; 1 when a
 * pass fails (the supervisor counts that as a crash and restarts it with backoff).
 */
export async function exampleBacktestCommand(options: {
  dataDir: string; store?: Config['store']; once?: boolean; resultFile?: string; intervalMs?: number;
}): Promise<number> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const resultFile = options.resultFile ?? defaultResultFile(options.dataDir);
  try {
    await runExampleBacktest({
      dataDir: options.dataDir,
      ...(options.store ? { store: options.store } : {}),
      resultFile,
      heartbeatFile: process.env.CFA_HEARTBEAT_FILE || undefined,
      signal: controller.signal,
      ...(options.once !== undefined ? { once: options.once } : {}),
      ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
      onPass: (r) => {
        const trades = r.symbols.reduce((n, s) => n + s.trades, 0);
        const mean = r.symbols.length ? r.symbols.reduce((n, s) => n + s.pnlPct, 0) / r.symbols.length : 0;
        process.stdout.write(`${new Date(r.generatedAt).toISOString()} pass ${r.pass}: ${r.symbols.length} symbols, ` +
          `${trades} trades, mean return ${mean.toFixed(2)}%${r.note ? ` (${r.note})` : ''} -> ${resultFile}\n`);
      },
    });
    if (controller.signal.aborted) process.stdout.write('example-backtest: stopped by signal\n');
    return 0;
  } catch (error) {
    process.stderr.write(`example-backtest: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}
