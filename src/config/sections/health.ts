import { z } from 'zod';
import { duration } from '../duration.js';

/** Thresholds of the health probes (owned by src/health). Freshness limits are critical; warning is half. */
export const healthSection = z.object({
  freshness: z.object({
    '15m': duration.default('1h'),
    '1h': duration.default('6h'),
    '4h': duration.default('24h'),
    '1d': duration.default('7d'),
  }).catchall(duration).prefault({}),
  /** The original design's limit for the last successful sync. */
  lastSyncMaxAge: duration.default('26h'),
  syncSla: duration.default('30m'),
  coverageWarnBelowPercent: z.number().min(0).max(100).default(100),
  coverageCriticalBelowPercent: z.number().min(0).max(100).default(95),
  /** A hole longer than this many candles is a continuity gap. */
  maxGapCandles: z.int().min(1).default(2),
  /** The original design's sanity check: a smaller market.db suggests lost data. */
  dbMinSizeMb: z.number().min(0).default(10),
  diskFreeWarnPercent: z.number().min(0).max(100).default(15),
  diskFreeCriticalPercent: z.number().min(0).max(100).default(5),
  logActivityMaxAge: duration.default('26h'),
  logErrorsPerMinuteWarn: z.number().min(0).default(5),
  /** Error lines per minute are averaged over this much of the newest log lines. */
  logErrorWindow: duration.default('10m'),
  /** The newest verified backup of a tier older than this is a warning ... */
  backupMaxAge: duration.default('26h'),
  /** ... and older than this critical. */
  backupCriticalAge: duration.default('72h'),
  /**
   * The whole-file check (quick_check) of the periodic snapshots (the leader's, a console's without
   * a leader) runs within a minute of any write to market.db, and at least this often while the
   * file is unchanged (damage no write explains: a failing disk). It reads every page, so an idle
   * engine on a year of candles does not repeat it every minute. `cfa-console health` reuses the
   * last verdict (kept in ops.db) under the same rule, but checks any written file at once.
   */
  integrityRecheck: duration.default('10m'),
  /** The SLA audit's availability target: successful daily syncs out of days. */
  syncAvailabilityTargetPercent: z.number().min(0).max(100).default(99.5),
}).strict();
