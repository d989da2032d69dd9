import { intervalMs, type Interval } from '../../exchange/intervals.js';
import { humanDuration, plural } from '../format-values.js';
import { judgeAbove, worstStatus, type Limits } from '../status.js';
import type { ProbeResult, SeriesFreshness } from '../types.js';
import { rankWorstSeries } from '../worst-series.js';
import { probeResult } from './probe-result.js';

export interface SeriesNewest {
  symbol: string;
  interval: Interval;
  /** Open time of the newest stored candle; null for an empty series. */
  lastOpenTime: number | null;
}

export interface FreshnessInput {
  series: readonly SeriesNewest[];
  limits: (interval: Interval) => Limits;
  now: number;
}

/** Since the newest stored candle closed; a close a little ahead of our clock counts as fresh. */
export function seriesAge(lastOpenTime: number, interval: Interval, now: number): number {
  return Math.max(0, now - (lastOpenTime + intervalMs(interval)));
}

/**
 * Judges every series' age against its interval's limits. An empty series is critical in the
 * heatmap, but the probe leaves it to coverage, so a missing symbol is judged once, by the
 * coverage thresholds; only a store with no candles at all is a freshness failure.
 */
export function judgeFreshness(input: FreshnessInput): { probe: ProbeResult; freshness: SeriesFreshness[] } {
  const freshness: SeriesFreshness[] = input.series.map((s) => {
    if (s.lastOpenTime === null) return { ...s, ageMs: null, status: 'critical' };
    const ageMs = seriesAge(s.lastOpenTime, s.interval, input.now);
    return { ...s, ageMs, status: judgeAbove(ageMs, input.limits(s.interval)) };
  });
  const measured = freshness.filter((f): f is SeriesFreshness & { ageMs: number } => f.ageMs !== null);
  const empty = freshness.length - measured.length;
  const emptyNote = empty > 0 ? `; ${plural(empty, 'empty series', 'empty series')} left to coverage` : '';

  if (measured.length === 0) {
    const detail = freshness.length === 0 ? 'no series configured' : 'no candles stored for any configured series: run `cfa-console sync`';
    return {
      probe: probeResult('freshness', { status: freshness.length === 0 ? 'unknown' : 'critical', value: null, threshold: null, unit: 'ms', detail }),
      freshness,
    };
  }

  const ranked = rankWorstSeries(measured, (interval) => input.limits(interval).critical);
  const worst = ranked[0]!;
  const worstLimits = input.limits(worst.interval);
  const stale = ranked.filter((f) => f.status !== 'ok');
  const describe = (f: SeriesFreshness & { ageMs: number }) => {
    const l = input.limits(f.interval);
    return `${humanDuration(f.ageMs)} old (warn over ${humanDuration(l.warn)}, critical over ${humanDuration(l.critical)})`;
  };
  const status = worstStatus(stale.map((f) => f.status));
  const detail = stale.length === 0
    ? `${plural(measured.length, 'series', 'series')} fresh; stalest ${worst.symbol} ${worst.interval} ${describe(worst)}${emptyNote}`
    : `${plural(stale.length, 'stale series', 'stale series')}, stalest ${worst.symbol} ${worst.interval} ${describe(worst)}${emptyNote}`;
  return {
    probe: probeResult('freshness', {
      status,
      value: worst.ageMs,
      threshold: { warn: worstLimits.warn, critical: worstLimits.critical },
      unit: 'ms',
      detail,
      offenders: stale.map((f) => ({ name: `${f.symbol} ${f.interval}`, value: f.ageMs, detail: `${f.status}: ${describe(f)}` })),
    }),
    freshness,
  };
}
