/**
 * Binance's request-weight limit as plain values and functions: fixed windows aligned to the
 * simulator clock, 429 when a request would go over the limit, and a 418 ban for a client that
 * keeps sending after being told to stop.
 */

export interface WeightPolicy {
  windowMs: number;
  limit: number;
  /** Requests tolerated after the first 429 of a window (and its grace) before the IP is banned. */
  banAfter429s: number;
  /**
   * Requests already in flight when the first 429 was sent are not a client ignoring it: only
   * those arriving this long after it count towards the ban.
   */
  banGraceMs: number;
  banMs: number;
}

export const DEFAULT_WEIGHT_POLICY: WeightPolicy = Object.freeze({
  windowMs: 60_000,
  limit: 2400,
  banAfter429s: 5,
  banGraceMs: 200,
  banMs: 120_000,
});

/**
 * Weight some other client on the same IP (the live trader) has used in a window: a constant,
 * or a function of the window's start time.
 */
export type ExternalWeight = number | ((windowStart: number) => number);

export interface WeightState {
  windowStart: number;
  /** Weight this client was charged in the current window. */
  used: number;
  /** Requests received in the current window since its first 429 and grace, or -1 before any 429. */
  sinceFirst429: number;
  /** When the window's first 429 was sent. */
  first429At: number;
  bannedUntil: number;
}

export type Admission =
  | { kind: 'ok'; used: number }
  | { kind: 'rate-limited'; used: number; retryAfterSec: number }
  | { kind: 'banned'; bannedUntil: number; retryAfterSec: number };

export function initialWeightState(): WeightState {
  return { windowStart: Number.NEGATIVE_INFINITY, used: 0, sinceFirst429: -1, first429At: 0, bannedUntil: 0 };
}

/** Binance's klines weight by `limit`: [1,100) 1, [100,500) 2, [500,1000] 5, above 10. */
export function klinesWeight(limit: number): number {
  if (limit < 100) return 1;
  if (limit < 500) return 2;
  if (limit <= 1000) return 5;
  return 10;
}

export function windowStartOf(now: number, windowMs: number): number {
  return Math.floor(now / windowMs) * windowMs;
}

/** Retry-After is whole seconds; a client told "0" would hammer the server. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export function externalWeightAt(external: ExternalWeight | undefined, windowStart: number): number {
  if (external === undefined) return 0;
  const w = typeof external === 'number' ? external : external(windowStart);
  return Number.isFinite(w) && w > 0 ? w : 0;
}

function rollWindow(state: WeightState, policy: WeightPolicy, now: number): WeightState {
  const windowStart = windowStartOf(now, policy.windowMs);
  if (windowStart === state.windowStart) return state;
  return { ...state, windowStart, used: 0, sinceFirst429: -1 };
}

/** Weight used on the IP in the window containing `now` (this client plus the external one). */
export function usedWeight(state: WeightState, policy: WeightPolicy, now: number, external?: ExternalWeight): number {
  const s = rollWindow(state, policy, now);
  return s.used + externalWeightAt(external, s.windowStart);
}

/**
 * Decides one request of `weight` at `now`. A ban answers everything with 418; past the limit
 * the request is refused with 429 and not charged; every request arriving after the first 429
 * of the window and its grace counts towards the ban, whether or not it would fit.
 */
export function admit(
  state: WeightState,
  policy: WeightPolicy,
  now: number,
  weight: number,
  external?: ExternalWeight,
): { state: WeightState; admission: Admission } {
  if (now < state.bannedUntil) {
    return {
      state,
      admission: { kind: 'banned', bannedUntil: state.bannedUntil, retryAfterSec: retryAfterSeconds(state.bannedUntil - now) },
    };
  }
  let s = rollWindow(state, policy, now);
  const ext = externalWeightAt(external, s.windowStart);
  if (s.sinceFirst429 >= 0 && now - s.first429At >= policy.banGraceMs) {
    const sinceFirst429 = s.sinceFirst429 + 1;
    if (sinceFirst429 > policy.banAfter429s) {
      return banned({ ...s, sinceFirst429 }, policy, now);
    }
    s = { ...s, sinceFirst429 };
  }
  if (s.used + ext + weight > policy.limit) {
    const next = s.sinceFirst429 < 0 ? { ...s, sinceFirst429: 0, first429At: now } : s;
    const windowEnd = s.windowStart + policy.windowMs;
    return {
      state: next,
      admission: { kind: 'rate-limited', used: s.used + ext, retryAfterSec: retryAfterSeconds(windowEnd - now) },
    };
  }
  const used = s.used + weight;
  return { state: { ...s, used }, admission: { kind: 'ok', used: used + ext } };
}

/** Bans the IP from `now` for the policy's ban time (also how a forced 418 fault is applied). */
export function banned(state: WeightState, policy: WeightPolicy, now: number): { state: WeightState; admission: Admission } {
  const bannedUntil = now + policy.banMs;
  return {
    state: { ...state, bannedUntil, sinceFirst429: -1 },
    admission: { kind: 'banned', bannedUntil, retryAfterSec: retryAfterSeconds(policy.banMs) },
  };
}

export function rateLimitedBody(limit: number): { code: number; msg: string } {
  return { code: -1003, msg: `Too many requests; current limit of IP is ${limit} requests per minute.` };
}

export function bannedBody(bannedUntil: number): { code: number; msg: string } {
  return { code: -1003, msg: `Way too many requests; IP banned until ${bannedUntil}.` };
}

export function validateWeightPolicy(policy: WeightPolicy): WeightPolicy {
  const positiveInt = (name: keyof WeightPolicy, min: number): void => {
    const v = policy[name];
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
  };
  positiveInt('windowMs', 1);
  positiveInt('limit', 1);
  positiveInt('banAfter429s', 0);
  positiveInt('banGraceMs', 0);
  positiveInt('banMs', 1);
  return policy;
}
