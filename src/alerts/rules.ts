import { createHash } from 'node:crypto';
import ms from 'ms';
import type { HealthSnapshot, ProbeResult } from '../health/types.js';
import { RULE_IDS } from '../config/sections/alerts.js';
import type { RuleSettings, RuleThresholds } from './settings.js';
import type {
  ActiveAlert, DaemonFacts, Finding, Labels, RuleId, RunRecord, RunbookId, Severity,
} from './types.js';

/**
 * The built-in alert rules: the original design's ten (four critical, four warning, two info)
 * and the supervised daemon's five. Each is a pure function of values (the health snapshot, the
 * job runs, the daemon's figures) and the thresholds: no I/O, no clock but `input.now`.
 */

export interface RuleInput {
  now: number;
  snapshot: HealthSnapshot;
  /** Job runs in any order; the rules need at least the last day's and each job's last one. */
  runs: readonly RunRecord[];
  daemon: DaemonFacts | null;
}

export interface RuleDefinition {
  id: RuleId;
  severity: Severity;
  runbook: RunbookId;
  /** A short name for people: tables, message titles, the Prometheus alert name's source. */
  title: string;
  /**
   * What is wrong now: one finding per alert, none when all is well, or null when the inputs
   * do not tell (a probe that did not run or says unknown): then the rule's open alerts are
   * left as they are rather than resolved on no evidence.
   */
  evaluate(input: RuleInput, t: RuleThresholds): Finding[] | null;
}

const human = (msValue: number): string => ms(Math.max(0, Math.round(msValue)));

function probe(snapshot: HealthSnapshot, id: string): ProbeResult | undefined {
  return snapshot.probes.find((p) => p.id === id);
}

/** Newest first by start, ties by id: the same order as the run history. */
function newestFirst(runs: readonly RunRecord[]): RunRecord[] {
  return [...runs].sort((a, b) => b.startedAt - a.startedAt || b.id - a.id);
}

/** The job's last run that did run to an end (a skip is not a run, and a running one has no result yet). */
function lastFinished(runs: readonly RunRecord[], job: string): RunRecord | undefined {
  return newestFirst(runs).find((r) => r.job === job && r.status !== 'running' && r.status !== 'skipped');
}

function runWhy(run: RunRecord): string {
  const s = run.summary ?? {};
  const series = s.series as { total?: number; failed?: number } | undefined;
  const failures = Array.isArray(s.failures) ? (s.failures as { symbol?: string; interval?: string; error?: string }[]) : [];
  const parts: string[] = [];
  if (series && typeof series.failed === 'number' && typeof series.total === 'number') parts.push(`${series.failed} of ${series.total} series failed`);
  const first = failures[0];
  if (first) parts.push(`first: ${first.symbol ?? '?'} ${first.interval ?? ''}: ${first.error ?? 'unknown error'}`.replace(/\s+:/, ':'));
  const error = typeof s.error === 'string' ? s.error : typeof s.reason === 'string' ? s.reason : null;
  if (!parts.length && error) parts.push(error);
  if (!parts.length && run.exitCode != null) parts.push(`exit ${run.exitCode}`);
  return parts.join('; ');
}

function ended(run: RunRecord): string {
  return new Date(run.endedAt ?? run.startedAt).toISOString().replace('.000Z', 'Z');
}

function worstFirst<T extends { ageMs: number | null }>(items: T[]): T[] {
  return [...items].sort((a, b) => (b.ageMs ?? 0) - (a.ageMs ?? 0));
}

function byInterval<T extends { interval: string }>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(item.interval, [...(groups.get(item.interval) ?? []), item]);
  return groups;
}

function listSome(names: readonly string[], max = 5): string {
  return names.length > max ? `${names.slice(0, max).join(', ')} and ${names.length - max} more` : names.join(', ');
}

/** A probe that did not run, or could not tell: no evidence either way. */
function probeUnknown(p: ProbeResult | undefined): boolean {
  return p === undefined || p.status === 'unknown';
}

