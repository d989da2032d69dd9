import { describe, expect, it } from 'vitest';
import { moveRow, windowStart } from '../../src/console/list-nav.js';

describe('moving through a list', () => {
  it('j/k a row, PgDn/PgUp a page (keeping a row of context), g/G to the ends, never outside the list', () => {
    expect(moveRow(0, 'down', 50, 10)).toBe(1);
    expect(moveRow(0, 'up', 50, 10)).toBe(0);
    expect(moveRow(0, 'page-down', 50, 10)).toBe(9);
    expect(moveRow(45, 'page-down', 50, 10)).toBe(49);
    expect(moveRow(20, 'page-up', 50, 10)).toBe(11);
    expect(moveRow(3, 'page-up', 50, 10)).toBe(0);
    expect(moveRow(20, 'top', 50, 10)).toBe(0);
    expect(moveRow(20, 'bottom', 50, 10)).toBe(49);
  });

  it('an empty list or a page of one row', () => {
    expect(moveRow(5, 'bottom', 0, 10)).toBe(0);
    expect(moveRow(5, 'page-down', 8, 1)).toBe(6);
  });
});

describe('the window over a list', () => {
  it('keeps the selected row on screen, near the middle, within the list', () => {
    expect(windowStart(50, 0, 10)).toBe(0);
    expect(windowStart(50, 20, 10)).toBe(15);
    expect(windowStart(50, 49, 10)).toBe(40);
    expect(windowStart(5, 4, 10)).toBe(0);
  });
});
