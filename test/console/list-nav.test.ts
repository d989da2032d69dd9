import { describe, expect, it } from 'vitest';
import { moveRow } from '../../src/console/list-nav.js';

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
