import type { Db } from '../store/sqlite.js';
import type { PgFacts } from './postgres/types.js';
import { TIERS, type Tier, type TierSettings } from './tiers.js';

/**
 * The only module that reads or writes the tables of ops-v3-backup: `backups` (the catalog),
 * `backup_runs` (every attempt, failed ones too), `restore_drills` and `recoveries`. Everything
 * else, the health probe and the console included, goes through these functions.
 */

export type BackupResult = 'verified' | 'failed';

/** What a copy is of: market.db (a SQLite file) or the PostgreSQL store (a pg_dump, custom format). */
export type BackupBackend = 'sqlite' | 'postgres';

export interface BackupEntry {
  id: number;
  tier: Tier;
  backend: BackupBackend;
  /** An absolute path (hot, warm) or an rclone `remote:path` (offsite). */
  location: string;
  sizeBytes: number;
  sha256: string;
  md5: string | null;
  /** When the snapshot was taken: copies of one snapshot in several tiers share it. */
  createdAt: number;
  newestCandle: number | null;
  schemaVersion: number | null;
  rowCounts: Record<string, number> | null;
  /** A pg_dump's facts (candles and checksum per series, rows per table); null for SQLite copies. */
  pgFacts: PgFacts | null;
  verifiedAt: number | null;
  /** What the latest verification found. */
  result: BackupResult;
  detail: string | null;
  deletedAt: number | null;
}

interface BackupRow {
  id: number; tier: Tier; backend: BackupBackend; facts: string | null; location: string; size_bytes: number; sha256: string; md5: string | null;
  created_at: number; newest_candle: number | null; schema_version: number | null; row_counts: string | null;
  verified_at: number | null; result: BackupResult; detail: string | null; deleted_at: number | null;
}

function fromRow(r: BackupRow): BackupEntry {
  return {
    id: r.id, tier: r.tier, backend: r.backend, location: r.location, sizeBytes: r.size_bytes, sha256: r.sha256, md5: r.md5,
    createdAt: r.created_at, newestCandle: r.newest_candle, schemaVersion: r.schema_version,
    rowCounts: r.row_counts ? JSON.parse(r.row_counts) as Record<string, number> : null,
    pgFacts: r.facts ? JSON.parse(r.facts) as PgFacts : null,
    verifiedAt: r.verified_at, result: r.result, detail: r.detail, deletedAt: r.deleted_at,
  };
}

export type NewBackup = Omit<BackupEntry, 'id' | 'result' | 'detail' | 'deletedAt' | 'verifiedAt' | 'backend' | 'pgFacts'> & {
  verifiedAt: number;
  /** Default sqlite. */
  backend?: BackupBackend;
  pgFacts?: PgFacts | null;
};

/** Enters a copy that has just passed verification: nothing unverified is ever inserted. */
export function insertVerifiedBackup(db: Db, b: NewBackup): BackupEntry {
  const info = db.prepare(`
    INSERT INTO backups (tier, backend, location, size_bytes, sha256, md5, created_at, newest_candle, schema_version, row_counts, facts, verified_at, result)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'verified')`).run(
    b.tier, b.backend ?? 'sqlite', b.location, b.sizeBytes, b.sha256, b.md5, b.createdAt, b.newestCandle, b.schemaVersion,
    b.rowCounts ? JSON.stringify(b.rowCounts) : null, b.pgFacts ? JSON.stringify(b.pgFacts) : null, b.verifiedAt,
  );
  return getBackup(db, Number(info.lastInsertRowid))!;
}

export function getBackup(db: Db, id: number): BackupEntry | null {
  const row = db.prepare('SELECT * FROM backups WHERE id = ?').get(id) as BackupRow | undefined;
  return row ? fromRow(row) : null;
}

/**
 * Newest first (ties: hot, warm, offsite); without `includeDeleted`, only copies that still exist;
 * with `backend`, only copies of that store (what a restore, recover or drill may use).
 */
