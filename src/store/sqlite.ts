import fs from 'node:fs';
import path from 'node:path';
import Database, { type Db } from './sqlite-driver.js';
import { StoreError } from './store-error.js';

export { StoreError } from './store-error.js';

export type { Db };

function sqliteCode(error: unknown): string | undefined {
  return (error as { code?: string } | undefined)?.code;
}

export function describeOpenError(file: string, error: unknown): StoreError {
  const code = sqliteCode(error);
  const reason = (error as Error).message;
  if (code === 'SQLITE_NOTADB') {
    return new StoreError(`${file} is not a SQLite database (${reason}); nothing was written to it. Move it aside or restore a backup.`, 'not-a-database', { cause: error });
  }
  if (code === 'SQLITE_CORRUPT') {
    return new StoreError(`${file} is corrupt (${reason}); nothing was written to it. Restore a backup.`, 'corrupt', { cause: error });
  }
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_IOERR_WRITE' || code === 'EACCES' || code === 'EROFS') {
    return new StoreError(`cannot write ${file} (${code}: ${reason}); the data dir must be writable.`, 'unwritable', { cause: error });
  }
  return new StoreError(`cannot open ${file}: ${reason}`, 'open-failed', { cause: error });
}

/**
 * Opens a database with the house pragmas: WAL so readers never block the writer,
 * synchronous=NORMAL (durable at checkpoints, safe against corruption in WAL mode),
 * a busy timeout so concurrent processes wait instead of failing, a 10 MB page cache.
 *
 * These are also what Litestream (continuous replication, src/replication) requires of every
 * writer: WAL mode, and a busy timeout of at least 5 s, since Litestream holds a read lock and
 * takes the write lock briefly for its own checkpoints. Autocheckpoints stay on (its docs make
 * turning them off optional, for heavy write loads); the truncating checkpoint of `compact` runs
 * with Litestream paused (src/backup/compact.ts).
 */
/** Above Litestream's documented minimum of 5000 ms. */
export const BUSY_TIMEOUT_MS = 10_000;

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Sets WAL, which then stays the file's mode. Switching a new file into it needs the file to
 * itself, and SQLite answers SQLITE_BUSY at once, without waiting out busy_timeout, when another
 * process opens the new file at that moment (the daemon's first jobs; the console's health tick
 * beside the first sync). So it is asked again after a short pause, for as long as busy_timeout
 * would have waited.
 */
function enterWal(db: Db): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, 5 + Math.random() * 20);
    }
  }
}

export function openSqlite(file: string, options: { readonly?: boolean } = {}): Db {
  if (!options.readonly) {
    try {
      fs.accessSync(fs.existsSync(file) ? file : path.dirname(file), fs.constants.W_OK);
    } catch (error) {
      throw describeOpenError(file, error);
    }
  }
  let db: Db | undefined;
  try {
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!options.readonly) enterWal(db);
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -10000');
    db.pragma('foreign_keys = ON');
    // A non-database file passes the open; reading the schema is what detects it.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (error) {
    db?.close();
    throw describeOpenError(file, error);
  }
}

export interface Migration {
  version: number;
  up: string;
}

/**
 * Applies the migrations above the file's `user_version`, each in its own transaction. Versions
 * must ascend but need not be contiguous (a version may be added by another change later).
 */
export function migrate(db: Db, migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    const previous = migrations[i - 1];
    if (previous && m.version <= previous.version) {
      throw new Error(`migrations of ${db.name} out of order: version ${m.version} follows ${previous.version}; list them in ascending order`);
    }
  });
  const current = db.pragma('user_version', { simple: true }) as number;
  const newest = migrations.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new StoreError(`${db.name} has schema version ${current}, newer than this cfa-console knows (${newest}); upgrade cfa-console.`, 'open-failed');
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    // Two processes opening a new file at once (the daemon's first jobs, a console's health tick
    // beside the first sync) both read version 0 above. Each step therefore takes the write lock
    // first (IMMEDIATE, waiting out busy_timeout) and reads the version again under it: the one
    // that comes second finds the step done instead of failing with "table already exists".
    db.transaction(() => {
      if ((db.pragma('user_version', { simple: true }) as number) >= m.version) return;
      db.exec(m.up);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

/** Opens a database and brings its schema up to date; closes it again when that fails. */
export function openMigrated(file: string, migrations: readonly Migration[]): Db {
  const db = openSqlite(file);
  try {
    migrate(db, migrations);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
