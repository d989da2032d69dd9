import { describe, expect, it } from 'vitest';
import {
  KLINE_LIMIT_BULK,
  KLINE_LIMIT_DEFAULT,
  KLINE_LIMIT_MAX,
  KLINE_LIMIT_SMALL,
  chooseKlineLimit,
  klineWeight,
} from '../../src/exchange/kline-weight.js';

describe('klineWeight', () => {
  it.each([
    [1, 1], [99, 1],
    [100, 2], [499, 2],
    [500, 5], [1000, 5],
    [1001, 10], [1500, 10],
  ])('limit %i weighs %i', (limit, weight) => {
    expect(klineWeight(limit)).toBe(weight);
  });

  it('weighs the exchange default limit when none is given', () => {
    expect(KLINE_LIMIT_DEFAULT).toBe(500);
    expect(klineWeight()).toBe(5);
  });

  it.each([0, -1, 1.5, KLINE_LIMIT_MAX + 1, Number.NaN])('rejects limit %s', (limit) => {
    expect(() => klineWeight(limit)).toThrow(RangeError);
  });
});

describe('chooseKlineLimit', () => {
  it.each([
    [0, 1], [-3, 1], [1, 1], [2, 2], [24, 24], [98.2, 99], [99, 99],
    [100, 499], [499, 499], [500, 499], [100_000, 499],
  ])('%s candles wanted -> limit %i', (wanted, limit) => {
    expect(chooseKlineLimit(wanted)).toBe(limit);
  });

  it('a small increment costs weight 1, a backfill pages at the cheapest weight per candle', () => {
    expect(klineWeight(chooseKlineLimit(KLINE_LIMIT_SMALL))).toBe(1);
    const perCandle = (limit: number) => klineWeight(limit) / limit;
    const bulk = perCandle(chooseKlineLimit(KLINE_LIMIT_SMALL + 1));
    for (const other of [100, 250, 500, 1000, 1001, 1500]) expect(bulk).toBeLessThanOrEqual(perCandle(other));
    expect(chooseKlineLimit(KLINE_LIMIT_SMALL + 1)).toBe(KLINE_LIMIT_BULK);
  });
});
