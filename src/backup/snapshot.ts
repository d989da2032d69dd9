import Database, { type Db } from '../store/sqlite-driver.js';
import { describeOpenError } from '../store/sqlite.js';
import { fsyncFile, removeWithSideFiles } from './files.js';

export interface SnapshotInfo {
  /** When the read transaction the copy was taken from began. */
  createdAt: number;
}

/** Every page in one backup step: one read transaction, so the copy is one consistent snapshot. */
const ALL_PAGES = 0x7fffffff;

/**
 * A consistent online copy of a live WAL database into `dest` (a temp path), while writers run.
 *
 * A read transaction is opened on a read-only connection; SQLite's online backup then copies every
 * page in a single step, which uses that same read transaction: the copy is exactly one snapshot
 * of the source, page for page, and writers (WAL) carry on meanwhile. A chunked backup would
 * restart whenever a writer commits, and `cp` of a WAL database copies a file that is never the
 * whole truth. What the copy holds (counts, newest candle, schema) is read from the copy once it
 * has passed the integrity check: reading it from the source as well would scan the same pages a
 * second time only to compare them with themselves.
 *
 * The copy is then switched to rollback-journal mode, so it can be opened read-only later without
 * creating -wal/-shm files beside it, and fsynced. On any failure (ENOSPC included) the partial
 * file and its journal are removed before the error is rethrown.
 */
export async function takeSnapshot(sourceFile: string, dest: string): Promise<SnapshotInfo> {
  let source: Db;
  try {
    source = new Database(sourceFile, { readonly: true, fileMustExist: true });
    source.pragma('busy_timeout = 10000');
  } catch (error) {
    throw describeOpenError(sourceFile, error);
  }
  try {
    source.exec('BEGIN');
    const createdAt = Date.now();
    // BEGIN is deferred: the first read is what starts the read transaction the backup step uses.
    source.prepare('SELECT count(*) FROM sqlite_master').get();
    await source.backup(dest, { progress: () => ALL_PAGES });
    source.exec('COMMIT');
    const copy = new Database(dest, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    fsyncFile(dest);
    return { createdAt };
  } catch (error) {
    removeWithSideFiles(dest);
    throw error;
  } finally {
    if (source.inTransaction) source.exec('ROLLBACK');
    source.close();
  }
}
