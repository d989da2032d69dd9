import { humanDuration, plural } from '../format-values.js';
import { worstStatus } from '../status.js';
import type { HealthStatus, Offender, ProbeResult } from '../types.js';
import { probeResult } from './probe-result.js';

export interface SyncRunFacts {
  status: string;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  summary: Record<string, unknown> | null;
}

export interface LastSyncInput {
  /** The newest finished (not skipped) run of the `sync` job, or null. */
  lastRun: SyncRunFacts | null;
  /** When the newest successful sync ended, or null. */
  lastSuccessAt: number | null;
  /** A sync running now, if any. */
  running: { startedAt: number } | null;
  now: number;
  /** The original design's 26 h: no successful sync for longer is critical. */
  maxAgeMs: number;
  /** The sync duration SLA (30 min). */
  slaMs: number;
}

interface Failure { symbol: string; interval: string; error: string }

/** The failed series a sync summary names (`failures: [{symbol, interval, error}]`). */
export function failedSeries(summary: Record<string, unknown> | null): Failure[] {
  const failures = summary?.failures;
  if (!Array.isArray(failures)) return [];
  return failures.flatMap((f: unknown) => {
    const r = f as Partial<Failure> | null;
    return r && typeof r.symbol === 'string' ? [{ symbol: r.symbol, interval: String(r.interval ?? ''), error: String(r.error ?? '') }] : [];
  });
}

const RUN_STATUS: Record<string, HealthStatus> = { success: 'ok', partial: 'warn', cancelled: 'warn', failed: 'critical', timeout: 'critical' };

/** Result, duration against the SLA, failed symbols, and the time since the last successful sync. */
export function judgeLastSync(input: LastSyncInput): ProbeResult {
  const threshold = { critical: input.maxAgeMs };
  const { lastRun, running, now } = input;
  if (!lastRun && input.lastSuccessAt === null) {
    return probeResult('last-sync', {
      status: 'unknown', value: null, threshold, unit: 'ms',
      detail: running
        ? `the first recorded sync is running (${humanDuration(now - running.startedAt)} so far)`
        : 'no sync run recorded in ops.db yet (the engine and `cfa-console run sync` record them)',
    });
  }
  const statuses: HealthStatus[] = [];
  const parts: string[] = [];
  const sinceSuccess = input.lastSuccessAt === null ? null : Math.max(0, now - input.lastSuccessAt);
  if (sinceSuccess === null) {
    statuses.push('critical');
    parts.push('no successful sync recorded');
  } else {
    statuses.push(sinceSuccess > input.maxAgeMs ? 'critical' : 'ok');
    parts.push(`last success ${humanDuration(sinceSuccess)} ago${sinceSuccess > input.maxAgeMs ? ` (over ${humanDuration(input.maxAgeMs)})` : ''}`);
  }
  const failures = failedSeries(lastRun?.summary ?? null);
  if (lastRun) {
    statuses.push(RUN_STATUS[lastRun.status] ?? 'unknown');
    const ended = lastRun.endedAt ?? lastRun.startedAt;
    const took = lastRun.durationMs === null ? '' : `, took ${humanDuration(lastRun.durationMs)}`;
    parts.push(`last run ${lastRun.status} ${humanDuration(Math.max(0, now - ended))} ago${took}`);
    if (lastRun.durationMs !== null && lastRun.durationMs > input.slaMs) {
      statuses.push('warn');
      parts.push(`over the ${humanDuration(input.slaMs)} SLA`);
    }
    if (failures.length > 0) parts.push(`${plural(failures.length, 'series', 'series')} failed`);
  }
  if (running) {
    const runningFor = Math.max(0, now - running.startedAt);
    parts.push(`a sync is running (${humanDuration(runningFor)} so far)`);
    if (runningFor > input.slaMs) statuses.push('warn');
  }
  const offenders: Offender[] = failures.map((f) => ({ name: `${f.symbol} ${f.interval}`.trim(), value: null, detail: f.error }));
  return probeResult('last-sync', {
    status: worstStatus(statuses), value: sinceSuccess, threshold, unit: 'ms', detail: parts.join('; '), offenders,
  });
}
