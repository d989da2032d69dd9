import { durationMs, type Config } from '../config/schema.js';
import { intervalMs, type Interval } from '../exchange/intervals.js';
import type { Limits } from './status.js';

/** The `health` config section (and the daemon's limits) in milliseconds, bytes and percents. */
export interface HealthThresholds {
  /** Age limits per interval: critical as configured, warning at half of it. */
  freshness(interval: Interval): Limits;
  lastSyncMaxAgeMs: number;
  syncSlaMs: number;
  /** Coverage percent: below warn is a warning, below critical critical. */
  coverage: Limits;
  maxGapCandles: number;
  dbMinSizeBytes: number;
  /** Free disk percent: below warn is a warning, below critical critical. */
  diskFree: Limits;
  logActivityMaxAgeMs: number;
  logErrorsPerMinuteWarn: number;
  logErrorWindowMs: number;
  backupAge: Limits;
  syncAvailabilityTargetPercent: number;
  daemon: {
    heartbeatTimeoutMs: number;
    cpuLimitPercent: number;
    cpuLimitForMs: number;
    rssLimitBytes: number;
    maxCrashes: number;
    crashWindowMs: number;
  };
}

/** An interval the config gives no limit for (say 30m) goes stale after six of its candles. */
const DEFAULT_STALE_CANDLES = 6;

export function healthThresholds(config: Config): HealthThresholds {
  const h = config.health;
  const freshness = h.freshness as Record<string, string | undefined>;
  return {
    freshness(interval) {
      const configured = freshness[interval];
      const critical = configured ? durationMs(configured) : DEFAULT_STALE_CANDLES * intervalMs(interval);
      return { warn: critical / 2, critical };
    },
    lastSyncMaxAgeMs: durationMs(h.lastSyncMaxAge),
    syncSlaMs: durationMs(h.syncSla),
    coverage: { warn: h.coverageWarnBelowPercent, critical: h.coverageCriticalBelowPercent },
    maxGapCandles: h.maxGapCandles,
    dbMinSizeBytes: h.dbMinSizeMb * 1024 * 1024,
    diskFree: { warn: h.diskFreeWarnPercent, critical: h.diskFreeCriticalPercent },
    logActivityMaxAgeMs: durationMs(h.logActivityMaxAge),
    logErrorsPerMinuteWarn: h.logErrorsPerMinuteWarn,
    logErrorWindowMs: durationMs(h.logErrorWindow),
    backupAge: { warn: durationMs(h.backupMaxAge), critical: durationMs(h.backupCriticalAge) },
    syncAvailabilityTargetPercent: h.syncAvailabilityTargetPercent,
    daemon: {
      heartbeatTimeoutMs: durationMs(config.daemon.heartbeatTimeout),
      cpuLimitPercent: config.daemon.cpuLimitPercent,
      cpuLimitForMs: durationMs(config.daemon.cpuLimitFor),
      rssLimitBytes: config.daemon.rssLimitMb * 1024 * 1024,
      maxCrashes: config.daemon.maxCrashes,
      crashWindowMs: durationMs(config.daemon.crashWindow),
    },
  };
}
