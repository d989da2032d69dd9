import { describe, expect, it } from 'vitest';
import { judgeFreshness } from '../../src/health/probes/freshness.js';
import type { HealthStatus } from '../../src/health/types.js';
import { rankWorstSeries } from '../../src/health/worst-series.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const critical = (interval: string) => ({ '15m': HOUR, '1h': 6 * HOUR, '4h': 24 * HOUR, '1d': 4 * 24 * HOUR }[interval]!);
const s = (symbol: string, interval: '15m' | '1h' | '4h' | '1d', ageMs: number | null, status: HealthStatus) => ({ symbol, interval, ageMs, status });
const names = (list: { symbol: string; interval: string }[]) => list.map((x) => `${x.symbol} ${x.interval}`);

describe('rankWorstSeries', () => {
  it('ranks by status, then by age relative to its own limit, not by age alone', () => {
    const ranked = rankWorstSeries([
      s('AAA', '1h', 5 * HOUR, 'warn'),      // 5/6 of its limit
      s('BBB', '15m', 2 * HOUR, 'critical'), // twice its limit
      s('CCC', '1h', 7 * HOUR, 'critical'),  // 7/6 of its limit: older, but less late
      s('DDD', '15m', 40 * MIN, 'warn'),     // 2/3 of its limit
      s('EEE', '4h', HOUR, 'ok'),
    ], critical);
    expect(names(ranked)).toEqual(['BBB 15m', 'CCC 1h', 'AAA 1h', 'DDD 15m', 'EEE 4h']);
  });

  it('puts an empty series first within its status, and breaks ties by name so the order is stable', () => {
    const ranked = rankWorstSeries([
      s('ZZZ', '1h', 12 * HOUR, 'critical'),
      s('BBB', '1h', null, 'critical'),
      s('AAA', '1h', null, 'critical'),
      s('MMM', '1h', null, 'unknown'),
    ], critical);
    expect(names(ranked)).toEqual(['AAA 1h', 'BBB 1h', 'ZZZ 1h', 'MMM 1h']);
  });

  it('does not change its input', () => {
    const input = [s('A', '1h', HOUR, 'ok'), s('B', '1h', 9 * HOUR, 'critical')];
    rankWorstSeries(input, critical);
    expect(names(input)).toEqual(['A 1h', 'B 1h']);
  });

  it('is the order of the freshness probe\'s offenders', () => {
    const now = Date.UTC(2026, 10, 25, 12);
    const ages: [string, '15m' | '1h', number][] = [['AAA', '1h', 5 * HOUR], ['BBB', '15m', 2 * HOUR], ['CCC', '1h', 7 * HOUR], ['DDD', '15m', 40 * MIN]];
    const step = (i: string) => (i === '15m' ? 15 * MIN : HOUR);
    const { probe, freshness } = judgeFreshness({
      series: ages.map(([symbol, interval, age]) => ({ symbol, interval, lastOpenTime: now - age - step(interval) })),
      limits: (i) => ({ warn: critical(i) / 2, critical: critical(i) }),
      now,
    });
    expect(probe.offenders.map((o) => o.name)).toEqual(names(rankWorstSeries(freshness.filter((f) => f.status !== 'ok'), critical)));
    expect(probe.offenders.map((o) => o.name)).toEqual(['BBB 15m', 'CCC 1h', 'AAA 1h', 'DDD 15m']);
  });
});
