import { isInterval, type Interval } from '../intervals.js';

/**
 * Fault injection. Random faults come from a seeded PRNG drawn once per eligible request, so a
 * run with the same seed and the same request order sees the same faults; `failNext` queues
 * faults for tests that need one exact failure.
 */

/** Candles the exchange itself is missing: open times in [from, to) are never served. */
export interface Hole {
  symbol: string;
  interval: Interval;
  from: number;
  to: number;
}

export interface FaultConfig {
  /** Added before every response, on every endpoint. */
  latencyMs: number;
  /** Probabilities per eligible request; their sum must not exceed 1. */
  error5xx: number;
  reset: number;
  stall: number;
  truncate: number;
  malformed: number;
  seed: number;
  /** Which requests random and queued faults hit: klines only (default) or every endpoint. */
  endpoints: 'klines' | 'all';
  holes: Hole[];
}

/**
 * `429` answers one request with a rate-limit error while the budget still has room (the request
 * is charged its own weight as usual); `418` starts a real ban, so every request until it ends
 * is refused.
 */
/** Which requests a queued fault hits: klines, the `/futures/data` statistics, or any. */
export type FaultScope = 'klines' | 'futures-data' | 'all';

export type FaultKind = '5xx' | 'reset' | 'stall' | 'truncate' | 'malformed' | '429' | '418';

export const FAULT_KINDS: readonly FaultKind[] = ['5xx', 'reset', 'stall', 'truncate', 'malformed', '429', '418'];

export const NO_FAULTS: Readonly<FaultConfig> = Object.freeze({
  latencyMs: 0, error5xx: 0, reset: 0, stall: 0, truncate: 0, malformed: 0, seed: 1,
  endpoints: 'klines', holes: [],
});

const PROBABILITY_KEYS = ['error5xx', 'reset', 'stall', 'truncate', 'malformed'] as const;
type ProbabilityKey = (typeof PROBABILITY_KEYS)[number];
const KIND_OF: Record<ProbabilityKey, FaultKind> = {
  error5xx: '5xx', reset: 'reset', stall: 'stall', truncate: 'truncate', malformed: 'malformed',
};

export class FaultSpecError extends Error {
  override name = 'FaultSpecError';
}

