import { AlertStore } from '../alerts/alert-state.js';
import { listBackups } from '../backup/catalog.js';
import { Outbox } from '../alerts/outbox.js';
import { readDaemonFacts, recentRuns } from '../alerts/sources.js';
import type { DaemonFacts } from '../alerts/types.js';
import type { Config } from '../config/schema.js';
import type { Db } from '../store/sqlite.js';
import type { MetricsHistory } from './registry.js';

/**
 * Everything `updateMetrics` needs besides the snapshot, read from ops.db through the owning
 * modules. Pass the supervisor's live figures as `daemon` where this process runs it.
 */
export function readMetricsHistory(db: Db, config: Config & { dataDir: string }, now = Date.now(), daemon?: DaemonFacts | null): MetricsHistory {
  return {
    now,
    runs: recentRuns(db, now),
    daemon: daemon === undefined ? readDaemonFacts(db, config, now) : daemon,
    alertsFiring: new AlertStore(db).firingCount(),
    outbox: new Outbox(db).stats(),
    backups: newestBackups(db),
  };
}

/** The newest verified backup of each tier, from the backup catalog (undefined if it cannot be read). */
function newestBackups(db: Db): MetricsHistory['backups'] {
  try {
    const seen = new Map<string, { tier: string; newestAt: number | null; sizeBytes: number | null }>();
    for (const b of listBackups(db)) {
      if (b.result !== 'verified' || seen.has(b.tier)) continue;
      seen.set(b.tier, { tier: b.tier, newestAt: b.createdAt, sizeBytes: b.sizeBytes });
    }
    return [...seen.values()];
  } catch {
    return undefined;
  }
}
