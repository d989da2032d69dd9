import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { hostName } from '../common/host-name.js';
import type { Config } from '../config/schema.js';
import type { Db } from '../store/sqlite.js';
import { currentProcess, isAlive, type ProcessIdentity } from './process-identity.js';

export interface LockHolder extends ProcessIdentity {
  host: string;
  acquiredAt: number;
}

export class LockHeldError extends Error {
  constructor(readonly lockName: string, readonly holder: LockHolder) {
    super(`${lockName} is already running: PID ${holder.pid} on ${holder.host}, since ${new Date(holder.acquiredAt).toISOString()}`);
  }
}

interface LockRow { pid: number; start_ticks: number | null; host: string; acquired_at: number }

/**
 * Owns the `locks` table of ops.db. Taking a lock is one IMMEDIATE transaction, so two processes
 * racing for it are serialised by SQLite itself; a lock whose holder has died is taken over.
 */
export function acquireLock(db: Db, name: string, me: ProcessIdentity = currentProcess()): () => void {
  const host = os.hostname();
  db.transaction(() => {
    const holder = lockHolder(db, name);
    if (holder) {
      const mine = holder.pid === me.pid && holder.startTicks === me.startTicks && holder.host === host;
      // Another host's process cannot be probed from here; its lock stands until released.
      if (!mine && (holder.host !== host || isAlive(holder))) throw new LockHeldError(name, holder);
    }
    db.prepare('INSERT OR REPLACE INTO locks (name, pid, start_ticks, host, acquired_at) VALUES (?, ?, ?, ?, ?)')
      .run(name, me.pid, me.startTicks, host, Date.now());
  }).immediate();
  return () => {
    db.prepare('DELETE FROM locks WHERE name = ? AND pid = ? AND host = ?').run(name, me.pid, host);
  };
}

export function lockHolder(db: Db, name: string): LockHolder | null {
  const row = db.prepare('SELECT pid, start_ticks, host, acquired_at FROM locks WHERE name = ?').get(name) as LockRow | undefined;
  return row ? { pid: row.pid, startTicks: row.start_ticks, host: row.host, acquiredAt: row.acquired_at } : null;
}

/** Where job locks are shared with the other hosts of one store: PostgreSQL's URL and our host's name there. */
export interface SharedLocks {
  url: string;
  host: string;
}

/** With store.backend postgres, the locks are shared in that database; else (SQLite) each host's ops.db is the only place. */
export function sharedLocks(config: Pick<Config, 'store' | 'engine'>): SharedLocks | null {
  return config.store.backend === 'postgres' ? { url: config.store.url ?? '', host: hostName(config.engine.host) } : null;
}

export interface JobLockOptions {
  me?: ProcessIdentity;
  /** Told if the shared lock is lost while held (its PostgreSQL connection ended): another host can start the job from then on. */
  onLost?: (message: string) => void;
}

/**
 * Takes a job lock where every process that could run the same job sees it: ops.db's (as
 * acquireLock, first), then, with a shared store, the same lock in PostgreSQL, so that a run by
 * hand on one host and the leader's scheduled run on another are serialised too. Held elsewhere:
 * LockHeldError naming the holder's PID and host; PostgreSQL unreachable: its StoreError (a job
 * never runs unserialised). Either way the ops.db lock is given back. Without `shared` this is
 * acquireLock exactly; the PostgreSQL client is loaded only with one.
 */
export async function acquireJobLock(ops: Db, name: string, shared: SharedLocks | null, options: JobLockOptions = {}): Promise<() => Promise<void>> {
  const me = options.me ?? currentProcess();
  const releaseLocal = acquireLock(ops, name, me);
  if (!shared) return async () => releaseLocal();
  try {
    const { takeJobLock } = await import('../store/postgres/job-locks.js');
    const outcome = await takeJobLock(shared.url, name, { holderId: randomUUID(), host: shared.host, pid: me.pid, startTicks: me.startTicks }, options.onLost);
    if (!outcome.taken) {
      const h = outcome.holder;
      throw new LockHeldError(name, h
        ? { pid: h.pid, startTicks: h.startTicks, host: h.host, acquiredAt: h.acquiredAt }
        // Taken this very moment by a process that has not written its name yet.
        : { pid: 0, startTicks: null, host: 'another host (it has just taken the lock)', acquiredAt: Date.now() });
    }
    return async () => {
      try {
        await outcome.release();
      } finally {
        releaseLocal();
      }
    };
  } catch (error) {
    releaseLocal();
    throw error;
  }
}