/** mulberry32: tiny, fast, and fully determined by its 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Merges `partial` over `base` and checks the result; throws RangeError on a bad value. */
export function resolveFaults(partial: Partial<FaultConfig> = {}, base: FaultConfig = NO_FAULTS): FaultConfig {
  const merged: FaultConfig = { ...base, ...stripUndefined(partial) };
  merged.holes = [...(partial.holes ?? base.holes)].map(validateHole);
  if (!Number.isFinite(merged.latencyMs) || merged.latencyMs < 0) {
    throw new RangeError(`latencyMs must be a number >= 0, got ${merged.latencyMs}`);
  }
  let sum = 0;
  for (const key of PROBABILITY_KEYS) {
    const p = merged[key];
    if (!Number.isFinite(p) || p < 0 || p > 1) throw new RangeError(`${key} must be a probability in [0, 1], got ${p}`);
    sum += p;
  }
  if (sum > 1 + 1e-9) throw new RangeError(`fault probabilities add up to ${sum}, more than 1`);
  if (!Number.isInteger(merged.seed)) throw new RangeError(`seed must be an integer, got ${merged.seed}`);
  if (merged.endpoints !== 'klines' && merged.endpoints !== 'all') {
    throw new RangeError(`endpoints must be 'klines' or 'all', got ${String(merged.endpoints)}`);
  }
  return merged;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function validateHole(h: Hole): Hole {
  if (typeof h.symbol !== 'string' || h.symbol === '') throw new RangeError(`hole has no symbol: ${JSON.stringify(h)}`);
  if (!isInterval(h.interval)) throw new RangeError(`hole has an unknown interval: ${JSON.stringify(h)}`);
  if (!Number.isFinite(h.from) || !Number.isFinite(h.to) || h.to <= h.from) {
    throw new RangeError(`hole needs from < to (epoch ms): ${JSON.stringify(h)}`);
  }
  return { symbol: h.symbol, interval: h.interval, from: h.from, to: h.to };
}

/** What a fault spec may contain, for --help and error messages. */
export const FAULT_SPEC_HELP =
  'allowed: latency=<ms>, 5xx=<p>, reset=<p>, stall=<p>, truncate=<p>, malformed=<p> (p in [0,1]), ' +
  'seed=<int>, endpoints=klines|all, hole=<SYMBOL>:<INTERVAL>:<FROM>..<TO> (epoch ms or ISO 8601, TO exclusive)';

/**
 * Parses the CLI form, e.g. `latency=50,5xx=0.1,reset=0.05,stall=0.02,truncate=0.05,malformed=0.02,seed=7`.
 * An empty string or `none` means no faults. Unset keys keep their defaults.
 */
export function parseFaultSpec(spec: string): FaultConfig {
  const partial: Partial<FaultConfig> = {};
  const holes: Hole[] = [];
  const trimmed = spec.trim();
  if (trimmed === '' || trimmed === 'none') return resolveFaults({});
  for (const raw of trimmed.split(',')) {
    const token = raw.trim();
    if (token === '') continue;
    const eq = token.indexOf('=');
    const bad = (why: string): FaultSpecError => new FaultSpecError(`bad fault token '${token}': ${why}; ${FAULT_SPEC_HELP}`);
    if (eq <= 0) throw bad('expected key=value');
    const key = token.slice(0, eq).trim();
    const value = token.slice(eq + 1).trim();
    const probability = (): number => {
      const p = Number(value);
      if (value === '' || !Number.isFinite(p) || p < 0 || p > 1) throw bad(`'${value}' is not a probability in [0, 1]`);
      return p;
    };
    switch (key) {
      case 'latency': {
        const ms = Number(value.replace(/ms$/, ''));
        if (value === '' || !Number.isFinite(ms) || ms < 0) throw bad(`'${value}' is not a latency in ms >= 0`);
        partial.latencyMs = ms;
        break;
      }
      case '5xx': partial.error5xx = probability(); break;
      case 'reset': partial.reset = probability(); break;
      case 'stall': partial.stall = probability(); break;
      case 'truncate': partial.truncate = probability(); break;
      case 'malformed': partial.malformed = probability(); break;
      case 'seed': {
        const n = Number(value);
        if (value === '' || !Number.isInteger(n)) throw bad(`'${value}' is not an integer`);
        partial.seed = n;
        break;
      }
      case 'endpoints':
        if (value !== 'klines' && value !== 'all') throw bad(`'${value}' is neither 'klines' nor 'all'`);
        partial.endpoints = value;
        break;
      case 'hole':
        holes.push(parseHole(value, bad));
        break;
      default:
        throw bad(`unknown key '${key}'`);
    }
  }
  if (holes.length > 0) partial.holes = holes;
  try {
    return resolveFaults(partial);
  } catch (err) {
    throw new FaultSpecError(`bad fault spec '${spec}': ${(err as Error).message}; ${FAULT_SPEC_HELP}`);
  }
}

function parseHole(value: string, bad: (why: string) => FaultSpecError): Hole {
  const first = value.indexOf(':');
  const second = value.indexOf(':', first + 1);
  if (first <= 0 || second <= first) throw bad('a hole is SYMBOL:INTERVAL:FROM..TO');
  const symbol = value.slice(0, first);
  const interval = value.slice(first + 1, second);
  const range = value.slice(second + 1).split('..');
  if (!isInterval(interval)) throw bad(`'${interval}' is not a Binance interval`);
  if (range.length !== 2) throw bad('a hole range is FROM..TO');
  const from = parseTime(range[0] ?? '');
  const to = parseTime(range[1] ?? '');
  if (from === undefined || to === undefined) throw bad('hole times must be epoch ms or ISO 8601');
  if (to <= from) throw bad('a hole needs FROM < TO');
  return { symbol, interval, from, to };
}

function parseTime(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : undefined;
}

const NO_HOLES: readonly Hole[] = Object.freeze([]);

interface Queued {
  kind: FaultKind;
  left: number;
  scope: FaultScope;
}

/** Chooses the fault, if any, for each request. */
export class FaultInjector {
  #config: FaultConfig;
  #random: () => number;
  #queue: Queued[] = [];
  #holeIndex: Map<string, Hole[]> | undefined;

  constructor(config: Partial<FaultConfig> = {}) {
    this.#config = resolveFaults(config);
    this.#random = mulberry32(this.#config.seed);
  }

  get config(): FaultConfig {
    return this.#config;
  }

  /** Merges `partial` into the current faults; a new seed restarts the random sequence. */
  update(partial: Partial<FaultConfig>): void {
    this.#config = resolveFaults(partial, this.#config);
    this.#holeIndex = undefined;
    if (partial.seed !== undefined) this.#random = mulberry32(this.#config.seed);
  }

  /** The next `n` eligible requests fail with `kind`; scope defaults to the configured endpoints. */
  failNext(kind: FaultKind, n = 1, scope?: FaultScope): void {
    if (!FAULT_KINDS.includes(kind)) throw new RangeError(`unknown fault kind ${String(kind)}; allowed: ${FAULT_KINDS.join(', ')}`);
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`failNext needs a count >= 0, got ${n}`);
    if (n > 0) this.#queue.push({ kind, left: n, scope: scope ?? this.#config.endpoints });
  }

  /** Forgets queued faults. */
  clearQueued(): void {
    this.#queue = [];
  }

  /** The fault for one request, consuming a queued one first. */
  pick(isKlines: boolean, isFuturesData = false): FaultKind | undefined {
    const queued = this.#queue.find((q) => q.scope === 'all' || (q.scope === 'klines' && isKlines) || (q.scope === 'futures-data' && isFuturesData));
    if (queued) {
      queued.left--;
      if (queued.left <= 0) this.#queue.splice(this.#queue.indexOf(queued), 1);
      return queued.kind;
    }
    if (!isKlines && this.#config.endpoints !== 'all') return undefined;
    const c = this.#config;
    if (c.error5xx + c.reset + c.stall + c.truncate + c.malformed === 0) return undefined;
    let u = this.#random();
    for (const key of PROBABILITY_KEYS) {
      if (u < c[key]) return KIND_OF[key];
      u -= c[key];
    }
    return undefined;
  }

  /** Which 5xx to answer: both show up in front of real exchanges. */
  pickStatus5xx(): 502 | 503 {
    return this.#random() < 0.5 ? 502 : 503;
  }

  /** The holes of one series, sorted by start. */
  holesFor(symbol: string, interval: Interval): readonly Hole[] {
    if (!this.#holeIndex) {
      const index = new Map<string, Hole[]>();
      for (const h of this.#config.holes) {
        const key = `${h.symbol} ${h.interval}`;
        const list = index.get(key) ?? [];
        list.push(h);
        index.set(key, list);
      }
      for (const list of index.values()) list.sort((a, b) => a.from - b.from);
      this.#holeIndex = index;
    }
    return this.#holeIndex.get(`${symbol} ${interval}`) ?? NO_HOLES;
  }
}
