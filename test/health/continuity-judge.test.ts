import { describe, expect, it } from 'vitest';
import { excludeKnownGaps, findHoles, subtractRanges } from '../../src/health/continuity/holes.js';
import { judgeContinuity } from '../../src/health/probes/continuity.js';
import { HOUR } from './helpers.js';

const T0 = Date.UTC(2026, 10, 1);
const h = (n: number) => T0 + n * HOUR;
const hole = (from: number, to: number) => ({ symbol: 'BTCUSDT', interval: '1h' as const, fromOpenTime: h(from), toOpenTime: h(to), missing: to - from + 1 });

describe('findHoles', () => {
  it('finds each run of missing open times with its first and last missing candle', () => {
    expect(findHoles('BTCUSDT', '1h', [h(0), h(1), h(3), h(7), h(8)], null)).toEqual([hole(2, 2), hole(4, 6)]);
  });

  it('sees a hole across the boundary of two scans through the previous open time', () => {
    expect(findHoles('BTCUSDT', '1h', [h(5), h(6)], h(1))).toEqual([hole(2, 4)]);
    expect(findHoles('BTCUSDT', '1h', [h(2), h(3)], h(1))).toEqual([]);
  });
});

describe('known exchange gaps', () => {
  it('take out what they cover, leaving the rest of a hole open', () => {
    expect(subtractRanges(hole(2, 9), [hole(4, 5)])).toEqual([hole(2, 3), hole(6, 9)]);
    expect(subtractRanges(hole(2, 4), [hole(0, 10)])).toEqual([]);
    expect(subtractRanges(hole(2, 4), [{ ...hole(2, 4), fromOpenTime: h(20), toOpenTime: h(22) }])).toEqual([hole(2, 4)]);
  });

  it('only in their own series, counting the holes they explain', () => {
    const other = { ...hole(2, 4), symbol: 'ETHUSDT' };
    expect(excludeKnownGaps([hole(2, 4), hole(10, 10)], [other])).toEqual({ open: [hole(2, 4), hole(10, 10)], explained: 0 });
    expect(excludeKnownGaps([hole(2, 4), hole(10, 10)], [hole(2, 4)])).toEqual({ open: [hole(10, 10)], explained: 1 });
  });
});

describe('judgeContinuity', () => {
  const base = { knownExcluded: 0, maxGapCandles: 2, series: 240, scannedCandles: 96, pendingSeries: 0, full: false };

  it('tolerates holes of at most maxGapCandles and says so', () => {
    const p = judgeContinuity({ ...base, holes: [hole(2, 2), hole(5, 6)] });
    expect(p).toMatchObject({ id: 'continuity', status: 'ok', value: 0, threshold: { warn: 0 }, unit: 'count', offenders: [] });
    expect(p.detail).toBe('no gaps longer than 2 candles in 240 series; 96 new candles scanned, 2 holes of at most 2 candles tolerated');
  });

  it('warns on a gap longer than maxGapCandles, the longest named first', () => {
    const p = judgeContinuity({ ...base, holes: [hole(2, 4), hole(8, 8), hole(20, 29)], knownExcluded: 1 });
    expect(p.status).toBe('warn');
    expect(p.value).toBe(2);
    expect(p.offenders).toEqual([
      { name: 'BTCUSDT 1h', value: 10, detail: '10 candles missing, 2026-11-01T20:00Z to 2026-11-02T05:00Z' },
      { name: 'BTCUSDT 1h', value: 3, detail: '3 candles missing, 2026-11-01T02:00Z to 2026-11-01T04:00Z' },
    ]);
    expect(p.detail).toMatch(/^2 gaps longer than 2 candles \(13 candles missing\).*1 hole of at most 2 candles tolerated, 1 known exchange gap excluded$/);
  });

  it('is unknown, not ok, while part of the history is still unscanned', () => {
    const p = judgeContinuity({ ...base, holes: [], pendingSeries: 3 });
    expect(p.status).toBe('unknown');
    expect(p.detail).toMatch(/3 series not scanned to the end yet/);
    expect(judgeContinuity({ ...base, holes: [hole(1, 5)], pendingSeries: 3 }).status).toBe('warn');
  });
});
