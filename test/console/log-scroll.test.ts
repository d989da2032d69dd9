import { describe, expect, it } from 'vitest';
import { displayRows, followTail, logWindow, moveLog } from '../../src/console/log-scroll.js';

const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`);

describe('log scroll', () => {
  it('follows the tail by default, and new lines show', () => {
    expect(logWindow(lines, followTail, 10, 80).rows.at(-1)).toBe('line 49');
    expect(logWindow([...lines, 'line 50'], followTail, 10, 80).rows.at(-1)).toBe('line 50');
  });

  it('k, PgUp and g scroll back and pin the window; G follows again', () => {
    let s = moveLog(followTail, 'up', 50, 10);
    expect(logWindow(lines, s, 10, 80).rows).toEqual(lines.slice(39, 49));
    // A new line does not move a pinned window.
    expect(logWindow([...lines, 'line 50'], s, 10, 80).rows).toEqual(lines.slice(39, 49));
    s = moveLog(s, 'page-up', 50, 10);
    expect(logWindow(lines, s, 10, 80).first).toBe(30);
    s = moveLog(s, 'top', 50, 10);
    expect(logWindow(lines, s, 10, 80).rows[0]).toBe('line 0');
    s = moveLog(s, 'up', 50, 10);
    expect(s.top).toBe(0);
    s = moveLog(s, 'page-down', 50, 10);
    expect(logWindow(lines, s, 10, 80).first).toBe(9);
    s = moveLog(s, 'bottom', 50, 10);
    expect(s.top).toBeNull();
    // Scrolling down to the end follows again.
    expect(moveLog({ top: 39, wrap: false }, 'down', 50, 10).top).toBeNull();
  });

  it('w wraps long lines onto rows of the window width instead of cutting them', () => {
    const long = `2026-11-30T17:00:00.000Z ${'x'.repeat(30)} END`;
    expect(displayRows([long], false, 20)).toEqual([long]);
    const wrapped = displayRows([long], true, 20);
    expect(wrapped.length).toBe(Math.ceil(long.length / 20));
    expect(wrapped.join('')).toBe(long);
    expect(moveLog(followTail, 'wrap', 1, 10)).toEqual({ top: null, wrap: true });
  });

  it('a log shorter than the window shows whole from its first line', () => {
    const s = moveLog(followTail, 'up', 3, 10);
    expect(logWindow(lines.slice(0, 3), s, 10, 80).rows).toEqual(lines.slice(0, 3));
  });
});
