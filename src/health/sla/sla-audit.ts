import type { BackupTier } from '../probes/backup.js';

/** The SLA audit over run history and the backup catalog; pure. */

const DAY_MS = 86_400_000;
/** The game-day drill is monthly: a month is taken as 31 days. */
const MONTH_MS = 31 * DAY_MS;

export interface SlaSyncRun {
  status: string;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
}

export interface SlaInput {
  now: number;
  days: number;
  /** Sync runs started from a little before the window up to now (any status). */
  syncRuns: readonly SlaSyncRun[];
  backups: readonly { tier: BackupTier; createdAt: number }[];
  /** The newest verified backup per tier created before the window. */
  backupBefore: ReadonlyMap<BackupTier, number>;
  tiers: readonly { tier: BackupTier; configured: boolean }[];
  drills: readonly { at: number; tier: string; result: string; good: boolean }[];
  /** Game-day drills (`cfa-console drill`) from a month before the window on; absent: none known. */
  gameDays?: readonly { at: number; scenario: string; passed: boolean }[];
  targets: { availabilityPercent: number; freshnessMaxAgeMs: number; syncSlaMs: number; backupMaxAgeMs: number };
}

export interface Stretch {
  from: number;
  to: number;
  ms: number;
}

export interface SlaReport {
  window: { from: number; to: number; days: number };
  availability: { successfulDays: number; days: number; percent: number; targetPercent: number; met: boolean; missedDays: string[] };
  staleness: { worstMs: number; limitMs: number; breaches: Stretch[]; met: boolean };
  syncDuration: { runs: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null; overSla: number; slaMs: number; met: boolean | null };
  backups: { tier: BackupTier; configured: boolean; backups: number; worstMs: number | null; breaches: Stretch[]; met: boolean | null }[];
  drills: { count: number; passed: number; failed: number; last: { at: number; tier: string; result: string } | null; met: boolean | null };
  /**
   * The monthly game-day drill: drills in the window, the scenarios drilled, the last one. Met when
   * a drill passed within the month before now; not judged (null) when none was ever recorded.
   */
  gameDays: { count: number; passed: number; failed: number; scenarios: string[]; lastPassedAt: number | null; met: boolean | null };
  met: boolean;
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * The stretches between events within [from, to]: from the last event before the window (or the
 * window start) to the first in it, between events, and from the last one to `to`.
 */
export function stretchesBetween(times: readonly number[], before: number | null, from: number, to: number): Stretch[] {
  const inside = times.filter((t) => t >= from && t <= to).sort((a, b) => a - b);
  const out: Stretch[] = [];
  let prev = before ?? from;
  for (const t of [...inside, to]) {
    out.push({ from: prev, to: t, ms: t - prev });
    prev = t;
  }
  return out;
}

function dayString(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

/**
 * The window is the last `days` complete UTC days (today is still in progress): availability and
 * sync durations count those days. Staleness and backup age run on to now, since a stretch
 * without a sync (or a backup) that is still going is the one that matters most.
 */
export function auditSla(input: SlaInput): SlaReport {
  const to = Math.floor(input.now / DAY_MS) * DAY_MS;
  const from = to - input.days * DAY_MS;
  const { targets } = input;

  const successes = input.syncRuns.filter((r) => r.status === 'success');
  const missedDays: string[] = [];
  for (let d = from; d < to; d += DAY_MS) {
    if (!successes.some((r) => r.startedAt >= d && r.startedAt < d + DAY_MS)) missedDays.push(dayString(d));
  }
  const successfulDays = input.days - missedDays.length;
  const percent = input.days > 0 ? (successfulDays / input.days) * 100 : 0;

  const ends = successes.map((r) => r.endedAt ?? r.startedAt);
  const before = ends.filter((t) => t < from);
  const syncStretches = stretchesBetween(ends, before.length ? Math.max(...before) : null, from, input.now);
  const staleBreaches = syncStretches.filter((s) => s.ms > targets.freshnessMaxAgeMs);

  const finished = input.syncRuns.filter((r) => r.startedAt >= from && r.startedAt < to && r.durationMs !== null
    && !['running', 'skipped'].includes(r.status));
  const durations = finished.map((r) => r.durationMs!).sort((a, b) => a - b);
  const p99 = percentile(durations, 99);

  const backups = input.tiers.map(({ tier, configured }) => {
    if (!configured) return { tier, configured, backups: 0, worstMs: null, breaches: [], met: null };
    const times = input.backups.filter((b) => b.tier === tier).map((b) => b.createdAt);
    const stretches = stretchesBetween(times, input.backupBefore.get(tier) ?? null, from, input.now);
    const breaches = stretches.filter((s) => s.ms > targets.backupMaxAgeMs);
    return { tier, configured, backups: times.filter((t) => t >= from).length, worstMs: Math.max(...stretches.map((s) => s.ms)), breaches, met: breaches.length === 0 };
  });

  const drills = input.drills.filter((d) => d.at >= from);
  const lastDrill = drills.at(-1) ?? null;
  const failedDrills = drills.filter((d) => !d.good).length;

  const allGameDays = input.gameDays ?? [];
  const gameDays = allGameDays.filter((d) => d.at >= from);
  const lastPassed = allGameDays.filter((d) => d.passed).at(-1)?.at ?? null;

  const report: SlaReport = {
    window: { from, to, days: input.days },
    availability: { successfulDays, days: input.days, percent: Math.round(percent * 100) / 100, targetPercent: targets.availabilityPercent, met: percent >= targets.availabilityPercent, missedDays },
    staleness: { worstMs: Math.max(...syncStretches.map((s) => s.ms)), limitMs: targets.freshnessMaxAgeMs, breaches: staleBreaches, met: staleBreaches.length === 0 },
    syncDuration: {
      runs: durations.length, p50Ms: percentile(durations, 50), p99Ms: p99, maxMs: durations.at(-1) ?? null,
      overSla: durations.filter((d) => d > targets.syncSlaMs).length, slaMs: targets.syncSlaMs, met: p99 === null ? null : p99 <= targets.syncSlaMs,
    },
    backups,
    drills: {
      count: drills.length, passed: drills.length - failedDrills, failed: failedDrills,
      last: lastDrill && { at: lastDrill.at, tier: lastDrill.tier, result: lastDrill.result }, met: drills.length ? failedDrills === 0 : null,
    },
    gameDays: {
      count: gameDays.length, passed: gameDays.filter((d) => d.passed).length, failed: gameDays.filter((d) => !d.passed).length,
      scenarios: [...new Set(gameDays.map((d) => d.scenario))].sort(), lastPassedAt: lastPassed,
      met: allGameDays.length === 0 ? null : lastPassed !== null && input.now - lastPassed <= MONTH_MS,
    },
    met: false,
  };
  report.met = report.availability.met && report.staleness.met && report.syncDuration.met !== false
    && backups.every((b) => b.met !== false) && report.drills.met !== false && report.gameDays.met !== false;
  return report;
}