export function listBackups(db: Db, options: { includeDeleted?: boolean; tier?: Tier; backend?: BackupBackend } = {}): BackupEntry[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (!options.includeDeleted) where.push('deleted_at IS NULL');
  if (options.tier) {
    where.push('tier = ?');
    args.push(options.tier);
  }
  if (options.backend) {
    where.push('backend = ?');
    args.push(options.backend);
  }
  const rows = db.prepare(`
    SELECT * FROM backups ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY created_at DESC, CASE tier WHEN 'hot' THEN 0 WHEN 'warm' THEN 1 ELSE 2 END, id DESC`).all(...args) as BackupRow[];
  return rows.map(fromRow);
}

export function markVerified(db: Db, id: number, at: number): void {
  db.prepare("UPDATE backups SET verified_at = ?, result = 'verified', detail = NULL WHERE id = ?").run(at, id);
}

/** A later verification found the copy bad: it stays listed, with why, and is never restored from. */
export function markFailed(db: Db, id: number, at: number, detail: string): void {
  db.prepare("UPDATE backups SET verified_at = ?, result = 'failed', detail = ? WHERE id = ?").run(at, detail.slice(0, 2000), id);
}

export function markDeleted(db: Db, id: number, at: number): void {
  db.prepare('UPDATE backups SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL').run(at, id);
}

// --- attempts ----------------------------------------------------------------------------

export type RunResult = 'verified' | 'failed' | 'not-configured';

export interface BackupRun {
  id: number;
  startedAt: number;
  endedAt: number;
  tier: Tier;
  result: RunResult;
  backupId: number | null;
  error: string | null;
  durationMs: number;
}

interface RunRow { id: number; started_at: number; ended_at: number; tier: Tier; result: RunResult; backup_id: number | null; error: string | null; duration_ms: number }

/** Written when a tier's attempt ends (a run killed mid-way leaves nothing here, and no catalog entry). */
export function recordBackupRun(db: Db, run: Omit<BackupRun, 'id'>): number {
  return Number(db.prepare(`
    INSERT INTO backup_runs (started_at, ended_at, tier, result, backup_id, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?)`)
    .run(run.startedAt, run.endedAt, run.tier, run.result, run.backupId, run.error?.slice(0, 2000) ?? null, run.durationMs).lastInsertRowid);
}

export function listBackupRuns(db: Db, options: { tier?: Tier; limit?: number } = {}): BackupRun[] {
  const rows = db.prepare(`SELECT * FROM backup_runs ${options.tier ? 'WHERE tier = ?' : ''} ORDER BY started_at DESC, id DESC LIMIT ?`)
    .all(...(options.tier ? [options.tier] : []), options.limit ?? 100) as RunRow[];
  return rows.map((r) => ({
    id: r.id, startedAt: r.started_at, endedAt: r.ended_at, tier: r.tier, result: r.result,
    backupId: r.backup_id, error: r.error, durationMs: r.duration_ms,
  }));
}

// --- drills -------------------------------------------------------------------------------

export type DrillResult = 'ok' | 'failed' | 'no-backup';

export interface Drill {
  id: number;
  at: number;
  backupId: number | null;
  tier: Tier;
  result: DrillResult;
  durationMs: number | null;
  detail: string | null;
}

export function recordDrill(db: Db, drill: Omit<Drill, 'id'>): number {
  return Number(db.prepare('INSERT INTO restore_drills (at, backup_id, tier, result, duration_ms, detail) VALUES (?, ?, ?, ?, ?, ?)')
    .run(drill.at, drill.backupId, drill.tier, drill.result, drill.durationMs, drill.detail?.slice(0, 2000) ?? null).lastInsertRowid);
}

