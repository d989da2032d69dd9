import path from 'node:path';
import type { Candle } from '../exchange/candle.js';
import type { Interval } from '../exchange/intervals.js';
import { candleFromRow as fromRow, screenCandles, type CandleRow, type CandleStore, type SeriesExtent, type UpsertResult } from './candle-store.js';
import { MARKET_SCHEMA_VERSION, MARKET_SQLITE_MIGRATIONS as MIGRATIONS } from './schema/market.js';
import { openMigrated, type Db } from './sqlite.js';

export type { RejectedCandle, SeriesExtent, UpsertResult } from './candle-store.js';

export const MARKET_DB_FILE = 'market.db';

/** market.db with its schema up to date, for the modules that own its other tables (src/sentiment). */
export function openMarketDb(dataDir: string): Db {
  return openMigrated(path.join(dataDir, MARKET_DB_FILE), MIGRATIONS);
}

export { MARKET_SCHEMA_VERSION };

/**
 * Every series in a market database (also a read-only one, such as a backup copy) with its count
 * and first and last open time, in key order. The series are found by seeking from one to the
 * next and each is counted over its own key range: about a third less work than one GROUP BY
 * over all candles, which compares the symbol and interval of every row.
 */
export function seriesExtentsOf(db: Db): SeriesExtent[] {
  const first = db.prepare('SELECT symbol, interval FROM candles ORDER BY symbol, interval LIMIT 1');
  const nextInSymbol = db.prepare('SELECT symbol, interval FROM candles WHERE symbol = ? AND interval > ? ORDER BY symbol, interval LIMIT 1');
  const nextSymbol = db.prepare('SELECT symbol, interval FROM candles WHERE symbol > ? ORDER BY symbol, interval LIMIT 1');
  const count = db.prepare('SELECT count(*) FROM candles WHERE symbol = ? AND interval = ?').pluck();
  const firstOpen = db.prepare('SELECT min(open_time) FROM candles WHERE symbol = ? AND interval = ?').pluck();
  const lastOpen = db.prepare('SELECT max(open_time) FROM candles WHERE symbol = ? AND interval = ?').pluck();
  type Key = { symbol: string; interval: Interval };
  const extents: SeriesExtent[] = [];
  for (let key = first.get() as Key | undefined; key; key = (nextInSymbol.get(key.symbol, key.interval) ?? nextSymbol.get(key.symbol)) as Key | undefined) {
    const { symbol, interval } = key;
    extents.push({
      symbol, interval, count: count.get(symbol, interval) as number,
      firstOpenTime: firstOpen.get(symbol, interval) as number, lastOpenTime: lastOpen.get(symbol, interval) as number,
    });
  }
  return extents;
}

/** Owns `market.db`: the candles table, its views and every query on them. */
export class MarketStore implements CandleStore {
  private readonly upsertStmt;
  private readonly lastOpenStmt;

  private constructor(readonly db: Db) {
    this.upsertStmt = db.prepare(`
      INSERT INTO candles (symbol, interval, open_time, open, high, low, close, volume, close_time,
                           quote_volume, trades, taker_buy_base, taker_buy_quote)
      VALUES (@symbol, @interval, @openTime, @open, @high, @low, @close, @volume, @closeTime,
              @quoteVolume, @trades, @takerBuyBase, @takerBuyQuote)
      ON CONFLICT (symbol, interval, open_time) DO UPDATE SET
        open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
        volume = excluded.volume, close_time = excluded.close_time, quote_volume = excluded.quote_volume,
        trades = excluded.trades, taker_buy_base = excluded.taker_buy_base, taker_buy_quote = excluded.taker_buy_quote`);
    this.lastOpenStmt = db.prepare('SELECT max(open_time) AS t FROM candles WHERE symbol = ? AND interval = ?').pluck();
  }

  static open(dataDir: string): MarketStore {
    return MarketStore.openFile(path.join(dataDir, MARKET_DB_FILE));
  }

  static openFile(file: string): MarketStore {
    return new MarketStore(openMigrated(file, MIGRATIONS));
  }

  /**
   * Stores the closed, sane candles of one page in one transaction, so a crash keeps whole pages
   * or nothing. Re-storing a candle overwrites it with the exchange's latest values.
   */
  upsertCandles(candles: readonly Candle[], serverTime: number): UpsertResult {
    const { sane, result } = screenCandles(candles, serverTime);
    if (sane.length > 0) {
      this.db.transaction(() => { for (const c of sane) this.upsertStmt.run(c); })();
    }
    return result;
  }

  /** Candles of one series: a count over its primary-key range, without reading the rows. */
  countOf(symbol: string, interval: Interval): number {
    return this.db.prepare('SELECT count(*) FROM candles WHERE symbol = ? AND interval = ?').pluck().get(symbol, interval) as number;
  }

  lastOpenTime(symbol: string, interval: Interval): number | null {
    return (this.lastOpenStmt.get(symbol, interval) as number | null) ?? null;
  }

  candles(symbol: string, interval: Interval, fromOpenTime = 0, toOpenTimeExclusive = Number.MAX_SAFE_INTEGER): Candle[] {
    const rows = this.db.prepare(
      'SELECT * FROM candles WHERE symbol = ? AND interval = ? AND open_time >= ? AND open_time < ? ORDER BY open_time',
    ).all(symbol, interval, fromOpenTime, toOpenTimeExclusive) as CandleRow[];
    return rows.map(fromRow);
  }

  seriesExtents(): SeriesExtent[] {
    return seriesExtentsOf(this.db);
  }

  /** Deletes the candles of a series from `fromOpenTime` on (a drill's fault: candles lost); returns how many. */
  deleteCandlesFrom(symbol: string, interval: Interval, fromOpenTime: number): number {
    return this.db.prepare('DELETE FROM candles WHERE symbol = ? AND interval = ? AND open_time >= ?').run(symbol, interval, fromOpenTime).changes;
  }

  integrityCheck(): string[] {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  }

  close(): void {
    this.db.close();
  }
}
