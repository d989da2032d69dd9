import { describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_LIMITER_CONFIG,
  WeightLimiter,
  block,
  initialLimiterState,
  ipCap,
  observeUsedWeightHeader,
  planAcquire,
  rollWindow,
  type GrantInfo,
  type LimiterConfig,
  type LimiterState,
} from '../../src/exchange/weight-limiter.js';

const W = 60_000;
const cfg: LimiterConfig = { ...DEFAULT_LIMITER_CONFIG };
const T0 = 1_000 * W; // a window boundary
const state = (patch: Partial<LimiterState> = {}): LimiterState => ({ ...initialLimiterState(T0, cfg), ...patch });

describe('limiter math', () => {
  it('defaults to 20% of the 2400 IP budget, 5% IP headroom, one-minute windows', () => {
    expect(DEFAULT_LIMITER_CONFIG).toEqual({ budget: 480, ipLimit: 2400, ipHeadroom: 0.05, windowMs: 60_000 });
    expect(ipCap(cfg)).toBe(2280);
    expect(ipCap({ ...cfg, ipLimit: 1000, ipHeadroom: 0.07 })).toBe(930);
  });

  it('aligns windows to multiples of windowMs', () => {
    expect(initialLimiterState(T0 + 12_345, cfg).windowStart).toBe(T0);
  });

  it('grants up to exactly the budget at once, and counts the weight on both counters and in the sliding window', () => {
    const plan = planAcquire(state({ usedByUs: 478, ipUsed: 478, recent: [{ at: T0, weight: 478 }] }), 2, T0 + 10, cfg);
    expect(plan).toEqual({ grant: { windowStart: T0, usedByUs: 480, ipUsed: 480, blockedUntil: 0, recent: [{ at: T0, weight: 478 }, { at: T0 + 10, weight: 2 }] } });
  });

  it('one weight past the budget waits until the oldest grants have left the last 60 s', () => {
    const s = state({ usedByUs: 479, ipUsed: 479, recent: [{ at: T0 + 1_000, weight: 400 }, { at: T0 + 5_000, weight: 79 }] });
    expect(planAcquire(s, 2, T0 + 10_000, cfg)).toEqual({ waitMs: W + 1_000 - 10_000 });
    expect(planAcquire(s, 2, T0 + W + 1_000, cfg)).toMatchObject({ grant: { recent: [{ at: T0 + 5_000, weight: 79 }, { at: T0 + W + 1_000, weight: 2 }] } });
  });

  it('never hands out a second budget across the minute boundary: the budget holds over any 60 s', () => {
    const full = state({ usedByUs: 480, ipUsed: 2000, recent: [{ at: T0 + W - 100, weight: 480 }] });
    expect(planAcquire(full, 5, T0 + W, cfg)).toEqual({ waitMs: W - 100 });
    // The IP counter is the exchange's, per aligned minute: a new minute starts it afresh.
    expect(planAcquire(full, 5, T0 + 2 * W - 100, cfg)).toMatchObject({ grant: { windowStart: T0 + W, usedByUs: 5, ipUsed: 5 } });
  });

  it('spends a budget at once, and no 60 s ever carries more than it (a day of grants)', () => {
    let s = state();
    let now = T0;
    const grants: { at: number; weight: number }[] = [];
    while (now < T0 + 30 * W) {
      const weight = 1 + (grants.length % 10);
      const plan = planAcquire(s, weight, now, cfg);
      if ('waitMs' in plan) { now += plan.waitMs; continue; }
      s = plan.grant;
      grants.push({ at: now, weight });
      now += 7;
    }
    // The first budget goes out within the first second.
    expect(grants.filter((g) => g.at < T0 + 1_000).reduce((a, g) => a + g.weight, 0)).toBeGreaterThan(cfg.budget - 10);
    for (const g of grants) {
      const inWindow = grants.filter((h) => h.at >= g.at && h.at < g.at + W).reduce((a, h) => a + h.weight, 0);
      expect(inWindow).toBeLessThanOrEqual(cfg.budget);
    }
  });

  it('never rolls a window back when the clock steps back', () => {
    const s = state({ usedByUs: 100 });
    expect(rollWindow(s, T0 - 5 * W, cfg)).toBe(s);
  });

  it('waits for the next window when the header says the IP is nearly spent', () => {
    const s = observeUsedWeightHeader(state({ usedByUs: 10, ipUsed: 10 }), '2279', T0 + 5_000, cfg);
    expect(s.ipUsed).toBe(2279);
    expect(planAcquire(s, 1, T0 + 5_000, cfg)).toMatchObject({ grant: { ipUsed: 2280, usedByUs: 11 } });
    expect(planAcquire(s, 2, T0 + 5_000, cfg)).toEqual({ waitMs: W - 5_000 });
  });

  it('keeps its own count when the header lags behind requests still in flight', () => {
    const s = state({ usedByUs: 50, ipUsed: 50 });
    expect(observeUsedWeightHeader(s, '30', T0 + 1, cfg)).toBe(s);
  });

  it('ignores a missing or unreadable header', () => {
    const s = state({ ipUsed: 7 });
    for (const value of [undefined, null, '', 'lots', '-1']) expect(observeUsedWeightHeader(s, value, T0 + 1, cfg)).toBe(s);
  });

  it('applies a header seen in a new window to the new window', () => {
    const s = observeUsedWeightHeader(state({ usedByUs: 400, ipUsed: 2000 }), 12, T0 + W + 3, cfg);
    expect(s).toEqual({ windowStart: T0 + W, usedByUs: 0, ipUsed: 12, blockedUntil: 0, recent: [] });
  });

  it('grants nothing while blocked, even with budget left, and the block outlives window changes', () => {
    const s = block(state(), T0 + W + 30_000);
    expect(planAcquire(s, 1, T0 + 100, cfg)).toEqual({ waitMs: W + 29_900 });
    expect(planAcquire(s, 1, T0 + W + 29_999, cfg)).toEqual({ waitMs: 1 });
    expect(planAcquire(s, 1, T0 + W + 30_000, cfg)).toMatchObject({ grant: { windowStart: T0 + W, usedByUs: 1 } });
  });

  it('never lets a shorter block cut a longer one', () => {
    const s = block(state(), T0 + 5_000);
    expect(block(s, T0 + 1_000)).toBe(s);
    expect(block(s, T0 + 9_000).blockedUntil).toBe(T0 + 9_000);
  });

  it('refuses a weight no window could ever grant', () => {
    expect(() => planAcquire(state(), 481, T0, cfg)).toThrow(RangeError);
    expect(() => planAcquire(state(), 0, T0, { ...cfg })).toThrow(RangeError);
    expect(() => planAcquire(state(), 96, T0, { ...cfg, budget: 500, ipLimit: 100 })).toThrow(/IP cap 95/);
  });
});

