import type { Migration } from '../sqlite.js';

/**
 * Owned by src/health/snapshot-store.ts: the leader's newest health snapshots, so followers and
 * consoles read the one the leader computed instead of computing their own. Only the newest few
 * are kept. `computed_by_pid`/`computed_by_host` say which process computed each one, so anyone
 * can check that health was computed once per interval, by the leader.
 */
export const opsV6Health: Migration = {
  version: 6,
  up: `
    CREATE TABLE health_snapshots (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      taken_at INTEGER NOT NULL,
      computed_by_pid INTEGER NOT NULL,
      computed_by_host TEXT NOT NULL,
      overall TEXT NOT NULL CHECK (overall IN ('ok', 'warn', 'critical', 'unknown')),
      snapshot TEXT NOT NULL
    );
    CREATE INDEX health_snapshots_by_time ON health_snapshots (taken_at);
  `,
};
