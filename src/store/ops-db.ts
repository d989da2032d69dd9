import path from 'node:path';
import { migrate, openSqlite, type Db, type Migration } from './sqlite.js';

export const OPS_DB_FILE = 'ops.db';

/**
 * `ops.db` holds the engine's own history and coordination, apart from `market.db` so that
 * restoring market data never rolls it back. Each table is owned by one module elsewhere; this
 * module only owns the file and its schema versions.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up: `
      CREATE TABLE locks (
        name TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        start_ticks INTEGER,
        host TEXT NOT NULL,
        acquired_at INTEGER NOT NULL
      );
    `,
  },
];

export function openOpsDb(dataDir: string): Db {
  const db = openSqlite(path.join(dataDir, OPS_DB_FILE));
  try {
    migrate(db, MIGRATIONS);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
