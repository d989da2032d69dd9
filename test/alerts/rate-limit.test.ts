import { describe, expect, it } from 'vitest';
import { nextAllowedAt, pruneSends } from '../../src/alerts/rate-limit.js';

describe('rate-limit arithmetic', () => {
  it('one a second: the next send waits until a second after the last', () => {
    const perSecond = [{ count: 1, windowMs: 1000 }];
    expect(nextAllowedAt([], perSecond, 5000)).toBe(5000);
    expect(nextAllowedAt([4500], perSecond, 5000)).toBe(5500);
    expect(nextAllowedAt([3000], perSecond, 5000)).toBe(5000);
  });

  it('several limits are settled together (Telegram: 1/s per chat and 20/min per group)', () => {
    const telegram = [{ count: 1, windowMs: 1000 }, { count: 20, windowMs: 60_000 }];
    const sent = Array.from({ length: 20 }, (_, i) => i * 1000);
    // Twenty in the last minute: the 21st waits until the first leaves the window.
    expect(nextAllowedAt(sent, telegram, 19_500)).toBe(60_000);
    expect(nextAllowedAt(sent.slice(1), telegram, 19_500)).toBe(20_000);
  });

  it('PagerDuty: 120 a minute', () => {
    const sent = Array.from({ length: 120 }, (_, i) => i * 100);
    expect(nextAllowedAt(sent, [{ count: 120, windowMs: 60_000 }], 12_000)).toBe(60_000);
  });

  it('forgets sends no window can see', () => {
    expect(pruneSends([1, 50_000, 70_000], [{ count: 1, windowMs: 1000 }, { count: 20, windowMs: 60_000 }], 100_000)).toEqual([50_000, 70_000]);
  });
});
