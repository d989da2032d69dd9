import type { Migration } from '../sqlite.js';

/**
 * `integrity_verdicts` is owned by src/health/integrity-verdict-store.ts: the last whole-file
 * check of market.db (quick_check), when it was taken and what the file looked like just before
 * (marketFileSignature: inode, size and mtime of the file and its WAL). A `health` run, the leader
 * after a restart, or a console reuse it while the file is unchanged and the verdict is younger
 * than `health.integrityRecheck`, instead of reading the whole file again. One row per store file.
 */
export const opsV9Integrity: Migration = {
  version: 9,
  up: `
    CREATE TABLE integrity_verdicts (
      store TEXT PRIMARY KEY,
      checked_at INTEGER NOT NULL,
      signature TEXT NOT NULL,
      status TEXT NOT NULL,
      verdict TEXT NOT NULL
    );
  `,
};
