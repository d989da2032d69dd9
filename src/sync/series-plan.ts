import { floorToInterval, intervalMs, type Interval } from '../exchange/intervals.js';

const DAY_MS = 86_400_000;

export interface PlanInput {
  interval: Interval;
  /** Open time of the newest stored candle, or null when the series is empty. */
  lastOpenTime: number | null;
  serverTime: number;
  backfillDays: number;
  /** Re-fetch this many of the newest stored candles (the original design's daily mode). */
  lookback?: number;
}

/** The open time the next fetch of a series starts at. Pure. */
export function firstOpenTimeToFetch(p: PlanInput): number {
  const step = intervalMs(p.interval);
  if (p.lastOpenTime === null) return floorToInterval(p.serverTime - p.backfillDays * DAY_MS, p.interval);
  if (p.lookback && p.lookback > 0) return p.lastOpenTime - (p.lookback - 1) * step;
  return p.lastOpenTime + step;
}

/** How many rows a fetch from `startTime` returns up to and including the still-open candle. */
export function candlesUntilNow(startTime: number, serverTime: number, interval: Interval): number {
  if (startTime > serverTime) return 0;
  return Math.floor((serverTime - startTime) / intervalMs(interval)) + 1;
}
