import { rowToCandle, type Candle } from '../candle.js';
import { INTERVAL_MS, type Interval } from '../intervals.js';
import { lowerBound, type ReplaySeries } from './csv-replay.js';
import type { Hole } from './faults.js';
import { syntheticSeries, type SyntheticSeries } from './synthetic-candles.js';

/**
 * What one (symbol, interval) series holds and the klines paging rules over it. A source only
 * says which open times exist; the clock (nothing after the open candle) and the exchange-side
 * holes are applied here, the same way for klines and for closedCandles.
 */
export interface SeriesSource {
  readonly symbol: string;
  readonly interval: Interval;
  readonly intervalMs: number;
  /** The first open time >= t that exists, ignoring clock and holes. */
  next(t: number): number | undefined;
  /** The last open time <= t that exists, ignoring clock and holes. */
  prev(t: number): number | undefined;
  /** The row as served at `now` (the open candle is partial for synthetic series). */
  rowJson(openTime: number, now: number): string;
  candle(openTime: number): Candle;
}

export class SyntheticSource implements SeriesSource {
  readonly intervalMs: number;
  readonly #first: number;
  readonly #gen: SyntheticSeries;

  constructor(readonly symbol: string, readonly interval: Interval, listingTime: number) {
    this.intervalMs = INTERVAL_MS[interval];
    // No candle may open before the listing, so the first one is the next grid point.
    this.#first = Math.ceil(listingTime / this.intervalMs) * this.intervalMs;
    this.#gen = syntheticSeries(symbol, interval);
  }

  next(t: number): number | undefined {
    return Math.max(this.#first, Math.ceil(t / this.intervalMs) * this.intervalMs);
  }

  prev(t: number): number | undefined {
    const p = Math.floor(t / this.intervalMs) * this.intervalMs;
    return p >= this.#first ? p : undefined;
  }

  rowJson(openTime: number, now: number): string {
    return this.#gen.rowJson(openTime, now);
  }

  candle(openTime: number): Candle {
    return this.#gen.candle(openTime);
  }
}

export class ReplaySource implements SeriesSource {
  readonly symbol: string;
  readonly interval: Interval;
  readonly intervalMs: number;

  constructor(readonly data: ReplaySeries) {
    this.symbol = data.symbol;
    this.interval = data.interval;
    this.intervalMs = INTERVAL_MS[data.interval];
  }

  next(t: number): number | undefined {
    return this.data.openTimes[lowerBound(this.data.openTimes, t)];
  }

  prev(t: number): number | undefined {
    const i = lowerBound(this.data.openTimes, t + 1) - 1;
    return i >= 0 ? this.data.openTimes[i] : undefined;
  }

  /** Replayed rows are served as recorded, the open one included. */
  rowJson(openTime: number): string {
    return this.data.rowJson[this.#index(openTime)]!;
  }

  candle(openTime: number): Candle {
    return rowToCandle(this.symbol, this.interval, this.data.rows[this.#index(openTime)]);
  }

  #index(openTime: number): number {
    const i = lowerBound(this.data.openTimes, openTime);
    if (this.data.openTimes[i] !== openTime) throw new RangeError(`no replayed ${this.symbol} ${this.interval} row at ${openTime}`);
    return i;
  }
}

export interface KlinesQuery {
  startTime?: number | undefined;
  endTime?: number | undefined;
  limit: number;
}

function holeAt(holes: readonly Hole[], t: number): Hole | undefined {
  for (const h of holes) {
    if (h.from > t) return undefined;
    if (t < h.to) return h;
  }
  return undefined;
}

/**
 * Open times klines returns, ascending. Like Binance: with startTime, the first `limit` from
 * there (up to endTime); otherwise the last `limit` up to endTime or the clock. Nothing opens
 * after `now`, so the newest row is the still-open candle; holes are skipped over.
 */
export function klineOpenTimes(src: SeriesSource, holes: readonly Hole[], q: KlinesQuery, now: number): number[] {
  const out: number[] = [];
  const hi = Math.min(q.endTime ?? Number.POSITIVE_INFINITY, now);
  if (q.startTime !== undefined) {
    let t = src.next(q.startTime);
    while (t !== undefined && t <= hi && out.length < q.limit) {
      const hole = holeAt(holes, t);
      if (hole) {
        t = src.next(hole.to);
        continue;
      }
      out.push(t);
      t = src.next(t + 1);
    }
    return out;
  }
  let t = src.prev(hi);
  while (t !== undefined && out.length < q.limit) {
    const hole = holeAt(holes, t);
    if (hole) {
      t = src.prev(hole.from - 1);
      continue;
    }
    out.push(t);
    t = src.prev(t - 1);
  }
  return out.reverse();
}

/** Candles with open time in [from, toExclusive) that are closed at `now` (close time before it). */
export function closedCandles(src: SeriesSource, holes: readonly Hole[], from: number, toExclusive: number, now: number): Candle[] {
  const out: Candle[] = [];
  const lastClosedOpen = now - src.intervalMs; // closeTime = open + ms - 1 < now
  const hi = Math.min(toExclusive - 1, lastClosedOpen);
  let t = src.next(from);
  while (t !== undefined && t <= hi) {
    const hole = holeAt(holes, t);
    if (hole) {
      t = src.next(hole.to);
      continue;
    }
    out.push(src.candle(t));
    t = src.next(t + 1);
  }
  return out;
}

export function klinesJson(src: SeriesSource, openTimes: readonly number[], now: number): string {
  if (openTimes.length === 0) return '[]';
  const parts = new Array<string>(openTimes.length);
  for (let i = 0; i < openTimes.length; i++) parts[i] = src.rowJson(openTimes[i]!, now);
  return `[${parts.join(',')}]`;
}
