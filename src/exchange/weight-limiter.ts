/**
 * Keeps this process under its share of the exchange's request-weight budget, and stops every
 * request of the process while the exchange has asked us to back off (429) or banned us (418).
 *
 * The budget is spent at once while it lasts, never paced: a daily increment that fits one
 * minute's budget goes out as fast as the connections allow. It holds over any `windowMs` (a
 * sliding window over our own grants), so no 60 s ever carries more than the budget, also across
 * the exchange's minute boundary. The IP's use (ours plus X-MBX-USED-WEIGHT-1M) is counted per
 * aligned window, as the exchange counts it.
 *
 * The pure core (`planAcquire`, `observeUsedWeightHeader`, `block`) is plain functions over a
 * state value; `WeightLimiter` wraps it with a FIFO queue and one timer for concurrent callers.
 */

export interface LimiterConfig {
  /** Weight this process may use per window. */
  budget: number;
  /** Weight the whole IP may use per window (the exchange's limit). */
  ipLimit: number;
  /** Fraction of `ipLimit` left free for the other users of the IP (the live trader). */
  ipHeadroom: number;
  /** Window length; windows are aligned to multiples of it, as the exchange's minutes are. */
  windowMs: number;
}

/** 480 = 20% of the IP's 2400 per minute; the rest belongs to the live trader on the same IP. */
export const DEFAULT_LIMITER_CONFIG: LimiterConfig = {
  budget: 480,
  ipLimit: 2400,
  ipHeadroom: 0.05,
  windowMs: 60_000,
};

export interface LimiterState {
  windowStart: number;
  /** Weight granted to this process in the current window. */
  usedByUs: number;
  /** Best estimate of the IP's use in the current window: ours plus what X-MBX-USED-WEIGHT-1M reports. */
  ipUsed: number;
  /** No grant before this time (a 429's Retry-After or a 418 ban). */
  blockedUntil: number;
  /** Our grants of the last `windowMs`, oldest first: the sliding window the budget holds over. */
  recent: readonly { at: number; weight: number }[];
}

export type AcquirePlan = { waitMs: number } | { grant: LimiterState };

export function windowStartOf(time: number, windowMs: number): number {
  return Math.floor(time / windowMs) * windowMs;
}

export function initialLimiterState(now: number, cfg: LimiterConfig = DEFAULT_LIMITER_CONFIG): LimiterState {
  return { windowStart: windowStartOf(now, cfg.windowMs), usedByUs: 0, ipUsed: 0, blockedUntil: 0, recent: [] };
}

/** The most weight the IP may reach before we stop sending. */
export function ipCap(cfg: LimiterConfig): number {
  // The epsilon keeps e.g. 1000 * (1 - 0.07) = 929.9999999999999 at 930.
  return Math.floor(cfg.ipLimit * (1 - cfg.ipHeadroom) + 1e-9);
}

/** The state as of `now`: counters reset when a new window has begun. */
export function rollWindow(state: LimiterState, now: number, cfg: LimiterConfig): LimiterState {
  const windowStart = windowStartOf(now, cfg.windowMs);
  // Only forward: a clock stepping back must not hand out a fresh budget.
  if (windowStart <= state.windowStart) return state;
  return { windowStart, usedByUs: 0, ipUsed: 0, blockedUntil: state.blockedUntil, recent: state.recent };
}

/** Our weight granted in the `windowMs` ending at `now` (grants at or before now - windowMs have left it). */
export function slidingUsed(state: LimiterState, now: number, cfg: LimiterConfig): number {
  let used = 0;
  for (const g of state.recent) if (g.at > now - cfg.windowMs) used += g.weight;
  return used;
}

/** How long until `weight` more fits the sliding budget: when enough of the oldest grants have left it. */
function slideWaitMs(state: LimiterState, weight: number, now: number, cfg: LimiterConfig): number {
  const live = state.recent.filter((g) => g.at > now - cfg.windowMs);
  let used = live.reduce((sum, g) => sum + g.weight, 0);
  for (const g of live) {
    if (used + weight <= cfg.budget) break;
    used -= g.weight;
    if (used + weight <= cfg.budget) return g.at + cfg.windowMs - now;
  }
  return 0;
}

/**
 * Grant `weight` now, or say how long to wait before asking again. Throws RangeError for a weight
 * that no window could ever grant, since waiting for it would hang forever.
 */
export function planAcquire(state: LimiterState, weight: number, now: number, cfg: LimiterConfig): AcquirePlan {
  const cap = ipCap(cfg);
  if (!(weight > 0) || weight > cfg.budget || weight > cap) {
    throw new RangeError(`request weight ${weight} can never fit the limiter (budget ${cfg.budget} per window, IP cap ${cap})`);
  }
  const s = rollWindow(state, now, cfg);
  if (now < s.blockedUntil) return { waitMs: s.blockedUntil - now };
  if (s.ipUsed + weight > cap) return { waitMs: s.windowStart + cfg.windowMs - now };
  if (slidingUsed(s, now, cfg) + weight > cfg.budget) return { waitMs: Math.max(1, slideWaitMs(s, weight, now, cfg)) };
  const recent = [...s.recent.filter((g) => g.at > now - cfg.windowMs), { at: now, weight }];
  return { grant: { ...s, usedByUs: s.usedByUs + weight, ipUsed: s.ipUsed + weight, recent } };
}

