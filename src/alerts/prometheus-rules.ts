import type { Config } from '../config/schema.js';
import type { RuleId } from '../config/sections/alerts.js';
import { RULES } from './rules.js';
import { ruleSettings, type RuleThresholds } from './settings.js';

/**
 * The built-in rules as Prometheus alerting rules over the `cfa_` metrics (src/metrics), with
 * the thresholds and `for` durations of the given config, for teams that alert from their own
 * Prometheus. `prometheus/alert-rules.yml` is this file for the default config (a test keeps
 * it so), and `prometheus/alert-rules.test.yml` proves with `promtool test rules` that each
 * rule fires on sample series.
 */

export interface PrometheusRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Prometheus's duration syntax ("1h30m", "90s"); undefined for 0, which Prometheus writes as no `for`. */
export function promDuration(ms: number): string | undefined {
  if (ms <= 0) return undefined;
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];
  let rest = Math.round(ms);
  let out = '';
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

const sec = (ms: number): string => String(Math.round(ms) / 1000);

/** `sync-failed` -> `SyncFailed`. */
export function promAlertName(rule: string): string {
  return rule.split('-').map((w) => (w === 'db' ? 'Db' : w.charAt(0).toUpperCase() + w.slice(1))).join('');
}

type Expr = { expr: string; summary: string } | null;

function expression(rule: RuleId, t: RuleThresholds): Expr {
  switch (rule) {
    case 'sync-failed':
      return { expr: 'cfa_job_last_status{job="sync",status=~"failed|cancelled"} == 1', summary: 'The last sync {{ $labels.status }}' };
    case 'sync-timeout': {
      const limit = sec(t.syncTimeoutMs);
      return {
        expr: `max by (job) (cfa_job_running_seconds{job="sync"} > ${limit}) or max by (job) (cfa_job_last_status{job="sync",status="timeout"} == 1) or max by (job) (cfa_job_last_duration_seconds{job="sync"} > ${limit})`,
        summary: `The sync ran longer than ${limit} s or hit its timeout`,
      };
    }
    case 'data-stale':
      return {
        expr: `count by (interval) (cfa_series_age_seconds > ${sec(t.dataStaleMaxMs)}) > 0`,
        summary: `{{ $value }} {{ $labels.interval }} series have no candle newer than ${sec(t.dataStaleMaxMs)} s`,
      };
    case 'db-corruption':
      return { expr: 'cfa_probe_status{probe="integrity"} == 3', summary: 'The database integrity check failed' };
    case 'data-stale-early': {
      // Series past the critical limit belong to DataStale: one alert per problem, as built in.
      const terms = Object.entries(t.staleEarlyMs)
        .filter(([, limit]) => limit < t.dataStaleMaxMs)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([interval, limit]) => `count by (interval) (cfa_series_age_seconds{interval="${interval}"} > ${sec(limit)} and cfa_series_age_seconds{interval="${interval}"} <= ${sec(t.dataStaleMaxMs)}) > 0`);
      if (terms.length === 0) return null;
      return { expr: terms.join(' or '), summary: '{{ $value }} {{ $labels.interval }} series are older than their early-warning limit' };
    }
    case 'rate-limit-abuse':
      return {
        expr: `increase(cfa_rate_limit_hits_total[${promDuration(t.rateLimitWindowMs) ?? '5m'}]) > ${t.rateLimitHits}`,
        summary: `The exchange answered 429 {{ $value }} times in ${promDuration(t.rateLimitWindowMs) ?? '5m'}`,
      };
    case 'backup-stale':
      return {
        // The backup probe's age (the stalest tier's newest verified backup), as built in; with no
        // age at all, a probe that is not ok means no verified backup.
        expr: `max(cfa_probe_value{probe="backup"}) > ${sec(t.backupMaxAgeMs)} or (max(cfa_probe_status{probe="backup"}) >= 1 unless on() cfa_probe_value{probe="backup"})`,
        summary: `The newest verified backup is older than ${sec(t.backupMaxAgeMs)} s, or there is none`,
      };
    case 'missing-symbols':
      return { expr: `cfa_coverage_missing_symbols >= ${t.missingSymbols}`, summary: '{{ $value }} symbols have no {{ $labels.interval }} candles' };
    case 'sentiment-stale':
      return { expr: 'cfa_probe_status{probe="sentiment"} >= 2', summary: 'Sentiment or macro data is stale ({{ $value }}: 2 warning, 3 critical)' };
    case 'disk-low':
      return { expr: 'cfa_probe_status{probe="disk"} >= 2', summary: 'Disk space is low' };
    case 'script-errors':
      return {
        expr: 'cfa_probe_status{probe="logs"} >= 2 or cfa_job_last_status{job!="sync",status=~"failed|timeout"} == 1',
        summary: 'Errors in the logs, or a job failed',
      };
    case 'replication-lag':
      return { expr: 'cfa_probe_status{probe="replication"} >= 2', summary: 'Replication (Litestream) is behind or a replica cannot be read' };
    case 'daemon-dead':
      return { expr: 'cfa_daemon_state{state=~"stopped|backoff"} == 1', summary: 'The daemon is not running ({{ $labels.state }})' };
    case 'daemon-heartbeat-stale':
      return {
        expr: `max(cfa_daemon_heartbeat_age_seconds) > ${sec(t.heartbeatStaleMs)} or max(cfa_daemon_state{state="hung"}) == 1`,
        summary: `The daemon's heartbeat is older than ${sec(t.heartbeatStaleMs)} s`,
      };
    case 'daemon-cpu-high':
      return { expr: `cfa_daemon_cpu_percent > ${t.daemonCpuPercent}`, summary: `The daemon uses more than ${t.daemonCpuPercent}% CPU` };
    case 'daemon-rss-high':
      return { expr: `cfa_daemon_rss_bytes > ${t.daemonRssBytes}`, summary: `The daemon's RSS is over ${t.daemonRssBytes} bytes` };
    case 'daemon-crash-loop':
      return { expr: 'cfa_daemon_state{state="crash-loop"} == 1', summary: 'The daemon is in crash-loop and no longer restarted' };
  }
}

