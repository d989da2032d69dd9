import { describe, expect, it } from 'vitest';
import { judgePgContinuity, missingCandles } from '../../src/health/probes/pg-continuity.js';

const H = 3_600_000;

describe('continuity from counts (PostgreSQL)', () => {
  it('counts the slots a series lacks between its first and last candle', () => {
    expect(missingCandles({ symbol: 'BTCUSDT', interval: '1h', count: 24, first: 0, last: 23 * H })).toBe(0);
    expect(missingCandles({ symbol: 'BTCUSDT', interval: '1h', count: 20, first: 0, last: 23 * H })).toBe(4);
    expect(missingCandles({ symbol: 'BTCUSDT', interval: '1h', count: 0, first: null, last: null })).toBe(0);
  });

  it('warns on a series missing more than the tolerated gap, naming it and saying what it cannot tell', () => {
    const series = [
      { symbol: 'BTCUSDT', interval: '1h' as const, count: 20, first: 0, last: 23 * H },
      { symbol: 'ETHUSDT', interval: '1h' as const, count: 23, first: 0, last: 23 * H },
    ];
    const warned = judgePgContinuity(series, 2, Date.UTC(2026, 10, 30, 12, 5));
    expect(warned.status).toBe('warn');
    expect(warned.offenders).toEqual([{ name: 'BTCUSDT 1h', value: 4, detail: '4 candles missing between its first and last' }]);
    expect(warned.detail).toMatch(/1 series miss more than 2 candles \(4 in all\).*counted in PostgreSQL at 12:05 UTC; holes are not located/);
    expect(judgePgContinuity(series, 4, 0).status).toBe('ok');
  });
});