/** Newest first; what the SLA audit reads. */
export function listDrills(db: Db, options: { since?: number; limit?: number } = {}): Drill[] {
  const rows = db.prepare('SELECT * FROM restore_drills WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?')
    .all(options.since ?? 0, options.limit ?? 1000) as { id: number; at: number; backup_id: number | null; tier: Tier; result: DrillResult; duration_ms: number | null; detail: string | null }[];
  return rows.map((r) => ({ id: r.id, at: r.at, backupId: r.backup_id, tier: r.tier, result: r.result, durationMs: r.duration_ms, detail: r.detail }));
}

// --- recoveries ---------------------------------------------------------------------------

export type RecoveryKind = 'restore' | 'recover';
export type RecoveryResult = 'ok' | 'partial' | 'failed' | 'not-needed';

export interface Recovery {
  id: number;
  startedAt: number;
  endedAt: number | null;
  kind: RecoveryKind;
  result: RecoveryResult;
  backupId: number | null;
  quarantine: string | null;
  steps: unknown[];
  rtoMs: number | null;
  detail: string | null;
}

export function recordRecovery(db: Db, r: Omit<Recovery, 'id'>): number {
  return Number(db.prepare(`
    INSERT INTO recoveries (started_at, ended_at, kind, result, backup_id, quarantine, steps, rto_ms, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(r.startedAt, r.endedAt, r.kind, r.result, r.backupId, r.quarantine, JSON.stringify(r.steps), r.rtoMs, r.detail?.slice(0, 2000) ?? null).lastInsertRowid);
}

export function listRecoveries(db: Db, limit = 50): Recovery[] {
  const rows = db.prepare('SELECT * FROM recoveries ORDER BY started_at DESC, id DESC LIMIT ?').all(limit) as {
    id: number; started_at: number; ended_at: number | null; kind: RecoveryKind; result: RecoveryResult; backup_id: number | null;
    quarantine: string | null; steps: string | null; rto_ms: number | null; detail: string | null;
  }[];
  return rows.map((r) => ({
    id: r.id, startedAt: r.started_at, endedAt: r.ended_at, kind: r.kind, result: r.result, backupId: r.backup_id,
    quarantine: r.quarantine, steps: r.steps ? JSON.parse(r.steps) as unknown[] : [], rtoMs: r.rto_ms, detail: r.detail,
  }));
}

// --- overview -----------------------------------------------------------------------------

/** One line per tier for the console's backups panel and the `backups` header. */
export interface TierOverview {
  tier: Tier;
  configured: boolean;
  /** Snapshot time of the newest verified copy still present. */
  newestAt: number | null;
  sizeBytes: number | null;
  lastVerifiedAt: number | null;
  lastDrill: { at: number; result: string } | null;
  lastRun: { at: number; result: RunResult; error: string | null } | null;
}

export function tierOverview(db: Db, settings: Pick<TierSettings, 'warm' | 'offsite'>): TierOverview[] {
  return TIERS.map((tier) => {
    const newest = db.prepare(`SELECT * FROM backups WHERE tier = ? AND deleted_at IS NULL AND result = 'verified' ORDER BY created_at DESC, id DESC LIMIT 1`)
      .get(tier) as BackupRow | undefined;
    const lastVerifiedAt = db.prepare("SELECT max(verified_at) FROM backups WHERE tier = ? AND deleted_at IS NULL AND result = 'verified'").pluck().get(tier) as number | null;
    const drill = db.prepare('SELECT at, result FROM restore_drills WHERE tier = ? ORDER BY at DESC, id DESC LIMIT 1').get(tier) as { at: number; result: string } | undefined;
    const run = db.prepare('SELECT ended_at, result, error FROM backup_runs WHERE tier = ? ORDER BY started_at DESC, id DESC LIMIT 1').get(tier) as { ended_at: number; result: RunResult; error: string | null } | undefined;
    return {
      tier,
      configured: tier === 'hot' || settings[tier] !== null,
      newestAt: newest?.created_at ?? null,
      sizeBytes: newest?.size_bytes ?? null,
      lastVerifiedAt,
      lastDrill: drill ?? null,
      lastRun: run ? { at: run.ended_at, result: run.result, error: run.error } : null,
    };
  });
}
