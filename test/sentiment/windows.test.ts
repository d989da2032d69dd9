import { describe, expect, it } from 'vitest';
import { DAY_MS, missingDays, planFuturesData } from '../../src/sentiment/windows.js';

const H = 3_600_000;
const NOW = Date.UTC(2026, 6, 1, 12, 7, 30);

describe('planFuturesData', () => {
  it('lays pages on the period grid with inclusive bounds: no point twice, none left out', () => {
    const plan = planFuturesData(null, NOW, '1h', 30);
    expect(plan.unrecoverable).toBeNull();
    const points = plan.pages.flatMap((p) => {
      expect((p.endTime - p.startTime) / H).toBeLessThanOrEqual(499);
      return Array.from({ length: (p.endTime - p.startTime) / H + 1 }, (_, i) => p.startTime + i * H);
    });
    expect(new Set(points).size).toBe(points.length);
    for (let i = 1; i < points.length; i++) expect(points[i]! - points[i - 1]!).toBe(H);
    expect(points.at(-1)).toBe(Date.UTC(2026, 6, 1, 12));
    // One period inside the 30 days Binance keeps.
    expect(points[0]).toBe(Math.ceil((NOW - 30 * DAY_MS) / H) * H + H);
    expect(plan.pages.length).toBe(2);
  });

  it('continues after the newest stored point', () => {
    const last = Date.UTC(2026, 6, 1, 8);
    expect(planFuturesData(last, NOW, '1h', 30).pages).toEqual([{ startTime: last + H, endTime: Date.UTC(2026, 6, 1, 12) }]);
    expect(planFuturesData(Date.UTC(2026, 6, 1, 12), NOW, '1h', 30).pages).toEqual([]);
  });

  it('says which points aged out of the 30 days instead of asking for them', () => {
    const last = NOW - 40 * DAY_MS - (NOW % H);
    const plan = planFuturesData(last, NOW, '1h', 30);
    expect(plan.unrecoverable).not.toBeNull();
    expect(plan.unrecoverable!.from).toBe(last + H);
    expect(plan.pages[0]!.startTime).toBe(plan.unrecoverable!.to + H);
    expect(plan.unrecoverable!.points).toBe((plan.unrecoverable!.to - plan.unrecoverable!.from) / H + 1);
    // An empty series is simply backfilled from the oldest point there is: nothing was lost.
    expect(planFuturesData(null, NOW, '1h', 30).unrecoverable).toBeNull();
  });

  it('refuses a period Binance does not have, naming the allowed ones', () => {
    expect(() => planFuturesData(null, NOW, '3h', 30)).toThrow(/3h.*5m, 15m/);
  });
});

describe('missingDays', () => {
  it('names the days between the first and the last that have no value', () => {
    const d = Date.UTC(2026, 5, 1);
    expect(missingDays([d, d + DAY_MS, d + 3 * DAY_MS])).toEqual([d + 2 * DAY_MS]);
    expect(missingDays([])).toEqual([]);
  });
});
