import type { Candle } from '../exchange/candle.js';
import type { Interval } from '../exchange/intervals.js';
import { candleDefect, isClosed } from './candle-rules.js';

export interface RejectedCandle {
  candle: Candle;
  reason: string;
}

export interface UpsertResult {
  stored: number;
  /** Open time of the newest candle stored, or null when none was. */
  newestStored: number | null;
  /** Still-open candles dropped: normal, not an error. */
  open: number;
  rejected: RejectedCandle[];
}

export interface SeriesExtent {
  symbol: string;
  interval: Interval;
  count: number;
  firstOpenTime: number;
  lastOpenTime: number;
}

/** A value, or a promise of one: the SQLite store answers at once, the PostgreSQL one later. */
export type Awaitable<T> = T | Promise<T>;

/**
 * What the candle sync needs of a store, met by both backends (MarketStore over market.db,
 * PgMarketStore over PostgreSQL). The sync awaits every answer.
 */
export interface CandleStore {
  upsertCandles(candles: readonly Candle[], serverTime: number): Awaitable<UpsertResult>;
  lastOpenTime(symbol: string, interval: Interval): Awaitable<number | null>;
  candles(symbol: string, interval: Interval, fromOpenTime?: number, toOpenTimeExclusive?: number): Awaitable<Candle[]>;
  seriesExtents(): Awaitable<SeriesExtent[]>;
  deleteCandlesFrom(symbol: string, interval: Interval, fromOpenTime: number): Awaitable<number>;
  close(): Awaitable<void>;
}

/**
 * The candles of a page that may be stored (closed and sane) and the result so far (open ones
 * counted, insane ones rejected with the reason): the same rules on both backends.
 */
export function screenCandles(candles: readonly Candle[], serverTime: number): { sane: Candle[]; result: UpsertResult } {
  const result: UpsertResult = { stored: 0, newestStored: null, open: 0, rejected: [] };
  const sane: Candle[] = [];
  for (const c of candles) {
    if (!isClosed(c, serverTime)) { result.open++; continue; }
    const reason = candleDefect(c);
    if (reason) result.rejected.push({ candle: c, reason });
    else sane.push(c);
  }
  result.stored = sane.length;
  for (const c of sane) result.newestStored = Math.max(result.newestStored ?? c.openTime, c.openTime);
  return { sane, result };
}

/** A candle row as both backends return it (`SELECT * FROM candles`). */
export interface CandleRow {
  symbol: string; interval: Interval; open_time: number; open: number; high: number; low: number; close: number;
  volume: number; close_time: number; quote_volume: number; trades: number; taker_buy_base: number; taker_buy_quote: number;
}

export function candleFromRow(r: CandleRow): Candle {
  return {
    symbol: r.symbol, interval: r.interval, openTime: r.open_time, open: r.open, high: r.high, low: r.low,
    close: r.close, volume: r.volume, closeTime: r.close_time, quoteVolume: r.quote_volume, trades: r.trades,
    takerBuyBase: r.taker_buy_base, takerBuyQuote: r.taker_buy_quote,
  };
}
