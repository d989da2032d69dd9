import { describe, expect, it } from 'vitest';
import { candlesUntilNow, firstOpenTimeToFetch } from '../../src/sync/series-plan.js';

const H = 3_600_000;
const DAY = 24 * H;
const now = 1000 * DAY + 5 * H + 17_000;

describe('firstOpenTimeToFetch', () => {
  it('backfills an empty series D days back, on the interval grid', () => {
    expect(firstOpenTimeToFetch({ interval: '4h', lastOpenTime: null, serverTime: now, backfillDays: 30 })).toBe(970 * DAY + 4 * H);
    expect(firstOpenTimeToFetch({ interval: '1d', lastOpenTime: null, serverTime: now, backfillDays: 30 })).toBe(970 * DAY);
  });

  it('continues after the newest stored candle', () => {
    expect(firstOpenTimeToFetch({ interval: '1h', lastOpenTime: 1000 * DAY, serverTime: now, backfillDays: 30 })).toBe(1000 * DAY + H);
  });

  it('re-fetches the newest N candles with a lookback', () => {
    expect(firstOpenTimeToFetch({ interval: '1h', lastOpenTime: 1000 * DAY, serverTime: now, backfillDays: 30, lookback: 4 })).toBe(1000 * DAY - 3 * H);
  });
});

describe('candlesUntilNow', () => {
  it('counts the still-open candle too', () => {
    expect(candlesUntilNow(1000 * DAY + 4 * H, now, '1h')).toBe(2);
    expect(candlesUntilNow(1000 * DAY + 5 * H, now, '1h')).toBe(1);
    expect(candlesUntilNow(now + H, now, '1h')).toBe(0);
  });
});
