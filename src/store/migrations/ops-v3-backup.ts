import type { Migration } from '../sqlite.js';

/**
 * Owned by src/backup/catalog.ts: the catalog of verified backups, every backup attempt (so a
 * failed run is on record even outside the job runner), restore drills and recoveries.
 *
 * `backups` holds only copies that passed verification when they were made; `result` says what
 * the latest verification found ('verified', or 'failed' with the reason in `detail`), and a copy
 * removed by retention keeps its row with `deleted_at` set.
 */
export const opsV3Backup: Migration = {
  version: 3,
  up: `
    CREATE TABLE backups (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      tier TEXT NOT NULL CHECK (tier IN ('hot', 'warm', 'offsite')),
      location TEXT NOT NULL,
      size_bytes INTEGER NOT NULL,
      sha256 TEXT NOT NULL,
      md5 TEXT,
      created_at INTEGER NOT NULL,
      newest_candle INTEGER,
      schema_version INTEGER,
      row_counts TEXT,
      verified_at INTEGER,
      result TEXT NOT NULL CHECK (result IN ('verified', 'failed')),
      detail TEXT,
      deleted_at INTEGER
    );
    CREATE INDEX backups_by_tier ON backups (tier, created_at);
    CREATE TABLE backup_runs (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      started_at INTEGER NOT NULL,
      ended_at INTEGER NOT NULL,
      tier TEXT NOT NULL CHECK (tier IN ('hot', 'warm', 'offsite')),
      result TEXT NOT NULL CHECK (result IN ('verified', 'failed', 'not-configured')),
      backup_id INTEGER,
      error TEXT,
      duration_ms INTEGER NOT NULL
    );
    CREATE INDEX backup_runs_by_tier ON backup_runs (tier, started_at);
    CREATE TABLE restore_drills (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at INTEGER NOT NULL,
      backup_id INTEGER,
      tier TEXT NOT NULL,
      result TEXT NOT NULL CHECK (result IN ('ok', 'failed', 'no-backup')),
      duration_ms INTEGER,
      detail TEXT
    );
    CREATE TABLE recoveries (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      started_at INTEGER NOT NULL,
      ended_at INTEGER,
      kind TEXT NOT NULL CHECK (kind IN ('restore', 'recover')),
      result TEXT NOT NULL CHECK (result IN ('ok', 'partial', 'failed', 'not-needed')),
      backup_id INTEGER,
      quarantine TEXT,
      steps TEXT,
      rto_ms INTEGER,
      detail TEXT
    );
  `,
};
