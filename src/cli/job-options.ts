import { ConfigError } from '../config/config-error.js';
import { SYMBOL_PATTERN, type Config } from '../config/schema.js';
import { SENTIMENT_SOURCES, type SentimentSource } from '../config/names.js';
import { durationMs } from '../config/duration.js';
import type { OperationName, OptionsOf } from '../ops/index.js';
import { resolveSyncOptions, syncOpOptions, type RawSyncOptions } from '../sync/sync-options.js';
import { parseTierOption } from '../backup/tiers.js';

/**
 * How each operation's flags (declared in job-commands.ts) become its typed options. Loaded when
 * a job's command runs, with the config schema these checks need, not when commands are declared.
 */
export const OPERATION_OPTIONS: { [K in OperationName]: (raw: Record<string, unknown>, config: Config) => OptionsOf<K> } = {
  sync: (raw, config) => syncFlags(raw as RawSyncOptions, config),
  validate: (raw) => ({ heal: raw.heal !== false }),
  backup: (raw) => ({ tier: parseTierOption(raw.tier as string | undefined) }),
  'backup-drill': () => ({}),
  compact: () => ({}),
  'alert-digest': (raw) => ({ dryRun: Boolean(raw.dryRun), waitMs: positiveDuration('--wait', raw.wait as string | undefined, 120_000) }),
  sentiment: (raw) => sentimentFlags(raw),
  backtest: (raw) => (raw.timeout === undefined ? {} : { timeoutMs: positiveDuration('--timeout', raw.timeout as string, 0) }),
};

function sentimentFlags(raw: Record<string, unknown>): OptionsOf<'sentiment'> {
  const out: OptionsOf<'sentiment'> = {};
  if (typeof raw.sources === 'string') {
    const list = raw.sources.split(',').map((s) => s.trim()).filter((s) => s !== '');
    const bad = list.filter((s) => !(SENTIMENT_SOURCES as readonly string[]).includes(s));
    if (bad.length > 0 || list.length === 0) {
      throw new ConfigError(`--sources ${JSON.stringify(raw.sources)} is not valid: expected a comma list of ${SENTIMENT_SOURCES.join(', ')}`);
    }
    out.sources = [...new Set(list)] as SentimentSource[];
  }
  if (typeof raw.symbols === 'string' && raw.symbols !== 'all') {
    const list = raw.symbols.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '');
    const bad = list.filter((s) => !SYMBOL_PATTERN.test(s));
    if (bad.length > 0 || list.length === 0) throw new ConfigError(`--symbols ${JSON.stringify(raw.symbols)} is not valid: expected all or a comma list such as BTCUSDT,ETHUSDT`);
    out.symbols = list;
  }
  return out;
}

/** Sync flags as typed options; sync-options has no I/O, the sync itself is loaded when it runs. */
function syncFlags(raw: RawSyncOptions, config: Config): OptionsOf<'sync'> {
  return syncOpOptions(resolveSyncOptions(raw, config));
}

function positiveDuration(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const ms = durationMs(raw);
  if (!(typeof ms === 'number' && ms > 0)) throw new ConfigError(`${flag} ${JSON.stringify(raw)} is not valid: expected a duration such as 90s, 2m or 1h`);
  return ms;
}
