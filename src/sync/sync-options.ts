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
