import type { Db } from '../../store/sqlite.js';
import type { BackupTier } from '../probes/backup.js';

/**
 * Reads the backup catalog of ops.db (tables `backups` and `restore_drills`, owned by
 * src/backup, migration ops-v3-backup). This is the only place src/health reads them, and it
 * never writes: health must not depend on the backup code, only on the catalog it leaves.
 */

export interface CatalogBackup {
  id: number;
  tier: BackupTier;
  createdAt: number;
  verifiedAt: number | null;
  result: string;
  sizeBytes: number;
}

export interface CatalogDrill {
  at: number;
  tier: string;
  result: string;
  durationMs: number | null;
  detail: string | null;
}

/** What the catalog says of a copy that passed its latest verification (the other value is 'failed'). */
const VERIFIED = 'verified';
/** What a restore drill that restored and verified a backup records ('failed' and 'no-backup' are not). */
const DRILL_OK = 'ok';

export function isGoodDrill(result: string): boolean {
  return result === DRILL_OK;
}

/** Creation time of the newest verified, not deleted backup per tier. */
export function newestVerifiedByTier(db: Db): Map<BackupTier, number> {
  const rows = db.prepare(`SELECT tier, max(created_at) AS created_at FROM backups
    WHERE result = ? AND verified_at IS NOT NULL AND deleted_at IS NULL GROUP BY tier`).all(VERIFIED) as { tier: BackupTier; created_at: number }[];
  return new Map(rows.map((r) => [r.tier, r.created_at]));
}

/** Verified backups created at or after `since` (deleted ones too: they existed then), oldest first. */
export function verifiedBackupsSince(db: Db, since: number): CatalogBackup[] {
  const rows = db.prepare(`SELECT id, tier, created_at, verified_at, result, size_bytes FROM backups
    WHERE result = ? AND verified_at IS NOT NULL AND created_at >= ? ORDER BY created_at`).all(VERIFIED, since) as
    { id: number; tier: BackupTier; created_at: number; verified_at: number | null; result: string; size_bytes: number }[];
  return rows.map((r) => ({
    id: r.id, tier: r.tier, createdAt: r.created_at, verifiedAt: r.verified_at, result: r.result, sizeBytes: r.size_bytes,
  }));
}

/** The newest verified backup per tier created before `before`: where a window's first stretch starts. */
export function lastVerifiedBefore(db: Db, before: number): Map<BackupTier, number> {
  const rows = db.prepare(`SELECT tier, max(created_at) AS created_at FROM backups
    WHERE result = ? AND verified_at IS NOT NULL AND created_at < ? GROUP BY tier`).all(VERIFIED, before) as { tier: BackupTier; created_at: number }[];
  return new Map(rows.map((r) => [r.tier, r.created_at]));
}

export function restoreDrillsSince(db: Db, since: number): CatalogDrill[] {
  const rows = db.prepare('SELECT at, tier, result, duration_ms, detail FROM restore_drills WHERE at >= ? ORDER BY at')
    .all(since) as { at: number; tier: string; result: string; duration_ms: number | null; detail: string | null }[];
  return rows.map((r) => ({ at: r.at, tier: r.tier, result: r.result, durationMs: r.duration_ms, detail: r.detail }));
}
