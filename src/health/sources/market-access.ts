import fs from 'node:fs';
import path from 'node:path';
import { MARKET_DB_FILE, MarketStore } from '../../store/market-db.js';
import { StoreError } from '../../store/sqlite.js';

export type MarketAccess =
  | { state: 'open'; file: string; store: MarketStore }
  | { state: 'missing'; file: string }
  /** `damaged`: not a database or corrupt (a verdict); otherwise it could not be opened (permissions, locks). */
  | { state: 'unreadable'; file: string; reason: string; damaged: boolean };

/**
 * Opens market.db for the probes without ever creating it: a missing store is a finding, not
 * something to paper over with an empty file. A file that is not a database (or cannot be
 * opened) is reported with the reason, never thrown.
 */
export function openMarketForHealth(dataDir: string): MarketAccess {
  const file = path.join(dataDir, MARKET_DB_FILE);
  if (!fs.existsSync(file)) return { state: 'missing', file };
  try {
    return { state: 'open', file, store: MarketStore.openFile(file) };
  } catch (error) {
    const code = error instanceof StoreError ? error.code : null;
    return { state: 'unreadable', file, reason: (error as Error).message, damaged: code === 'not-a-database' || code === 'corrupt' };
  }
}

/** The database file and its WAL: together, what the store takes on disk. */
export function marketFileBytes(file: string): number | null {
  try {
    const main = fs.statSync(file).size;
    let wal = 0;
    try { wal = fs.statSync(`${file}-wal`).size; } catch { /* no WAL: checkpointed and closed */ }
    return main + wal;
  } catch {
    return null;
  }
}

/** SQLite reports corruption with SQLITE_CORRUPT (and NOTADB for a page-1 that is garbage). */
export function isCorruptionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/**
 * What market.db and its WAL look like on disk (inode, size, modification time), as one string: a
 * different one means the store was written (a commit, a checkpoint, a replacement, a stray write)
 * since it was taken. An empty WAL counts as none, since readers create and remove it; `missing`
 * when there is no file. The change time is left out: SQLite, run as root, chowns the WAL on every
 * open, which changes it without a write.
 */
export function marketFileSignature(file: string): string {
  const stat = (f: string) => fs.statSync(f, { bigint: true, throwIfNoEntry: false });
  const part = (s: fs.BigIntStats) => `${s.ino}:${s.size}:${s.mtimeNs}`;
  const main = stat(file);
  if (!main) return 'missing';
  const wal = stat(`${file}-wal`);
  return `${part(main)}|${wal && wal.size > 0n ? part(wal) : 'no-wal'}`;
}