/** A probe that says something is wrong: warn or critical (unknown is not evidence of a problem). */
function probeWrong(p: ProbeResult | undefined): p is ProbeResult {
  return p !== undefined && (p.status === 'warn' || p.status === 'critical');
}

/**
 * Hits of 429 in the window, from the runs' summaries. A summary only has a run's total, so a
 * run longer than the window is assumed to have spread its hits evenly, and counts the share
 * that falls inside the window.
 */
export function rateLimitHitsInWindow(runs: readonly RunRecord[], now: number, windowMs: number): number {
  const windowStart = now - windowMs;
  let hits = 0;
  for (const run of runs) {
    const total = run.summary?.rateLimited429;
    if (typeof total !== 'number' || total <= 0 || run.endedAt === null) continue;
    const overlap = Math.min(run.endedAt, now) - Math.max(run.startedAt, windowStart);
    if (overlap < 0) continue;
    const length = Math.max(run.endedAt - run.startedAt, 1);
    hits += length <= windowMs ? total : (total * overlap) / length;
  }
  return hits;
}

export const RULES: readonly RuleDefinition[] = [
  // --- critical -----------------------------------------------------------------------------
  {
    id: 'sync-failed', severity: 'critical', runbook: 'sync-failed', title: 'Daily sync failed',
    evaluate({ runs }) {
      const last = lastFinished(runs, 'sync');
      if (!last || (last.status !== 'failed' && last.status !== 'cancelled')) return [];
      const why = runWhy(last);
      return [{ labels: { job: 'sync' }, value: last.exitCode ?? null,
        summary: `the last sync (run ${last.id}, ended ${ended(last)}) ${last.status === 'failed' ? 'failed' : 'was cancelled'}${why ? `: ${why}` : ''}` }];
    },
  },
  {
    id: 'sync-timeout', severity: 'critical', runbook: 'sync-failed', title: 'Sync timeout',
    evaluate({ runs, now }, t) {
      const running = newestFirst(runs).find((r) => r.job === 'sync' && r.status === 'running');
      if (running && now - running.startedAt > t.syncTimeoutMs) {
        return [{ labels: { job: 'sync' }, value: now - running.startedAt,
          summary: `the sync (run ${running.id}) has been running for ${human(now - running.startedAt)}, over the ${human(t.syncTimeoutMs)} limit` }];
      }
      const last = lastFinished(runs, 'sync');
      if (!last) return [];
      const took = last.durationMs ?? 0;
      if (last.status !== 'timeout' && took <= t.syncTimeoutMs) return [];
      return [{ labels: { job: 'sync' }, value: took,
        summary: last.status === 'timeout'
          ? `the last sync (run ${last.id}, ended ${ended(last)}) was stopped by its timeout after ${human(took)}`
          : `the last sync (run ${last.id}) took ${human(took)}, over the ${human(t.syncTimeoutMs)} limit` }];
    },
  },
  {
    id: 'data-stale', severity: 'critical', runbook: 'stale-data', title: 'Data stale',
    evaluate({ snapshot }, t) {
      if (snapshot.freshness.length === 0) return null;
      const findings: Finding[] = [];
      for (const [interval, series] of byInterval(snapshot.freshness)) {
        const stale = worstFirst(series.filter((s) => s.ageMs !== null && s.ageMs > t.dataStaleMaxMs));
        const worst = stale[0];
        if (!worst) continue;
        findings.push({ labels: { interval }, value: worst.ageMs,
          summary: `${stale.length} of ${series.length} ${interval} series have no candle newer than ${human(t.dataStaleMaxMs)} (worst: ${worst.symbol}, ${human(worst.ageMs ?? 0)} old)` });
      }
      return findings;
    },
  },
  {
    id: 'db-corruption', severity: 'critical', runbook: 'db-corruption', title: 'Database corruption',
    evaluate({ snapshot }) {
      const p = probe(snapshot, 'integrity');
      if (!p || probeUnknown(p)) return null;
      if (p.status !== 'critical') return [];
      return [{ labels: {}, value: p.value, summary: `integrity check failed: ${p.detail}` }];
    },
  },
  // --- warning ------------------------------------------------------------------------------
  {
    id: 'data-stale-early', severity: 'warning', runbook: 'stale-data', title: 'Data stale (early warning)',
    evaluate({ snapshot }, t) {
      if (snapshot.freshness.length === 0) return null;
      const findings: Finding[] = [];
      for (const [interval, series] of byInterval(snapshot.freshness)) {
        const limit = t.staleEarlyMs[interval];
        if (limit === undefined) continue;
        // Series past the critical limit are the critical rule's: one alert per problem.
        const late = worstFirst(series.filter((s) => s.ageMs !== null && s.ageMs > limit && s.ageMs <= t.dataStaleMaxMs));
        const worst = late[0];
        if (!worst) continue;
        findings.push({ labels: { interval }, value: worst.ageMs,
          summary: `${late.length} of ${series.length} ${interval} series are older than ${human(limit)} (worst: ${worst.symbol}, ${human(worst.ageMs ?? 0)} old)` });
      }
      return findings;
    },
  },
  {
    id: 'rate-limit-abuse', severity: 'warning', runbook: 'rate-limited', title: 'Rate-limit abuse',
    evaluate({ runs, now }, t) {
      const hits = rateLimitHitsInWindow(runs, now, t.rateLimitWindowMs);
      if (hits <= t.rateLimitHits) return [];
      return [{ labels: {}, value: Math.round(hits),
        summary: `the exchange answered 429 about ${Math.round(hits)} times in ${human(t.rateLimitWindowMs)} (limit ${t.rateLimitHits}): the sync is using more than its share of the IP's weight` }];
    },
  },
  {
    id: 'backup-stale', severity: 'warning', runbook: 'backup-stale', title: 'Backup stale',
    evaluate({ snapshot }, t) {
      // The probe's value is the age of the stalest tier's newest verified backup; its
      // offenders name the tiers that are not ok.
      const p = probe(snapshot, 'backup');
      // A new data dir has nothing to back up yet: no evidence either way.
      if (!p || p.status === 'never-synced') return null;
      if (p.value !== null) {
        if (p.value <= t.backupMaxAgeMs) return [];
        const late = p.offenders.filter((o) => typeof o.value === 'number' && o.value > t.backupMaxAgeMs).map((o) => o.name);
        return [{ labels: {}, value: p.value,
          summary: `the newest verified backup${late.length ? ` of ${late.join(', ')}` : ''} is ${human(p.value)} old (limit ${human(t.backupMaxAgeMs)})` }];
      }
      // No age at all: either no tier has a verified backup (offenders say which), or the
      // catalog could not be read (no offenders): only the first is evidence.
      if (p.offenders.length === 0) return null;
      return [{ labels: {}, value: null, summary: `no verified backup: ${p.detail}` }];
    },
  },
  {
    id: 'replication-lag', severity: 'warning', runbook: 'backup-stale', title: 'Replication lag',
    evaluate({ snapshot }) {
      // The replication probe judges lag (warning over replication.lagWarning, critical over the
      // RPO) and reachability; its offenders say which store on which replica.
      const p = probe(snapshot, 'replication');
      if (!p || p.status === 'unknown') return null;
      if (p.status === 'ok') return [];
      return [{ labels: {}, value: p.value, summary: `replication ${p.status === 'critical' ? 'critical' : 'behind'}: ${p.offenders.map((o) => `${o.name}: ${o.detail}`).slice(0, 3).join('; ') || p.detail}` }];
    },
  },
  {
    id: 'missing-symbols', severity: 'warning', runbook: 'missing-symbols', title: 'Missing symbols',
    evaluate({ snapshot }, t) {
      if (snapshot.coverage.length === 0 || probe(snapshot, 'coverage')?.status === 'never-synced') return null;
      return snapshot.coverage
        .filter((c) => c.missing.length >= t.missingSymbols)
        .map((c) => ({ labels: { interval: c.interval }, value: c.missing.length,
          summary: `${c.missing.length} of ${c.configured} symbols have no ${c.interval} candles: ${listSome(c.missing)}` }));
    },
  },
  {
    id: 'sentiment-stale', severity: 'warning', runbook: 'sentiment-stale', title: 'Sentiment data stale',
    evaluate({ snapshot }) {
      // One alert per source (binance, fng, fred), judged by the sentiment probe by each item's own frequency.
      const sources = snapshot.sentiment;
      const p = probe(snapshot, 'sentiment');
      if (!sources || !p) return null;
      // No source could say (no data yet, market.db unreadable): no evidence either way.
      if (sources.length > 0 && sources.every((s) => s.status === 'unknown')) return null;
      return sources
        .filter((s) => s.status === 'warn' || s.status === 'critical')
        .map((s) => ({
          labels: { source: s.source }, value: s.ageMs,
          summary: `${s.source}: ${s.detail}${p && p.offenders[0] ? ` (worst: ${p.offenders[0].name}, ${p.offenders[0].detail ?? ''})` : ''}`,
        }));
    },
  },
  // --- info ---------------------------------------------------------------------------------
  {
    id: 'disk-low', severity: 'info', runbook: 'disk-low', title: 'Disk space low',
    evaluate({ snapshot }) {
      const p = probe(snapshot, 'disk');
      if (!p || probeUnknown(p)) return null;
      return probeWrong(p) ? [{ labels: {}, value: p.value, summary: p.detail }] : [];
    },
  },
  {
    id: 'script-errors', severity: 'info', runbook: 'sync-failed', title: 'Job or script errors',
    evaluate({ snapshot, runs }) {
      const findings: Finding[] = [];
      const logs = probe(snapshot, 'logs');
      if (probeWrong(logs)) findings.push({ labels: { source: 'logs' }, value: logs.value, summary: logs.detail });
      // The sync has rules of its own; every other job's failure is reported here.
      const jobs = [...new Set(runs.map((r) => r.job))].filter((j) => j !== 'sync').sort();
      for (const job of jobs) {
        const last = lastFinished(runs, job);
        if (!last || (last.status !== 'failed' && last.status !== 'timeout')) continue;
        const why = runWhy(last);
        findings.push({ labels: { job }, value: last.exitCode ?? null,
          summary: `the last ${job} run (run ${last.id}, ended ${ended(last)}) ${last.status === 'timeout' ? 'timed out' : 'failed'}${why ? `: ${why}` : ''}` });
      }
      return findings;
    },
  },
  // --- the supervised daemon ------------------------------------------------------------------
  {
    id: 'daemon-dead', severity: 'critical', runbook: 'daemon-dead', title: 'Daemon dead',
    evaluate({ daemon }) {
      if (daemon === null) return null;
      if (!daemon.configured || (daemon.state !== 'stopped' && daemon.state !== 'backoff')) return [];
      return [{ labels: { daemon: daemon.name }, value: null,
        summary: `the ${daemon.name} daemon is not running (${daemon.state}) and has not come back` }];
    },
  },
  {
    id: 'daemon-heartbeat-stale', severity: 'warning', runbook: 'daemon-hung', title: 'Daemon heartbeat stale',
    evaluate({ daemon }, t) {
      if (daemon === null) return null;
      if (!daemon.configured) return [];
      const age = daemon.heartbeatAgeMs;
      const stale = daemon.state === 'hung' || (daemon.state === 'running' && age !== null && age > t.heartbeatStaleMs);
      if (!stale) return [];
      return [{ labels: { daemon: daemon.name }, value: age,
        summary: `the ${daemon.name} daemon's heartbeat is ${age === null ? 'missing' : `${human(age)} old`} (limit ${human(t.heartbeatStaleMs)})${daemon.state === 'hung' ? ': it is being restarted as hung' : ''}` }];
    },
  },
  {
    id: 'daemon-cpu-high', severity: 'warning', runbook: 'daemon-hung', title: 'Daemon CPU high',
    evaluate({ daemon }, t) {
      if (daemon === null) return null;
      if (!daemon.configured || daemon.state !== 'running' || daemon.cpuPercent === null || daemon.cpuPercent <= t.daemonCpuPercent) return [];
      return [{ labels: { daemon: daemon.name }, value: daemon.cpuPercent,
        summary: `the ${daemon.name} daemon uses ${daemon.cpuPercent.toFixed(0)}% CPU (limit ${t.daemonCpuPercent}%)` }];
    },
  },
  {
    id: 'daemon-rss-high', severity: 'warning', runbook: 'daemon-hung', title: 'Daemon memory high',
    evaluate({ daemon }, t) {
      if (daemon === null) return null;
      if (!daemon.configured || daemon.state !== 'running' || daemon.rssBytes === null || daemon.rssBytes <= t.daemonRssBytes) return [];
      const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
      return [{ labels: { daemon: daemon.name }, value: daemon.rssBytes,
        summary: `the ${daemon.name} daemon's RSS is ${mb(daemon.rssBytes)} (limit ${mb(t.daemonRssBytes)})` }];
    },
  },
  {
    id: 'daemon-crash-loop', severity: 'critical', runbook: 'daemon-crash-loop', title: 'Daemon crash-loop',
    evaluate({ daemon }) {
      if (daemon === null) return null;
      if (!daemon.configured || daemon.state !== 'crash-loop') return [];
      return [{ labels: { daemon: daemon.name }, value: null,
        summary: `the ${daemon.name} daemon crashed too often and is no longer restarted (crash-loop): restart it by hand once the cause is fixed` }];
    },
  },
];

