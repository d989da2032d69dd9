import { describe, expect, it } from 'vitest';
import { dayBefore, mergeVintages, OPEN_END, parseFredValue, type Vintage } from '../../src/sentiment/fred-vintages.js';

const v = (obsDate: string, realtimeStart: string, realtimeEnd: string, value: number | null): Vintage => ({ obsDate, realtimeStart, realtimeEnd, value });

describe('mergeVintages', () => {
  it('stores new versions and changes nothing when the same answer comes again', () => {
    const first = [v('2026-03-01', '2026-04-10', OPEN_END, 1.0), v('2026-04-01', '2026-05-12', OPEN_END, null)];
    const m = mergeVintages([], first);
    expect(m.inserts).toEqual(first);
    expect(mergeVintages(first, first)).toEqual({ inserts: [], updates: [] });
  });

  it('takes a version whose start FRED clipped to the window for the version already stored', () => {
    const stored = [v('2026-03-01', '2026-04-10', OPEN_END, 1.0)];
    expect(mergeVintages(stored, [v('2026-03-01', '2026-05-01', OPEN_END, 1.0)])).toEqual({ inserts: [], updates: [] });
  });

  it('a revision closes the old version the day before and opens the new one', () => {
    const stored = [v('2026-03-01', '2026-04-10', OPEN_END, 1.0)];
    const m = mergeVintages(stored, [v('2026-03-01', '2026-05-01', '2026-05-14', 1.0), v('2026-03-01', '2026-05-15', OPEN_END, 1.1)]);
    expect(m.updates).toEqual([v('2026-03-01', '2026-04-10', '2026-05-14', 1.0)]);
    expect(m.inserts).toEqual([v('2026-03-01', '2026-05-15', OPEN_END, 1.1)]);
    // Seen only as the new version (the window started after the revision): the old one is closed all the same.
    const later = mergeVintages(stored, [v('2026-03-01', '2026-06-01', OPEN_END, 1.1)]);
    expect(later.updates).toEqual([v('2026-03-01', '2026-04-10', '2026-05-31', 1.0)]);
    expect(later.inserts).toEqual([v('2026-03-01', '2026-06-01', OPEN_END, 1.1)]);
  });

  it('treats "." as a value of its own (NULL)', () => {
    expect(parseFredValue('.')).toBeNull();
    expect(parseFredValue('4.33')).toBe(4.33);
    expect(parseFredValue('n/a')).toBeUndefined();
    const stored = [v('2026-03-02', '2026-03-03', OPEN_END, null)];
    expect(mergeVintages(stored, [v('2026-03-02', '2026-03-05', OPEN_END, null)])).toEqual({ inserts: [], updates: [] });
    expect(mergeVintages(stored, [v('2026-03-02', '2026-03-05', OPEN_END, 4.3)]).inserts).toHaveLength(1);
  });

  it('dayBefore crosses months and refuses a bad date', () => {
    expect(dayBefore('2026-03-01')).toBe('2026-02-28');
    expect(() => dayBefore('March')).toThrow(/YYYY-MM-DD/);
  });
});
