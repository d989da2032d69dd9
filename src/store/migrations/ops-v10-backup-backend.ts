import type { Migration } from '../sqlite.js';

/**
 * Owned by src/backup/catalog.ts. The catalog tells a copy of market.db (SQLite) from a pg_dump
 * of the PostgreSQL store (`backend`): the two are verified, restored and retained apart, and a
 * restore never puts one where the other belongs. `facts` holds what a pg_dump was checked
 * against (candles and checksum per series, rows per table; src/backup/postgres/facts.ts);
 * SQLite copies keep theirs in `row_counts` and leave it NULL. Rows from before this migration
 * are SQLite copies.
 */
export const opsV10BackupBackend: Migration = {
  version: 10,
  up: `
    ALTER TABLE backups ADD COLUMN backend TEXT NOT NULL DEFAULT 'sqlite' CHECK (backend IN ('sqlite', 'postgres'));
    ALTER TABLE backups ADD COLUMN facts TEXT;
  `,
};
