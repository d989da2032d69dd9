import type { Config } from '../src/config/schema.js';
import { DEFAULT_INTERVALS, DEFAULT_SYMBOLS } from '../src/config/default-symbols.js';
import { intervalMs } from '../src/exchange/intervals.js';
import { collectHealth } from '../src/health/collect-health.js';
import { MarketStore } from '../src/store/market-db.js';

const DAY = 86_400_000;

/**
 * A store of the default 60 symbols x 4 intervals over `days` (365: about 2.8 million candles),
 * written straight into market.db (no HTTP): every series closed up to the last full candle
 * before `now`, one transaction per symbol. Returns the candles written.
 */
export function generateStore(dataDir: string, now: number, days: number): number {
  const store = MarketStore.open(dataDir);
  const insert = store.db.prepare(`INSERT INTO candles (symbol, interval, open_time, open, high, low, close, volume, close_time,
    quote_volume, trades, taker_buy_base, taker_buy_quote) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  let rows = 0;
  for (const symbol of DEFAULT_SYMBOLS) {
    store.db.transaction(() => {
      for (const interval of DEFAULT_INTERVALS) {
        const step = intervalMs(interval);
        const last = Math.floor(now / step) * step - step;
        for (let t = last - days * DAY + step; t <= last; t += step) {
          const p = 100 + 10 * Math.sin(t / 1e8);
          insert.run(symbol, interval, t, p, p * 1.01, p * 0.99, p * 1.002, 1234.5, t + step - 1, 123_456.7, 4321, 600.2, 60_000.5);
          rows++;
        }
      }
    })();
  }
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  store.close();
  return rows;
}

/**
 * Snapshots until the continuity scan has checkpoints for every series (the first scan is spread
 * over snapshots by its budget), so what is measured next is health as it runs every time after.
 * Returns how many snapshots it took.
 */
export function warmContinuity(config: Config & { dataDir: string }, dataDir: string): number {
  let rounds = 1;
  for (; rounds < 20; rounds++) {
    const s = collectHealth({ config, dataDir, only: ['continuity'] });
    if (s.probes[0]?.status !== 'unknown') break;
  }
  return rounds;
}
