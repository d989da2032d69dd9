import { describe, expect, it } from 'vitest';
import {
  admit, initialWeightState, klinesWeight, type Admission, type WeightPolicy, type WeightState,
} from '../../../src/exchange/simulator/weight-accounting.js';

const policy: WeightPolicy = { windowMs: 60_000, limit: 10, banAfter429s: 2, banGraceMs: 0, banMs: 120_000 };

function run(steps: Array<[now: number, weight: number]>, external = 0): Admission[] {
  let s: WeightState = initialWeightState();
  return steps.map(([now, weight]) => {
    const r = admit(s, policy, now, weight, external);
    s = r.state;
    return r.admission;
  });
}

describe('klinesWeight', () => {
  it('follows Binance limit brackets', () => {
    expect([1, 99, 100, 499, 500, 1000, 1001, 1500].map(klinesWeight)).toEqual([1, 1, 2, 2, 5, 5, 10, 10]);
  });
});

describe('admit', () => {
  it('charges weight per fixed window and resets at the boundary', () => {
    const out = run([[60_000, 4], [60_500, 4], [119_999, 2], [120_000, 3]]);
    expect(out).toEqual([
      { kind: 'ok', used: 4 }, { kind: 'ok', used: 8 }, { kind: 'ok', used: 10 }, { kind: 'ok', used: 3 },
    ]);
  });

  it('refuses what would go over the limit, with whole seconds to the window end', () => {
    const out = run([[60_000, 9], [100_200, 2], [119_950, 2]]);
    expect(out[1]).toEqual({ kind: 'rate-limited', used: 9, retryAfterSec: 20 });
    // Under a second left still says 1, never 0.
    expect(out[2]).toEqual({ kind: 'rate-limited', used: 9, retryAfterSec: 1 });
  });

  it('bans a client that keeps sending after a 429, then lets it back', () => {
    const out = run([[0, 10], [1, 1], [2, 1], [3, 1], [4, 1], [5, 1], [120_003, 1], [120_004, 1]]);
    expect(out.map((a) => a.kind)).toEqual(['ok', 'rate-limited', 'rate-limited', 'rate-limited', 'banned', 'banned', 'banned', 'ok']);
    expect(out[4]).toEqual({ kind: 'banned', bannedUntil: 120_004, retryAfterSec: 120 });
    expect(out[6]).toMatchObject({ retryAfterSec: 1 });
  });

  it('does not count requests that were in flight when the first 429 went out', () => {
    const graced: WeightPolicy = { ...policy, banGraceMs: 200 };
    let s = initialWeightState();
    const kinds: string[] = [];
    for (const [now, weight] of [[0, 10], [1, 1], [50, 1], [100, 1], [150, 1], [199, 1], [250, 1], [260, 1], [270, 1]] as const) {
      const a = admit(s, graced, now, weight);
      s = a.state;
      kinds.push(a.admission.kind);
    }
    // Five requests inside the grace are tolerated; the third after it breaks banAfter429s (2).
    expect(kinds).toEqual(['ok', 'rate-limited', 'rate-limited', 'rate-limited', 'rate-limited', 'rate-limited', 'rate-limited', 'rate-limited', 'banned']);
  });

  it('counts weight used by another client on the IP', () => {
    const out = run([[0, 3], [1, 1]], 7);
    expect(out).toEqual([{ kind: 'ok', used: 10 }, { kind: 'rate-limited', used: 10, retryAfterSec: 60 }]);
    let s = initialWeightState();
    const perWindow = (start: number): number => (start === 0 ? 10 : 0);
    const a = admit(s, policy, 5, 1, perWindow);
    s = a.state;
    expect(a.admission.kind).toBe('rate-limited');
    expect(admit(s, policy, 60_000, 1, perWindow).admission).toEqual({ kind: 'ok', used: 1 });
  });
});