/**
 * Folds in X-MBX-USED-WEIGHT-1M (the IP's use in the exchange's current window, ours included).
 * The larger of it and our own count wins: requests still in flight are in ours but not yet in
 * the header, and a header that arrives just after a window boundary may still describe the
 * previous window; over-counting then costs at most one window's wait, under-counting could cost
 * the live trader its budget.
 */
export function observeUsedWeightHeader(
  state: LimiterState,
  headerValue: string | number | undefined | null,
  now: number,
  cfg: LimiterConfig,
): LimiterState {
  const used = typeof headerValue === 'number' ? headerValue : Number(headerValue?.trim() || NaN);
  if (!Number.isFinite(used) || used < 0) return state;
  const s = rollWindow(state, now, cfg);
  return used > s.ipUsed ? { ...s, ipUsed: used } : s;
}

/** No grant before `untilMs`; an earlier time never shortens a block already in force. */
export function block(state: LimiterState, untilMs: number): LimiterState {
  return untilMs > state.blockedUntil ? { ...state, blockedUntil: untilMs } : state;
}

export interface GrantInfo {
  weight: number;
  at: number;
  windowStart: number;
}

export interface WeightLimiterOptions extends Partial<LimiterConfig> {
  now?: () => number;
  /** Called synchronously for each grant (metrics, tests); must not throw. */
  onGrant?: (grant: GrantInfo) => void;
}

export interface WeightLimiterStats {
  windowStart: number;
  usedByUs: number;
  ipUsed: number;
  blockedUntil: number;
  /** Callers waiting now. */
  queued: number;
  /** Grants since the limiter was made. */
  granted: number;
  grantedWeight: number;
  /** Grants that had to wait (budget spent, IP nearly spent, or blocked). */
  waited: number;
}

interface Waiter {
  weight: number;
  resolve: () => void;
}

export class WeightLimiter {
  readonly config: LimiterConfig;
  readonly now: () => number;
  private state: LimiterState;
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly onGrant: ((grant: GrantInfo) => void) | undefined;
  private granted = 0;
  private grantedWeight = 0;
  private waited = 0;

  constructor(options: WeightLimiterOptions = {}) {
    const { now, onGrant, ...cfg } = options;
    this.config = { ...DEFAULT_LIMITER_CONFIG, ...definedOnly(cfg) };
    const { budget, ipLimit, ipHeadroom, windowMs } = this.config;
    if (!(budget > 0) || !(ipLimit > 0) || !(windowMs > 0) || !(ipHeadroom >= 0 && ipHeadroom < 1)) {
      throw new RangeError(`invalid weight limiter config ${JSON.stringify(this.config)}`);
    }
    this.now = now ?? Date.now;
    this.onGrant = onGrant;
    this.state = initialLimiterState(this.now(), this.config);
  }

  /**
   * Resolves when `weight` may be spent. Callers are served first come, first served, so a heavy
   * request is not starved by a stream of light ones.
   */
  acquire(weight: number): Promise<void> {
    // Validate before queueing: an impossible weight at the head would block everyone behind it.
    try {
      planAcquire(initialLimiterState(0, this.config), weight, 0, this.config);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<void>((resolve) => {
      const waiter: Waiter = { weight, resolve };
      this.queue.push(waiter);
      // Behind others it waits its turn; the armed timer serves the queue.
      if (this.queue.length === 1) this.pump();
      if (this.queue.includes(waiter)) this.waited++;
    });
  }

  /** Feed X-MBX-USED-WEIGHT-1M from any response. */
  observe(headerValue: string | number | undefined | null): void {
    this.state = observeUsedWeightHeader(this.state, headerValue, this.now(), this.config);
  }

  /** Stop every grant of this process until `untilMs` (429 Retry-After, 418 ban end). */
  blockUntil(untilMs: number): void {
    this.state = block(this.state, untilMs);
    // The armed timer may fire before the block ends; pump() then re-plans and re-arms, so
    // nothing needs rescheduling here.
  }

  /** Start of the window after the current one: when a 429 without Retry-After may try again. */
  nextWindowStart(): number {
    return windowStartOf(this.now(), this.config.windowMs) + this.config.windowMs;
  }

  stats(): WeightLimiterStats {
    const s = rollWindow(this.state, this.now(), this.config);
    return {
      windowStart: s.windowStart,
      usedByUs: s.usedByUs,
      ipUsed: s.ipUsed,
      blockedUntil: s.blockedUntil,
      queued: this.queue.length,
      granted: this.granted,
      grantedWeight: this.grantedWeight,
      waited: this.waited,
    };
  }

  private pump(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (let head = this.queue[0]; head !== undefined; head = this.queue[0]) {
      const now = this.now();
      const plan = planAcquire(this.state, head.weight, now, this.config);
      if ('waitMs' in plan) {
        // Left referenced on purpose: while someone waits, the process has work pending, and an
        // unref'd timer would let a CLI run exit with its sync half done. With nobody waiting
        // there is no timer at all, so an idle limiter never holds the event loop open.
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, Math.max(1, Math.ceil(plan.waitMs)));
        return;
      }
      this.state = plan.grant;
      this.queue.shift();
      this.granted++;
      this.grantedWeight += head.weight;
      this.onGrant?.({ weight: head.weight, at: now, windowStart: plan.grant.windowStart });
      head.resolve();
    }
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
