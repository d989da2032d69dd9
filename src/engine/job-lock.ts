import os from 'node:os';
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
