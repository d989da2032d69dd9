import type { Migration } from '../sqlite.js';

/** Owned by src/backup: the catalog of verified backups, restore drills and recoveries. */
export const opsV3Backup: Migration = {
  version: 3,
  up: `
    CREATE TABLE backups (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      tier TEXT NOT NULL CHECK (tier IN ('hot', 'warm', 'offsite')),
      location TEXT NOT NULL,
      size_bytes INTEGER NOT NULL,
      sha256 TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      newest_candle INTEGER,
      schema_version INTEGER,
      row_counts TEXT,
      verified_at INTEGER,
      result TEXT NOT NULL,
      deleted_at INTEGER
    );
    CREATE INDEX backups_by_tier ON backups (tier, created_at);
    CREATE TABLE restore_drills (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at INTEGER NOT NULL,
      backup_id INTEGER,
      tier TEXT NOT NULL,
      result TEXT NOT NULL,
      duration_ms INTEGER,
      detail TEXT
    );
    CREATE TABLE recoveries (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      started_at INTEGER NOT NULL,
      ended_at INTEGER,
      kind TEXT NOT NULL,
      result TEXT NOT NULL,
      steps TEXT,
      rto_ms INTEGER
    );
  `,
};