// Every configurable rule id has a rule, and no rule is unknown to the config.
if (RULES.length !== RULE_IDS.length || RULE_IDS.some((id) => !RULES.find((r) => r.id === id))) {
  throw new Error('alert rules and RULE_IDS disagree');
}

export function ruleById(id: string): RuleDefinition | undefined {
  return RULES.find((r) => r.id === id);
}

function sortedLabels(labels: Labels): [string, string][] {
  return Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Stable per rule and labels, whatever the order the labels were written in. */
export function fingerprint(rule: string, labels: Labels): string {
  return createHash('sha256').update(JSON.stringify([rule, sortedLabels(labels)])).digest('hex').slice(0, 16);
}

/** `data-stale{interval="1h"}`: how people (and Prometheus) write an alert's identity. */
export function alertName(rule: string, labels: Labels): string {
  const pairs = sortedLabels(labels).map(([k, v]) => `${k}="${v}"`);
  return pairs.length ? `${rule}{${pairs.join(',')}}` : rule;
}

/**
 * Runs every rule. A rule that throws (a snapshot shaped unexpectedly) is reported in `errors`
 * and counts as undetermined, rather than stopping the others.
 */
export interface RuleEvaluation {
  alerts: ActiveAlert[];
  /** Rules whose inputs did not tell, or that threw: their alerts stay as they are. */
  undetermined: RuleId[];
  errors: { rule: RuleId; error: string }[];
}

export function evaluateRules(input: RuleInput, settings: RuleSettings, rules: readonly RuleDefinition[] = RULES): RuleEvaluation {
  const alerts: ActiveAlert[] = [];
  const undetermined: RuleId[] = [];
  const errors: { rule: RuleId; error: string }[] = [];
  for (const rule of rules) {
    let findings: Finding[] | null;
    try {
      findings = rule.evaluate(input, settings.thresholds);
    } catch (error) {
      errors.push({ rule: rule.id, error: (error as Error).message });
      undetermined.push(rule.id);
      continue;
    }
    if (findings === null) {
      undetermined.push(rule.id);
      continue;
    }
    for (const f of findings) {
      alerts.push({
        ...f, rule: rule.id, severity: rule.severity, runbook: rule.runbook,
        fingerprint: fingerprint(rule.id, f.labels), forMs: settings.forMs[rule.id],
      });
    }
  }
  return { alerts, undetermined, errors };
}
