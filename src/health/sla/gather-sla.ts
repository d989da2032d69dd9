import type { Config } from '../../config/schema.js';
import { listRuns } from '../../engine/run-history.js';
import { openOpsDb } from '../../store/ops-db.js';
import { isGoodDrill, lastVerifiedBefore, restoreDrillsSince, verifiedBackupsSince } from '../sources/backup-catalog.js';
import { backupTiers } from '../sources/backup-tiers.js';
import { gameDayDrillsSince } from '../sources/game-day-drills.js';
import { SYNC_JOB } from '../sources/sync-history.js';
import { healthThresholds } from '../thresholds.js';
import type { SlaInput } from './sla-audit.js';

const DAY_MS = 86_400_000;
/** Runs from this long before the window, to know when the last sync before it succeeded. */
const LOOK_BEFORE_MS = 7 * DAY_MS;
const MONTH_MS = 31 * DAY_MS;

/** The audit's inputs from ops.db: the sync's run history, the backup catalog, the restore drills and the game-day drills. */
export function gatherSlaInput(config: Config, dataDir: string, days: number, now: number): SlaInput {
  const limits = healthThresholds(config);
  const from = Math.floor(now / DAY_MS) * DAY_MS - days * DAY_MS;
  const ops = openOpsDb(dataDir);
  try {
    const syncRuns = listRuns(ops, { job: SYNC_JOB, since: from - LOOK_BEFORE_MS, limit: 1_000_000 })
      .map((r) => ({ status: r.status, startedAt: r.startedAt, endedAt: r.endedAt, durationMs: r.durationMs }));
    return {
      now, days, syncRuns,
      backups: verifiedBackupsSince(ops, from).map((b) => ({ tier: b.tier, createdAt: b.createdAt })),
      backupBefore: lastVerifiedBefore(ops, from),
      tiers: backupTiers(config),
      drills: restoreDrillsSince(ops, from).map((d) => ({ at: d.at, tier: d.tier, result: d.result, good: isGoodDrill(d.result) })),
      // The monthly game-day drill: from a month before the window, so a window's first days know the last one.
      gameDays: gameDayDrillsSince(ops, from - MONTH_MS),
      targets: {
        availabilityPercent: limits.syncAvailabilityTargetPercent, freshnessMaxAgeMs: limits.lastSyncMaxAgeMs,
        syncSlaMs: limits.syncSlaMs, backupMaxAgeMs: limits.backupAge.warn,
      },
    };
  } finally {
    ops.close();
  }
}
