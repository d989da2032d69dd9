import { ConfigError } from '../config/config-error.js';
import { durationMs, SYMBOL_PATTERN, type Config } from '../config/schema.js';
import { INTERVALS, isInterval, type Interval } from '../exchange/intervals.js';

export interface RawSyncOptions {
  symbols?: string;
  intervals?: string;
  lookback?: string;
  backfillDays?: string;
  weightBudget?: string;
  timeout?: string;
  /** Store intervals the config does not track (they get no freshness checks and no validation). */
  untrackedIntervals?: boolean;
}

export interface SyncOptions {
  symbols: string[];
  /** True when the symbols were named on the command line: an unknown one is a usage error. */
  explicitSymbols: boolean;
  intervals: Interval[];
  lookback?: number;
  backfillDays: number;
  weightBudget: number;
  timeoutMs: number;
}

/** A sync asked for in code (a job, a runbook step): what is not given comes from the config. */
export interface SyncOpOptions {
  /** Omitted or `all`: every configured symbol; named symbols the exchange does not list are refused. */
  symbols?: readonly string[] | 'all';
  intervals?: readonly Interval[];
  lookback?: number;
  backfillDays?: number;
  weightBudget?: number;
  timeoutMs?: number;
}

function positiveInt(flag: string, raw: string, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 1 || n > max) {
    throw new ConfigError(`${flag} ${JSON.stringify(raw)} is not valid: expected a whole number from 1 to ${max}`);
  }
  return n;
}

function list(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Turns the command line into a sync request, refusing bad values with what would be right. */
export function resolveSyncOptions(raw: RawSyncOptions, config: Config): SyncOptions {
  const explicitSymbols = raw.symbols !== undefined && raw.symbols.toLowerCase() !== 'all';
  const symbols = explicitSymbols ? list(raw.symbols!.toUpperCase()) : [...config.symbols];
  const badSymbol = symbols.find((s) => !SYMBOL_PATTERN.test(s));
  if (badSymbol !== undefined || symbols.length === 0) {
    throw new ConfigError(`--symbols ${JSON.stringify(raw.symbols)} is not valid: expected "all" or a comma list like BTCUSDT,ETHUSDT`);
  }
  const intervals = raw.intervals === undefined ? [...config.intervals] : list(raw.intervals);
  const badInterval = intervals.find((i) => !isInterval(i));
  if (badInterval !== undefined || intervals.length === 0) {
    throw new ConfigError(`--intervals: unknown interval ${JSON.stringify(badInterval ?? raw.intervals)}; expected a comma list of ${INTERVALS.join(', ')}`);
  }
  const untracked = intervals.filter((i) => !config.intervals.includes(i as Interval));
  if (untracked.length && !raw.untrackedIntervals) {
    throw new ConfigError(`--intervals: ${untracked.join(', ')} ${untracked.length > 1 ? 'are' : 'is'} not tracked by this pipeline (configured: ${config.intervals.join(', ')}); nothing would check ${untracked.length > 1 ? 'their' : 'its'} freshness or gaps. Add ${untracked.length > 1 ? 'them' : 'it'} to the config's intervals, or pass --untracked-intervals to store ${untracked.length > 1 ? 'them' : 'it'} anyway`);
  }
  let timeoutMs = durationMs(config.sync.timeout);
  if (raw.timeout !== undefined) {
    timeoutMs = durationMs(raw.timeout);
    if (!(timeoutMs > 0)) throw new ConfigError(`--timeout ${JSON.stringify(raw.timeout)} is not valid: expected a duration like 90s, 30m or 2h`);
  }
  return {
    symbols: [...new Set(symbols)],
    explicitSymbols,
    intervals: [...new Set(intervals)] as Interval[],
    lookback: raw.lookback === undefined ? undefined : positiveInt('--lookback', raw.lookback, 1500),
    backfillDays: raw.backfillDays === undefined ? config.sync.backfillDays : positiveInt('--backfill-days', raw.backfillDays, 3650),
    weightBudget: raw.weightBudget === undefined ? config.exchange.weightBudget : positiveInt('--weight-budget', raw.weightBudget, config.exchange.ipWeightLimit),
    timeoutMs,
  };
}

function wholeInRange(name: string, value: number | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(`sync option ${name} = ${JSON.stringify(value)} is not valid: expected a whole number from 1 to ${max}`);
  }
  return value;
}

/** Fills typed options from the config and checks them by the same rules as the command line. */
export function completeSyncOptions(o: SyncOpOptions, config: Config): SyncOptions {
  const explicitSymbols = o.symbols !== undefined && o.symbols !== 'all';
  const symbols = explicitSymbols ? (o.symbols as readonly string[]).map((s) => s.toUpperCase()) : [...config.symbols];
  const badSymbol = symbols.find((s) => !SYMBOL_PATTERN.test(s));
  if (badSymbol !== undefined || symbols.length === 0) {
    throw new ConfigError(`sync option symbols = ${JSON.stringify(o.symbols)} is not valid: expected "all" or symbols like ["BTCUSDT","ETHUSDT"]`);
  }
  const intervals = o.intervals === undefined ? [...config.intervals] : [...o.intervals];
  const badInterval = intervals.find((i) => !isInterval(i));
  if (badInterval !== undefined || intervals.length === 0) {
    throw new ConfigError(`sync option intervals: unknown interval ${JSON.stringify(badInterval ?? o.intervals)}; expected some of ${INTERVALS.join(', ')}`);
  }
  const timeoutMs = o.timeoutMs ?? durationMs(config.sync.timeout);
  if (!(timeoutMs > 0)) throw new ConfigError(`sync option timeoutMs = ${JSON.stringify(o.timeoutMs)} is not valid: expected a positive number of milliseconds`);
  return {
    symbols: [...new Set(symbols)],
    explicitSymbols,
    intervals: [...new Set(intervals)] as Interval[],
    lookback: wholeInRange('lookback', o.lookback, 1500),
    backfillDays: wholeInRange('backfillDays', o.backfillDays, 3650) ?? config.sync.backfillDays,
    weightBudget: wholeInRange('weightBudget', o.weightBudget, config.exchange.ipWeightLimit) ?? config.exchange.weightBudget,
    timeoutMs,
  };
}

/** The typed form of resolved options, as a job or the runner passes them on. */
export function syncOpOptions(o: SyncOptions): SyncOpOptions {
  return {
    symbols: o.explicitSymbols ? o.symbols : 'all', intervals: o.intervals, lookback: o.lookback,
    backfillDays: o.backfillDays, weightBudget: o.weightBudget, timeoutMs: o.timeoutMs,
  };
}
