import fs from 'node:fs';
import path from 'node:path';
import { acquireLock } from '../engine/job-lock.js';
import { MARKET_DB_FILE, MarketStore } from '../store/market-db.js';
import { litestreamMetaDir } from '../replication/litestream.js';
import type { Db } from '../store/sqlite.js';

import { StepLog } from '../common/step-log.js';
import { BACKUP_LOCK, COMPACT_LOCK, pauseWriters, SYNC_LOCK, type PausedWriters } from './writers.js';

export interface CompactResult {
  status: 'success' | 'failed';
  bytesBefore: number;
  bytesAfter: number;
  /** wal_checkpoint(TRUNCATE): busy = 1 when a reader kept it from finishing. */
  checkpoint: { busy: number; log: number; checkpointed: number } | null;
  error: string | null;
}

/** market.db with its WAL: what the store takes on disk. */
export function storeBytes(dataDir: string): number {
  return [MARKET_DB_FILE, `${MARKET_DB_FILE}-wal`].reduce((n, f) => {
    try {
      return n + fs.statSync(path.join(dataDir, f)).size;
    } catch {
      return n;
    }
  }, 0);
}

function freeBytes(dir: string): number | null {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/**
 * `cfa-console compact`: VACUUM (rebuilds the file without free pages), ANALYZE (fresh planner
 * statistics), wal_checkpoint(TRUNCATE) (the WAL folded in and cut to zero), with syncs and
 * backups held off by their locks; readers (the backtest daemon, the agent) carry on (WAL).
 * VACUUM writes the whole database once more into the WAL, so it is refused up front when the
 * data dir has less free space than the store takes, instead of failing half-way with ENOSPC.
 */
export async function runCompact(options: { ops: Db; dataDir: string; waitMs: number; log: StepLog; stopReplication?: boolean; killGraceMs?: number }): Promise<CompactResult> {
  const { ops, dataDir, log } = options;
  // The job's own lock first and without waiting: a second compaction is simply not needed.
  const releaseOwn = acquireLock(ops, COMPACT_LOCK);
  let paused: PausedWriters | null = null;
  const bytesBefore = storeBytes(dataDir);
  let checkpoint: CompactResult['checkpoint'] = null;
  let store: MarketStore | null = null;
  try {
    if (!fs.existsSync(path.join(dataDir, MARKET_DB_FILE))) throw new Error(`${path.join(dataDir, MARKET_DB_FILE)} does not exist: nothing to compact`);
    paused = await log.run('pause-writers', () => pauseWriters({
      ops, dataDir, locks: [SYNC_LOCK, BACKUP_LOCK], waitMs: options.waitMs, stopDaemon: false, killGraceMs: options.killGraceMs ?? 0,
      // Litestream holds a read lock that would keep the truncating checkpoint from finishing.
      stopReplication: options.stopReplication ?? false,
      onWait: (m) => log.add('wait', 'warn', m),
    }), (p) => p.notes.join('; '));
    const free = freeBytes(dataDir);
    await log.run('space', () => {
      if (free !== null && free < bytesBefore) {
        throw new Error(`VACUUM needs about ${bytesBefore} bytes free in ${dataDir} (it rewrites the whole store), only ${free} are: free some space first`);
      }
    }, () => `${free === null ? 'unknown' : free} bytes free, about ${bytesBefore} needed`);
    store = MarketStore.open(dataDir);
    const db = store.db;
    await log.run('vacuum', () => db.exec('VACUUM'), () => `${storeBytes(dataDir)} bytes (file + WAL) after VACUUM`);
    await log.run('analyze', () => db.exec('ANALYZE'), () => 'planner statistics refreshed');
    checkpoint = await log.run('checkpoint', () => (db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[])[0] ?? null,
      (c) => c && c.busy ? { status: 'warn', detail: 'a reader kept the checkpoint from finishing: the WAL is folded in at the next checkpoint' } : 'WAL folded into market.db and truncated');
    store.close();
    store = null;
    if (options.stopReplication) {
      // The rewritten file is a new history: Litestream's next run starts a new generation from it.
      await log.run('new-generation', () => fs.rmSync(litestreamMetaDir(dataDir, 'market'), { recursive: true, force: true }),
        () => 'Litestream\'s local state of market.db cleared: it starts a new generation (a fresh snapshot) when it resumes');
    }
    return { status: 'success', bytesBefore, bytesAfter: storeBytes(dataDir), checkpoint, error: null };
  } catch (error) {
    return { status: 'failed', bytesBefore, bytesAfter: storeBytes(dataDir), checkpoint, error: (error as Error).message };
  } finally {
    store?.close();
    await paused?.release();
    releaseOwn();
  }
}
