import type { Interval } from '../exchange/intervals.js';
import { STATUS_RANK, type HealthStatus } from './types.js';

export interface RankableSeries {
  symbol: string;
  interval: Interval;
  /** Null for an empty series. */
  ageMs: number | null;
  status: HealthStatus;
}

/**
 * The one ranking of "worst series", used by the freshness probe and the console's panel: the
 * worst status first; within a status an empty series first, then the stalest relative to its own
 * interval's critical limit (a 2 h old 15m series is worse than a 5 h old 1h one); ties by name,
 * so the order never flickers between refreshes.
 */
export function rankWorstSeries<T extends RankableSeries>(series: readonly T[], criticalMs: (interval: Interval) => number): T[] {
  const ratio = (s: T) => (s.ageMs === null ? Infinity : s.ageMs / Math.max(1, criticalMs(s.interval)));
  return [...series].sort((a, b) => STATUS_RANK[b.status] - STATUS_RANK[a.status]
    || ratio(b) - ratio(a)
    || a.symbol.localeCompare(b.symbol) || a.interval.localeCompare(b.interval));
}
