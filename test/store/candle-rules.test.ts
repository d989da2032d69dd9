import { describe, expect, it } from 'vitest';
import type { Candle } from '../../src/exchange/candle.js';
import { candleDefect, isClosed } from '../../src/store/candle-rules.js';

const H = 3_600_000;
const good: Candle = {
  symbol: 'BTCUSDT', interval: '1h', openTime: 100 * H, open: 10, high: 12, low: 9, close: 11, volume: 5,
  closeTime: 101 * H - 1, quoteVolume: 50, trades: 7, takerBuyBase: 2, takerBuyQuote: 20,
};

describe('candleDefect', () => {
  it('accepts a sane candle', () => {
    expect(candleDefect(good)).toBeNull();
  });

  it.each([
    [{ high: 10.5 }, /high 10.5 is below open\/close/],
    [{ low: 10.5 }, /low 10.5 is above open\/close/],
    [{ volume: -1 }, /volume is negative/],
    [{ openTime: 100 * H + 1, closeTime: 101 * H }, /not on the 1h grid/],
    [{ closeTime: 101 * H }, /close time .* is not open time \+ 1h - 1/],
    [{ open: Number.NaN }, /not a finite number/],
    [{ trades: 1.5 }, /trades 1.5 is not a whole number/],
  ] as const)('rejects %j', (patch, reason) => {
    expect(candleDefect({ ...good, ...patch })).toMatch(reason);
  });
});

describe('isClosed', () => {
  it('keeps a candle only when its close time is before server time', () => {
    expect(isClosed(good, good.closeTime + 1)).toBe(true);
    expect(isClosed(good, good.closeTime)).toBe(false);
    expect(isClosed(good, good.openTime + 5)).toBe(false);
  });
});