export function prometheusRules(config: Config): PrometheusRule[] {
  const settings = ruleSettings(config);
  return RULES.flatMap((rule) => {
    const e = expression(rule.id, settings.thresholds);
    if (!e) return [];
    const forDuration = promDuration(settings.forMs[rule.id]);
    return [{
      alert: promAlertName(rule.id),
      expr: e.expr,
      ...(forDuration ? { for: forDuration } : {}),
      labels: { severity: rule.severity, rule: rule.id, runbook: rule.runbook },
      annotations: { summary: e.summary, title: rule.title },
    }];
  });
}

/**
 * A YAML single-quoted scalar: nothing is an escape in it but '' for a quote, so PromQL's own
 * double quotes stay readable. Line breaks never occur in these strings.
 */
const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export function prometheusRulesYaml(config: Config): string {
  const lines = [
    '# Generated by `cfa-console export prometheus-rules` from the built-in alert rules and the',
    '# configured thresholds; regenerate instead of editing. Metrics: cfa-console\'s /metrics endpoint.',
    'groups:',
    '  - name: cfa-console',
    '    rules:',
  ];
  for (const r of prometheusRules(config)) {
    lines.push(`      - alert: ${r.alert}`);
    lines.push(`        expr: ${q(r.expr)}`);
    if (r.for) lines.push(`        for: ${r.for}`);
    lines.push('        labels:');
    for (const [k, v] of Object.entries(r.labels)) lines.push(`          ${k}: ${q(v)}`);
    lines.push('        annotations:');
    for (const [k, v] of Object.entries(r.annotations)) lines.push(`          ${k}: ${q(v)}`);
  }
  return `${lines.join('\n')}\n`;
}
