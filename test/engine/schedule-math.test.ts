import { describe, expect, it } from 'vitest';
import { catchUpSlot, latestSlot, nextSlot, validateCron } from '../../src/engine/schedule-math.js';

const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;
const DAILY = '30 0 * * *';

describe('nextSlot / latestSlot', () => {
  it('works in UTC, strictly after for next and inclusive for latest', () => {
    expect(nextSlot(DAILY, at('2025-01-01T00:00:00Z'))).toBe(at('2025-01-01T00:30:00Z'));
    expect(nextSlot(DAILY, at('2025-01-01T00:30:00Z'))).toBe(at('2025-01-02T00:30:00Z'));
    expect(latestSlot(DAILY, at('2025-01-01T00:30:00Z'))).toBe(at('2025-01-01T00:30:00Z'));
    expect(latestSlot(DAILY, at('2025-01-01T00:29:59.999Z'))).toBe(at('2024-12-31T00:30:00Z'));
    expect(latestSlot(DAILY, at('2025-01-01T13:00:00Z'))).toBe(at('2025-01-01T00:30:00Z'));
  });

  it('handles 6-field expressions with seconds', () => {
    expect(nextSlot('*/1 * * * * *', at('2025-01-01T00:00:00.500Z'))).toBe(at('2025-01-01T00:00:01Z'));
    expect(latestSlot('*/1 * * * * *', at('2025-01-01T00:00:00.500Z'))).toBe(at('2025-01-01T00:00:00Z'));
    expect(latestSlot('*/15 * * * * *', at('2025-01-01T00:00:14.999Z'))).toBe(at('2025-01-01T00:00:00Z'));
  });
});

describe('validateCron', () => {
  it('accepts 5 and 6 fields', () => {
    expect(() => validateCron(DAILY)).not.toThrow();
    expect(() => validateCron('*/1 * * * * *')).not.toThrow();
  });

  it.each(['bogus', '61 * * * *', '* * *', '', '* * * * * * *', '30 0 31 2 *'])('rejects %j naming it', (expr) => {
    expect(() => validateCron(expr)).toThrow(`invalid cron expression "${expr}"`);
  });
});

describe('catchUpSlot', () => {
  const window = 6 * HOUR;

  it('makes up a missed slot within the window', () => {
    const slot = catchUpSlot({ cron: DAILY, lastSlot: at('2024-12-31T00:30:00Z'), now: at('2025-01-01T03:00:00Z'), windowMs: window });
    expect(slot).toBe(at('2025-01-01T00:30:00Z'));
  });

  it('drops a slot older than the window', () => {
    expect(catchUpSlot({ cron: DAILY, lastSlot: at('2024-12-31T00:30:00Z'), now: at('2025-01-01T07:00:00Z'), windowMs: window })).toBeNull();
  });

  it('does nothing when the newest slot was already claimed', () => {
    expect(catchUpSlot({ cron: DAILY, lastSlot: at('2025-01-01T00:30:00Z'), now: at('2025-01-01T03:00:00Z'), windowMs: window })).toBeNull();
  });

  it('treats a job never run as missing its newest slot', () => {
    expect(catchUpSlot({ cron: DAILY, lastSlot: null, now: at('2025-01-01T01:00:00Z'), windowMs: window })).toBe(at('2025-01-01T00:30:00Z'));
  });

  it('gives one slot, the newest, after a 3-day clock jump, and none on asking again', () => {
    const lastSlot = at('2025-01-01T00:30:00Z');
    const now = at('2025-01-04T02:00:00Z');
    const slot = catchUpSlot({ cron: DAILY, lastSlot, now, windowMs: window });
    expect(slot).toBe(at('2025-01-04T00:30:00Z'));
    // Once claimed, the same clock gives nothing more: the two skipped days are not replayed.
    expect(catchUpSlot({ cron: DAILY, lastSlot: slot, now, windowMs: window })).toBeNull();
    // Even with an unbounded window, a jump is one slot.
    expect(catchUpSlot({ cron: '*/1 * * * * *', lastSlot, now, windowMs: Number.MAX_SAFE_INTEGER })).toBe(now);
  });

  it('does nothing when the clock went backwards behind the claimed slot', () => {
    expect(catchUpSlot({ cron: DAILY, lastSlot: at('2025-01-04T00:30:00Z'), now: at('2025-01-02T03:00:00Z'), windowMs: window })).toBeNull();
  });
});
