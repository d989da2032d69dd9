import type { Db } from '../store/sqlite.js';
import type { HealthSnapshot, HealthStatus } from './types.js';

/** How many snapshots are kept: the newest is what is read, the few before it show the cadence. */
export const KEEP_SNAPSHOTS = 20;

export interface SnapshotAuthor {
  pid: number;
  host: string;
}

export interface StoredSnapshot {
  id: number;
  takenAt: number;
  computedBy: SnapshotAuthor;
  snapshot: HealthSnapshot;
}

/** A stored snapshot without its body: who computed it and when. */
export type SnapshotRecord = Omit<StoredSnapshot, 'snapshot'> & { overall: HealthStatus };

interface Row {
  id: number; taken_at: number; computed_by_pid: number; computed_by_host: string; overall: HealthStatus; snapshot?: string;
}

/**
 * Owns the `health_snapshots` table of ops.db: the leader writes each snapshot it computes,
 * followers and consoles read the newest. Older rows beyond `keep` are deleted in the same
 * transaction.
 */
export function saveHealthSnapshot(db: Db, snapshot: HealthSnapshot, by: SnapshotAuthor, keep = KEEP_SNAPSHOTS): number {
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`keep must be a whole number of snapshots, at least 1; got ${keep}`);
  return db.transaction(() => {
    const { lastInsertRowid } = db.prepare(`INSERT INTO health_snapshots (taken_at, computed_by_pid, computed_by_host, overall, snapshot)
                                            VALUES (?, ?, ?, ?, ?)`)
      .run(snapshot.at, by.pid, by.host, columnStatus(snapshot.overall), JSON.stringify(snapshot));
    db.prepare('DELETE FROM health_snapshots WHERE id <= (SELECT id FROM health_snapshots ORDER BY id DESC LIMIT 1 OFFSET ?)').run(keep);
    return Number(lastInsertRowid);
  }).immediate();
}

/**
 * The `overall` column's CHECK (ops-v6) predates `never-synced`: the column says `unknown` for
 * it (metrics rank them alike), the stored body keeps the state itself.
 */
function columnStatus(status: HealthStatus): HealthStatus {
  return status === 'never-synced' ? 'unknown' : status;
}

/** The newest stored snapshot, or null when none was stored yet. */
export function newestHealthSnapshot(db: Db): StoredSnapshot | null {
  const row = db.prepare('SELECT * FROM health_snapshots ORDER BY id DESC LIMIT 1').get() as Row | undefined;
  if (!row) return null;
  return { ...record(row), snapshot: JSON.parse(row.snapshot!) as HealthSnapshot };
}

/**
 * The first snapshot taken at or after `at`; null when none is yet, or when no snapshot from
 * before `at` is left (only the newest few are kept: the first after `at` may have been pruned).
 */
export function firstHealthSnapshotSince(db: Db, at: number): StoredSnapshot | null {
  if (!db.prepare('SELECT 1 FROM health_snapshots WHERE taken_at < ? LIMIT 1').get(at)) return null;
  const row = db.prepare('SELECT * FROM health_snapshots WHERE taken_at >= ? ORDER BY taken_at, id LIMIT 1').get(at) as Row | undefined;
  if (!row) return null;
  return { ...record(row), snapshot: JSON.parse(row.snapshot!) as HealthSnapshot };
}

/** Who computed the newest stored snapshot and when, without reading its body; null when none. */
export function newestSnapshotRecord(db: Db): SnapshotRecord | null {
  const row = db.prepare('SELECT id, taken_at, computed_by_pid, computed_by_host, overall FROM health_snapshots ORDER BY id DESC LIMIT 1').get() as Row | undefined;
  return row ? { ...record(row), overall: row.overall } : null;
}

/** Who computed the stored snapshots and when, oldest first (no bodies). */
export function listHealthSnapshots(db: Db): SnapshotRecord[] {
  const rows = db.prepare('SELECT id, taken_at, computed_by_pid, computed_by_host, overall FROM health_snapshots ORDER BY id').all() as Row[];
  return rows.map((row) => ({ ...record(row), overall: row.overall }));
}

function record(row: Row): Omit<StoredSnapshot, 'snapshot'> {
  return { id: row.id, takenAt: row.taken_at, computedBy: { pid: row.computed_by_pid, host: row.computed_by_host } };
}
