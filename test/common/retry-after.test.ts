import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_AFTER_CAP_MS, parseRetryAfterMs } from '../../src/common/retry-after.js';

describe('parseRetryAfterMs', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);

  it('reads delay-seconds, fractions included', () => {
    expect(parseRetryAfterMs('2', now)).toBe(2000);
    expect(parseRetryAfterMs('3', 0)).toBe(3000);
    expect(parseRetryAfterMs(' 0 ', now)).toBe(0);
    expect(parseRetryAfterMs('0.25', now)).toBe(250);
    expect(parseRetryAfterMs('1.5', 0)).toBe(1500);
    // A body field (Telegram's retry_after) comes as a number.
    expect(parseRetryAfterMs(7, now)).toBe(7000);
  });

  it('reads an HTTP date; one already past means no wait', () => {
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read, negatives and signed numbers included', () => {
    for (const v of [undefined, null, '', '   ', 'soon', '-5', '+5', -5, '1e3', '5s', '12:00', {}, Number.NaN]) {
      expect(parseRetryAfterMs(v, now), JSON.stringify(v)).toBeUndefined();
    }
  });

  it('caps what it reads, by default at 24 h, else at what the caller says', () => {
    expect(parseRetryAfterMs('999999999', now)).toBe(DEFAULT_RETRY_AFTER_CAP_MS);
    expect(parseRetryAfterMs('Fri, 01 Jan 2027 12:00:00 GMT', now)).toBe(DEFAULT_RETRY_AFTER_CAP_MS);
    expect(parseRetryAfterMs('120', now, 60_000)).toBe(60_000);
    expect(parseRetryAfterMs(String(2 * 86_400), now, 3 * 86_400_000)).toBe(2 * 86_400_000);
  });

  it('reads the first of several values a header library gives as an array', () => {
    expect(parseRetryAfterMs(['4', '9'], now)).toBe(4000);
  });
});
