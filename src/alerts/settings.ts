import { hostName } from '../common/host-name.js';
import { durationMs, type Config } from '../config/schema.js';
import { RULE_IDS, type RuleId } from '../config/sections/alerts.js';

/** Every limit the rules judge by, in plain numbers (ms, counts, bytes). */
export interface RuleThresholds {
  syncTimeoutMs: number;
  dataStaleMaxMs: number;
  /** Per interval name. */
  staleEarlyMs: Record<string, number>;
  rateLimitHits: number;
  rateLimitWindowMs: number;
  backupMaxAgeMs: number;
  missingSymbols: number;
  heartbeatStaleMs: number;
  daemonCpuPercent: number;
  daemonRssBytes: number;
}

export interface RuleSettings {
  thresholds: RuleThresholds;
  forMs: Record<RuleId, number>;
}

/**
 * The original design's `for` durations where it had them (sync 5m, staleness 10m), at once for
 * events that are already certain (corruption, crash-loop, a hang), and the daemon's own CPU
 * window for the CPU rule.
 */
export const DEFAULT_FOR: Record<RuleId, string> = {
  'sync-failed': '5m',
  'sync-timeout': '5m',
  'data-stale': '10m',
  'db-corruption': '0s',
  'data-stale-early': '10m',
  'rate-limit-abuse': '0s',
  'backup-stale': '10m',
  'missing-symbols': '10m',
  'sentiment-stale': '10m',
  'disk-low': '10m',
  'script-errors': '0s',
  'daemon-dead': '5m',
  'daemon-heartbeat-stale': '0s',
  'daemon-cpu-high': '10m',
  'daemon-rss-high': '5m',
  'daemon-crash-loop': '0s',
  'replication-lag': '5m',
};

/** Resolves the alerts section against the health and daemon sections it defaults to. */
export function ruleSettings(config: Config): RuleSettings {
  const t = config.alerts.thresholds;
  const staleEarlyMs: Record<string, number> = {};
  for (const [interval, limit] of Object.entries(config.health.freshness)) staleEarlyMs[interval] = durationMs(limit);
  for (const [interval, limit] of Object.entries(t.staleEarly)) if (limit) staleEarlyMs[interval] = durationMs(limit);
  const forMs = Object.fromEntries(RULE_IDS.map((id) => {
    const configured = config.alerts.for[id];
    const fallback = id === 'daemon-cpu-high' ? config.daemon.cpuLimitFor : DEFAULT_FOR[id];
    return [id, durationMs(configured ?? fallback)];
  })) as Record<RuleId, number>;
  return {
    thresholds: {
      syncTimeoutMs: durationMs(t.syncTimeout),
      dataStaleMaxMs: durationMs(t.dataStaleMax),
      staleEarlyMs,
      rateLimitHits: t.rateLimitHits,
      rateLimitWindowMs: durationMs(t.rateLimitWindow),
      backupMaxAgeMs: durationMs(t.backupMaxAge),
      missingSymbols: t.missingSymbols,
      heartbeatStaleMs: durationMs(t.heartbeatStale ?? config.daemon.heartbeatTimeout),
      daemonCpuPercent: t.daemonCpuPercent ?? config.daemon.cpuLimitPercent,
      daemonRssBytes: (t.daemonRssMb ?? config.daemon.rssLimitMb) * 1024 * 1024,
    },
    forMs,
  };
}

/** Names the sender in messages: `alerts.instance`, else this host's name as in the lease (`engine.host`, `CFA_HOST`, the machine's). */
export function instanceName(config: Config): string {
  return config.alerts.instance ?? hostName(config.engine.host);
}

/**
 * The instance part of PagerDuty's dedup key. Hosts sharing a PostgreSQL store hand their alerts
 * over to each other (src/alerts/handover.ts): the resolve one host sends must carry the key of
 * the trigger another host sent, so without `alerts.instance` the key names the database, not the
 * host. On SQLite it is `instanceName`.
 */
export function dedupInstance(config: Config): string {
  if (config.alerts.instance || config.store.backend !== 'postgres' || !config.store.url) return instanceName(config);
  try {
    const url = new URL(config.store.url);
    return `postgres:${url.hostname || 'local'}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return instanceName(config);
  }
}
