import { intervalMs, type Interval } from '../../exchange/intervals.js';
import type { ProbeResult } from '../types.js';
import { probeResult } from './probe-result.js';

export interface SeriesCount {
  symbol: string;
  interval: Interval;
  count: number;
  first: number | null;
  last: number | null;
}

/** Candles a series lacks between its first and last: the span's slots minus the rows. */
export function missingCandles(s: SeriesCount): number {
  if (s.first === null || s.last === null) return 0;
  return Math.max(0, Math.floor((s.last - s.first) / intervalMs(s.interval)) + 1 - s.count);
}

/**
 * Continuity of a store in PostgreSQL, from counts: a series that misses more than
 * `maxGapCandles` candles between its first and last is a warning. Unlike the SQLite scan it does
 * not locate the holes nor exclude known exchange gaps; the detail says so.
 */
export function judgePgContinuity(series: readonly SeriesCount[], maxGapCandles: number, countedAt: number): ProbeResult {
  const short = series.map((s) => ({ s, missing: missingCandles(s) })).filter((x) => x.missing > maxGapCandles);
  const missing = short.reduce((n, x) => n + x.missing, 0);
  const how = `counted in PostgreSQL at ${new Date(countedAt).toISOString().slice(11, 16)} UTC; holes are not located and known exchange gaps not excluded there`;
  return probeResult('continuity', {
    status: short.length > 0 ? 'warn' : 'ok',
    value: short.length,
    threshold: { warn: 0 },
    unit: 'count',
    detail: short.length > 0
      ? `${short.length} series miss more than ${maxGapCandles} candles (${missing} in all); \`cfa-console sync\` refetches from each series' newest only (${how})`
      : `no series misses more than ${maxGapCandles} candles in ${series.length} series (${how})`,
    offenders: short.map((x) => ({ name: `${x.s.symbol} ${x.s.interval}`, value: x.missing, detail: `${x.missing} candles missing between its first and last` })),
  });
}
