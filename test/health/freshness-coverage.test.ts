import { describe, expect, it } from 'vitest';
import { judgeCoverage } from '../../src/health/probes/coverage.js';
import { judgeFreshness, seriesAge } from '../../src/health/probes/freshness.js';
import { DAY, HOUR, MIN } from './helpers.js';

const NOW = Date.UTC(2026, 10, 25, 12, 7, 0);
const limits = (interval: string) => ({ '15m': { warn: 30 * MIN, critical: HOUR }, '1h': { warn: 3 * HOUR, critical: 6 * HOUR } }[interval]!);
/** The open time whose candle closed `age` before NOW. */
const closedAgo = (interval: '15m' | '1h', age: number) => NOW - age - (interval === '15m' ? 15 * MIN : HOUR);

describe('judgeFreshness', () => {
  it('measures age from the close of the newest candle', () => {
    expect(seriesAge(closedAgo('1h', 2 * HOUR), '1h', NOW)).toBe(2 * HOUR);
    expect(seriesAge(NOW, '1h', NOW)).toBe(0); // a close ahead of our clock counts as fresh
  });

  it('is ok when every series is within half its limit, naming the stalest', () => {
    const { probe, freshness } = judgeFreshness({
      series: [
        { symbol: 'BTCUSDT', interval: '15m', lastOpenTime: closedAgo('15m', 10 * MIN) },
        { symbol: 'BTCUSDT', interval: '1h', lastOpenTime: closedAgo('1h', 2 * HOUR) },
      ],
      limits, now: NOW,
    });
    expect(probe).toMatchObject({ id: 'freshness', status: 'ok', value: 2 * HOUR, threshold: { warn: 3 * HOUR, critical: 6 * HOUR }, unit: 'ms', offenders: [] });
    expect(probe.detail).toBe('2 series fresh; stalest BTCUSDT 1h 2h old (warn over 3h, critical over 6h)');
    expect(freshness.map((f) => f.status)).toEqual(['ok', 'ok']);
  });

  it('warns past half the limit, is critical past it, and names the stalest relative to its own limit first', () => {
    const { probe, freshness } = judgeFreshness({
      series: [
        { symbol: 'BTCUSDT', interval: '1h', lastOpenTime: closedAgo('1h', 4 * HOUR) },
        { symbol: 'ETHUSDT', interval: '15m', lastOpenTime: closedAgo('15m', 2 * HOUR) },
        { symbol: 'SOLUSDT', interval: '15m', lastOpenTime: closedAgo('15m', 5 * MIN) },
      ],
      limits, now: NOW,
    });
    expect(probe.status).toBe('critical');
    expect(probe.value).toBe(2 * HOUR);
    expect(probe.threshold).toEqual({ warn: 30 * MIN, critical: HOUR });
    expect(probe.offenders).toEqual([
      { name: 'ETHUSDT 15m', value: 2 * HOUR, detail: 'critical: 2h old (warn over 30m, critical over 1h)' },
      { name: 'BTCUSDT 1h', value: 4 * HOUR, detail: 'warn: 4h old (warn over 3h, critical over 6h)' },
    ]);
    expect(freshness.map((f) => [f.symbol, f.status])).toEqual([['BTCUSDT', 'warn'], ['ETHUSDT', 'critical'], ['SOLUSDT', 'ok']]);
  });

  it('leaves an empty series to coverage but marks its heatmap cell critical; no candles at all is critical', () => {
    const some = judgeFreshness({
      series: [{ symbol: 'BTCUSDT', interval: '1h', lastOpenTime: closedAgo('1h', 0) }, { symbol: 'XRPUSDT', interval: '1h', lastOpenTime: null }],
      limits, now: NOW,
    });
    expect(some.probe.status).toBe('ok');
    expect(some.probe.detail).toMatch(/1 empty series left to coverage$/);
    expect(some.freshness[1]).toEqual({ symbol: 'XRPUSDT', interval: '1h', lastOpenTime: null, ageMs: null, status: 'critical' });
    const none = judgeFreshness({ series: [{ symbol: 'BTCUSDT', interval: '1h', lastOpenTime: null }], limits, now: NOW });
    expect(none.probe).toMatchObject({ status: 'critical', value: null });
    expect(none.probe.detail).toMatch(/no candles stored/);
  });

  it('has no verdict without series', () => {
    expect(judgeFreshness({ series: [], limits, now: NOW + DAY }).probe.status).toBe('unknown');
  });
});

describe('judgeCoverage', () => {
  const symbols = Array.from({ length: 40 }, (_, i) => `S${String(i).padStart(2, '0')}USDT`);
  const limits = { warn: 100, critical: 95 };

  it('is ok with every symbol in every interval', () => {
    const { probe, coverage } = judgeCoverage({ symbols, intervals: ['1h', '4h'], hasCandles: () => true, limits });
    expect(probe).toMatchObject({ id: 'coverage', status: 'ok', value: 100, unit: 'percent', offenders: [] });
    expect(coverage).toEqual([
      { interval: '1h', present: 40, configured: 40, missing: [], status: 'ok' },
      { interval: '4h', present: 40, configured: 40, missing: [], status: 'ok' },
    ]);
  });

  it('warns under 100% and is critical under 95%, naming the missing series', () => {
    const missing1h = new Set(['S03USDT']);
    const missing4h = new Set(['S01USDT', 'S02USDT', 'S03USDT']);
    const { probe, coverage } = judgeCoverage({
      symbols, intervals: ['1h', '4h'], limits,
      hasCandles: (s, i) => !(i === '1h' ? missing1h : missing4h).has(s),
    });
    expect(coverage.map((c) => [c.interval, c.present, c.status])).toEqual([['1h', 39, 'warn'], ['4h', 37, 'critical']]);
    expect(probe.status).toBe('critical');
    expect(probe.value).toBe(92.5);
    expect(probe.detail).toBe('1h: 39/40, missing S03USDT; 4h: 37/40, missing S01USDT, S02USDT, S03USDT');
    expect(probe.offenders.map((o) => o.name)).toEqual(['S01USDT 4h', 'S02USDT 4h', 'S03USDT 4h', 'S03USDT 1h']);
  });
});
