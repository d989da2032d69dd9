import { afterEach } from 'vitest';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../src/exchange/simulator/index.js';
import type { Interval } from '../../src/exchange/intervals.js';
import { MarketStore } from '../../src/store/market-db.js';
import type { CandleStore } from '../../src/store/candle-store.js';
import type { Candle } from '../../src/exchange/candle.js';

const running: SimulatorHandle[] = [];

/**
 * A simulator whose clock starts at a fixed instant 7.5 minutes past a 15-minute boundary and
 * runs in real time: the set of closed candles is known, and no candle closes during a test.
 */
export const ANCHOR = Date.UTC(2026, 6, 1, 12, 7, 30);

export async function simulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const started = Date.now();
  const sim = await startSimulator({ now: () => ANCHOR + (Date.now() - started), weightClock: Date.now, ...options });
  running.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

const DAY = 86_400_000;

/**
 * Every difference between the store and the simulator's closed candles for these series, from
 * `backfillDays` before `anchor` (the simulator's clock when the store was synced; default ANCHOR).
 */
export function storeDifferences(
  dataDir: string, sim: SimulatorHandle, symbols: readonly string[], intervals: readonly Interval[], backfillDays: number, anchor = ANCHOR,
): string[] {
  const store = MarketStore.open(dataDir);
  try {
    return seriesOf(symbols, intervals).flatMap(([symbol, interval]) => seriesDifference(sim, symbol, interval, store.candles(symbol, interval), backfillDays, anchor) ?? []);
  } finally {
    store.close();
  }
}

/** The same comparison for any candle store (PostgreSQL answers later). */
export async function candleStoreDifferences(
  store: Pick<CandleStore, 'candles'>, sim: SimulatorHandle, symbols: readonly string[], intervals: readonly Interval[], backfillDays: number, anchor = ANCHOR,
): Promise<string[]> {
  const problems: string[] = [];
  for (const [symbol, interval] of seriesOf(symbols, intervals)) {
    const problem = seriesDifference(sim, symbol, interval, await store.candles(symbol, interval), backfillDays, anchor);
    if (problem) problems.push(problem);
  }
  return problems;
}

function seriesOf(symbols: readonly string[], intervals: readonly Interval[]): [string, Interval][] {
  return symbols.flatMap((symbol) => intervals.map((interval): [string, Interval] => [symbol, interval]));
}

/** The first difference of one stored series from the simulator's closed candles, or null. */
function seriesDifference(sim: SimulatorHandle, symbol: string, interval: Interval, actual: readonly Candle[], backfillDays: number, anchor: number): string | null {
  const step = { '15m': 900_000, '1h': 3_600_000, '4h': 14_400_000, '1d': DAY }[interval as string] ?? 0;
  const from = Math.floor((anchor - backfillDays * DAY) / step) * step;
  const expected = sim.closedCandles(symbol, interval, from, Number.MAX_SAFE_INTEGER);
  if (actual.length !== expected.length) return `${symbol} ${interval}: ${actual.length} stored, ${expected.length} expected`;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (JSON.stringify(a) !== JSON.stringify(e)) return `${symbol} ${interval} #${i}: stored ${JSON.stringify(a)} expected ${JSON.stringify(e)}`;
  }
  return null;
}