/** Grants bucketed by the window the limiter granted them in. */
function weightPerWindow(grants: GrantInfo[]): Map<number, number> {
  const per = new Map<number, number>();
  for (const g of grants) per.set(g.windowStart, (per.get(g.windowStart) ?? 0) + g.weight);
  return per;
}

describe('WeightLimiter', () => {
  it('never grants concurrent callers more than the budget per window, in arrival order', async () => {
    const grants: GrantInfo[] = [];
    const limiter = new WeightLimiter({ budget: 10, windowMs: 100, onGrant: (g) => grants.push(g) });
    const weights = Array.from({ length: 30 }, (_, i) => (i % 3) + 1); // 60 weight: at least 6 windows
    const order: number[] = [];
    await Promise.all(weights.map((w, i) => limiter.acquire(w).then(() => order.push(i))));

    expect(order).toEqual(weights.map((_, i) => i));
    expect(grants.map((g) => g.weight)).toEqual(weights);
    const per = weightPerWindow(grants);
    expect(per.size).toBeGreaterThanOrEqual(6);
    for (const used of per.values()) expect(used).toBeLessThanOrEqual(10);
    expect(limiter.stats()).toMatchObject({ queued: 0, granted: 30, grantedWeight: 60 });
    expect(limiter.stats().waited).toBeGreaterThan(0);
  });

  it('serves a late caller behind the ones already waiting', async () => {
    const order: string[] = [];
    const limiter = new WeightLimiter({ budget: 3, windowMs: 100 });
    const first = [limiter.acquire(3).then(() => order.push('a')), limiter.acquire(3).then(() => order.push('b'))];
    // 'c' would fit the budget of the window 'b' waits for, but must not overtake 'b'.
    const late = limiter.acquire(1).then(() => order.push('c'));
    await Promise.all([...first, late]);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('pauses every caller, queued or new, until a block ends', async () => {
    const grants: GrantInfo[] = [];
    const limiter = new WeightLimiter({ budget: 3, windowMs: 100, onGrant: (g) => grants.push(g) });
    await limiter.acquire(3); // this window is spent: the next two queue for the next one
    const queued = [limiter.acquire(1), limiter.acquire(2)];
    expect(limiter.stats().queued).toBe(2);
    const until = Date.now() + 250; // beyond the next window
    limiter.blockUntil(until);
    const late = limiter.acquire(1);
    await Promise.all([...queued, late]);
    expect(grants).toHaveLength(4);
    for (const g of grants.slice(1)) expect(g.at).toBeGreaterThanOrEqual(until);
    expect(limiter.stats().blockedUntil).toBe(until);
  });

  it('blocks callers that arrive during a block', async () => {
    const grants: GrantInfo[] = [];
    const limiter = new WeightLimiter({ budget: 100, windowMs: 1000, onGrant: (g) => grants.push(g) });
    const until = Date.now() + 120;
    limiter.blockUntil(until);
    await Promise.all([limiter.acquire(1), limiter.acquire(1), limiter.acquire(1)]);
    expect(grants).toHaveLength(3);
    for (const g of grants) expect(g.at).toBeGreaterThanOrEqual(until);
  });

  it('waits for the next window once the IP is reported nearly spent', async () => {
    const grants: GrantInfo[] = [];
    const limiter = new WeightLimiter({ budget: 50, ipLimit: 100, ipHeadroom: 0.05, windowMs: 200, onGrant: (g) => grants.push(g) });
    let observedIn: number;
    do {
      await limiter.acquire(1);
      limiter.observe('94');
      observedIn = limiter.stats().windowStart;
    } while (limiter.stats().ipUsed < 94); // a window boundary fell in between: observe again
    await limiter.acquire(2);
    expect(grants.at(-1)!.windowStart).toBeGreaterThan(observedIn);
  });

  it('rejects a weight that could never be granted instead of hanging', async () => {
    const limiter = new WeightLimiter({ budget: 5, windowMs: 100 });
    await expect(limiter.acquire(6)).rejects.toThrow(RangeError);
    expect(limiter.stats().queued).toBe(0);
  });

  it('holds no timer once nobody waits, so an idle limiter never keeps the process alive', async () => {
    vi.useFakeTimers({ now: T0 });
    try {
      const limiter = new WeightLimiter({ budget: 2, windowMs: 100 });
      await limiter.acquire(2);
      expect(vi.getTimerCount()).toBe(0);
      const waiting = limiter.acquire(2);
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(100);
      await waiting;
      expect(limiter.stats()).toMatchObject({ queued: 0, windowStart: T0 + 100 });
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('uses an injected clock', async () => {
    let now = T0 + 10;
    const limiter = new WeightLimiter({ budget: 4, windowMs: W, now: () => now });
    await limiter.acquire(4);
    expect(limiter.stats()).toMatchObject({ windowStart: T0, usedByUs: 4 });
    expect(limiter.nextWindowStart()).toBe(T0 + W);
    now = T0 + W + 10;
    await limiter.acquire(4);
    expect(limiter.stats()).toMatchObject({ windowStart: T0 + W, usedByUs: 4, waited: 0 });
  });

  it('rejects a config that cannot work', () => {
    expect(() => new WeightLimiter({ budget: 0 })).toThrow(RangeError);
    expect(() => new WeightLimiter({ ipHeadroom: 1 })).toThrow(RangeError);
    expect(new WeightLimiter({ budget: undefined }).config.budget).toBe(480);
  });
});
