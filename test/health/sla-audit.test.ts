import { describe, expect, it } from 'vitest';
import { auditSla, percentile, stretchesBetween, type SlaInput } from '../../src/health/sla/sla-audit.js';
import { DAY, HOUR, MIN } from './helpers.js';

const TODAY = Date.UTC(2026, 10, 25);
const NOW = TODAY + 10 * HOUR;

/** One sync a day at 00:30 for `days` days before today, taking `minutes` each. */
function dailySyncs(days: number, minutes: (d: number) => number, skip: number[] = []) {
  return Array.from({ length: days }, (_, i) => days - i).filter((d) => !skip.includes(d)).map((d) => {
    const startedAt = TODAY - d * DAY + 30 * MIN;
    const durationMs = minutes(d) * MIN;
    return { status: 'success', startedAt, endedAt: startedAt + durationMs, durationMs };
  });
}

const todays = { status: 'success', startedAt: TODAY + 30 * MIN, endedAt: TODAY + 34 * MIN, durationMs: 4 * MIN };

function input(over: Partial<SlaInput> = {}): SlaInput {
  return {
    now: NOW, days: 30, syncRuns: [...dailySyncs(31, () => 4), todays],
    backups: Array.from({ length: 31 }, (_, i) => ({ tier: 'hot' as const, createdAt: TODAY - i * DAY + 2 * HOUR })),
    backupBefore: new Map([['hot', TODAY - 31 * DAY + 2 * HOUR]]),
    tiers: [{ tier: 'hot', configured: true }, { tier: 'warm', configured: false }, { tier: 'offsite', configured: false }],
    drills: [],
    targets: { availabilityPercent: 99.5, freshnessMaxAgeMs: 26 * HOUR, syncSlaMs: 30 * MIN, backupMaxAgeMs: 26 * HOUR },
    ...over,
  };
}

describe('SLA arithmetic', () => {
  it('takes nearest-rank percentiles', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
    expect(percentile(Array.from({ length: 200 }, (_, i) => i + 1), 99)).toBe(198);
  });

  it('measures the stretches between events, from the one before the window to now', () => {
    expect(stretchesBetween([5, 12], 1, 3, 20)).toEqual([{ from: 1, to: 5, ms: 4 }, { from: 5, to: 12, ms: 7 }, { from: 12, to: 20, ms: 8 }]);
    expect(stretchesBetween([], null, 3, 20)).toEqual([{ from: 3, to: 20, ms: 17 }]);
  });
});

describe('auditSla', () => {
  it('meets every target with a daily sync and a daily backup', () => {
    const r = auditSla(input());
    expect(r.window).toEqual({ from: TODAY - 30 * DAY, to: TODAY, days: 30 });
    expect(r.availability).toEqual({ successfulDays: 30, days: 30, percent: 100, targetPercent: 99.5, met: true, missedDays: [] });
    expect(r.staleness.worstMs).toBe(DAY);
    expect(r.staleness.met).toBe(true);
    expect(r.syncDuration).toMatchObject({ runs: 30, p50Ms: 4 * MIN, p99Ms: 4 * MIN, overSla: 0, met: true });
    expect(r.backups.map((b) => [b.tier, b.met])).toEqual([['hot', true], ['warm', null], ['offsite', null]]);
    expect(r.drills).toEqual({ count: 0, passed: 0, failed: 0, last: null, met: null });
    expect(r.met).toBe(true);
  });

  it('counts a missed day against availability and the stretch without a sync as a staleness breach', () => {
    const r = auditSla(input({ syncRuns: [...dailySyncs(31, () => 4, [10]), todays] }));
    expect(r.availability).toMatchObject({ successfulDays: 29, percent: 96.67, met: false, missedDays: ['2026-11-15'] });
    expect(r.staleness.breaches).toHaveLength(1);
    expect(r.staleness.worstMs).toBe(2 * DAY);
    expect(r.met).toBe(false);
  });

  it('is stale now when today\'s sync has not succeeded 26 h after the last one', () => {
    const r = auditSla(input({ syncRuns: dailySyncs(31, () => 4), now: TODAY + HOUR }));
    expect(r.staleness.met).toBe(true);
    expect(auditSla(input({ syncRuns: dailySyncs(31, () => 4), now: TODAY + 10 * HOUR })).staleness.breaches).toHaveLength(1);
  });

  it('judges sync duration by p99 against the 30 min SLA', () => {
    const r = auditSla(input({ syncRuns: [...dailySyncs(31, (d) => (d === 3 ? 45 : 4)), todays] }));
    expect(r.syncDuration).toMatchObject({ p50Ms: 4 * MIN, p99Ms: 45 * MIN, maxMs: 45 * MIN, overSla: 1, met: false });
  });

  it('counts backup age breaches per configured tier and failed restore drills', () => {
    const r = auditSla(input({
      backups: [{ tier: 'hot', createdAt: TODAY - 20 * DAY }, { tier: 'hot', createdAt: TODAY - 2 * HOUR }],
      drills: [{ at: TODAY - 5 * DAY, tier: 'hot', result: 'ok', good: true }, { at: TODAY - DAY, tier: 'hot', result: 'failed: checksum', good: false }],
    }));
    expect(r.backups[0]).toMatchObject({ tier: 'hot', backups: 2, met: false });
    expect(r.backups[0]!.breaches.length).toBe(2);
    expect(r.drills).toEqual({ count: 2, passed: 1, failed: 1, last: { at: TODAY - DAY, tier: 'hot', result: 'failed: checksum' }, met: false });
    expect(r.met).toBe(false);
  });

  it('counts the monthly game-day drill: met when one passed within a month, missed when the last pass is older, not judged when none was ever run', () => {
    expect(auditSla(input()).gameDays).toMatchObject({ count: 0, met: null });
    expect(auditSla(input()).met).toBe(true);
    const monthly = auditSla(input({ gameDays: [
      { at: TODAY - 40 * DAY, scenario: 'daemon-dead', passed: true },
      { at: TODAY - 9 * DAY, scenario: 'db-corruption', passed: false },
      { at: TODAY - 9 * DAY + HOUR, scenario: 'db-corruption', passed: true },
      { at: TODAY - 9 * DAY + 2 * HOUR, scenario: 'daemon-dead', passed: true },
    ] }));
    expect(monthly.gameDays).toEqual({ count: 3, passed: 2, failed: 1, scenarios: ['daemon-dead', 'db-corruption'], lastPassedAt: TODAY - 9 * DAY + 2 * HOUR, met: true });
    expect(monthly.met).toBe(true);
    const lapsed = auditSla(input({ gameDays: [{ at: TODAY - 40 * DAY, scenario: 'daemon-dead', passed: true }, { at: TODAY - 3 * DAY, scenario: 'stale-data', passed: false }] }));
    expect(lapsed.gameDays).toMatchObject({ count: 1, passed: 0, failed: 1, lastPassedAt: TODAY - 40 * DAY, met: false });
    expect(lapsed.met).toBe(false);
  });
});
