import { describe, expect, it } from 'vitest';
import { exponentialBackoffMs } from '../../src/common/backoff.js';

describe('exponentialBackoffMs', () => {
  it('backs off exponentially up to a ceiling', () => {
    expect([1, 2, 3, 4, 10].map((a) => exponentialBackoffMs(a, 1000, 5000))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('waits the base for a first (or nonsensical zeroth) attempt', () => {
    expect(exponentialBackoffMs(1, 5000, 300_000)).toBe(5000);
    expect(exponentialBackoffMs(0, 5000, 300_000)).toBe(5000);
  });

  it('keeps the cap exact for huge attempt counts', () => {
    expect(exponentialBackoffMs(10_000, 5000, 300_000)).toBe(300_000);
    expect(exponentialBackoffMs(Number.MAX_SAFE_INTEGER, 1, 7)).toBe(7);
  });
});
