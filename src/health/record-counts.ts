import type { RecordCounts } from './types.js';

/** Candles per interval, summed over series counts (each configured interval present, 0 when empty). */
export function recordCountsOf(series: readonly { interval: string; count: number }[], at: number): RecordCounts {
  const byInterval: Record<string, number> = {};
  for (const s of series) byInterval[s.interval] = (byInterval[s.interval] ?? 0) + s.count;
  return { at, byInterval };
}
