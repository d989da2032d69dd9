import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { hostName } from '../common/host-name.js';
import type { Config } from '../config/schema.js';
import type { Db } from '../store/sqlite.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { lockLostMessage, nextRetakeStep, RETAKE_WINDOW_MS, type RetakeAttempt } from './lock-retake.js';
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
  /** Told if the shared lock is lost while held (its PostgreSQL connection ended): it is being taken again from then on. */
  onLost?: (message: string) => void;
  /** Told when a lost shared lock is held again, with how long it was without it. */
  onRetaken?: (lostMs: number, message: string) => void;
  /** Told when a lost shared lock is lost for good (another holder, or not taken again in time); `lost` aborts with the same error. */
  onLostForGood?: (error: LockLostError) => void;
  /** How long a lost shared lock is tried for (default RETAKE_WINDOW_MS). */
  retakeWindowMs?: number;
}

/** The reason a job lock's `lost` signal aborts with: the run is no longer the only one and must stop. */
export class LockLostError extends Error {
  constructor(readonly lockName: string, message: string, readonly holder: { host: string; pid: number } | null) {
    super(message);
  }
}

/** The lock's error when `signal` was aborted because its lock was lost for good (not a timeout, not a cancel). */
export function lockLoss(signal: AbortSignal | undefined): LockLostError | null {
  return signal?.aborted && signal.reason instanceof LockLostError ? signal.reason : null;
}

/**
 * A held job lock: calling it releases it. `lost` aborts (reason: LockLostError) once a shared
 * lock's connection ended and the lock could not be taken again (another host has it, or
 * PostgreSQL stayed away longer than RETAKE_WINDOW_MS); it never aborts for ops.db's lock alone.
 */
export type JobLock = (() => Promise<void>) & { readonly lost: AbortSignal };

/**
 * Takes a job lock where every process that could run the same job sees it: ops.db's (as
 * acquireLock, first), then, with a shared store, the same lock in PostgreSQL, so that a run by
 * hand on one host and the leader's scheduled run on another are serialised too. Held elsewhere:
 * LockHeldError naming the holder's PID and host; PostgreSQL unreachable: its StoreError (a job
 * never runs unserialised). Either way the ops.db lock is given back. Without `shared` this is
 * acquireLock exactly; the PostgreSQL client is loaded only with one.
 *
 * A shared lock whose connection ends while held is taken again at once on a new connection, for
 * the same holder, every RETAKE_EVERY_MS for up to RETAKE_WINDOW_MS (see lock-retake.ts), while the
 * run goes on; the release then releases the new connection. Lost for good: `lost` aborts.
 */
export async function acquireJobLock(ops: Db, name: string, shared: SharedLocks | null, options: JobLockOptions = {}): Promise<JobLock> {
  const me = options.me ?? currentProcess();
  const releaseLocal = acquireLock(ops, name, me);
  const lost = new AbortController();
  if (!shared) return Object.assign(async () => releaseLocal(), { lost: lost.signal });
  try {
    const { takeJobLock } = await import('../store/postgres/job-locks.js');
    const holder = { holderId: randomUUID(), host: shared.host, pid: me.pid, startTicks: me.startTicks };
    let releaseShared: (() => Promise<void>) | null = null;
    let released = false;
    let retaking: Promise<void> = Promise.resolve();
    const stopWaiting = new AbortController();
    const windowMs = options.retakeWindowMs ?? RETAKE_WINDOW_MS;

    const retake = async (lostAt: number): Promise<void> => {
      for (;;) {
        let attempt: RetakeAttempt;
        try {
          const o = await takeJobLock(shared.url, name, holder, onLost);
          if (o.taken && released) {
            await o.release();
            return;
          }
          if (o.taken) releaseShared = o.release;
          attempt = o.taken ? { kind: 'taken' } : { kind: 'held', holder: o.holder };
        } catch (error) {
          attempt = { kind: 'error', message: (error as Error).message };
        }
        if (released) return;
        const elapsed = Date.now() - lostAt;
        const step = nextRetakeStep(attempt, elapsed, holder.holderId, windowMs);
        if (step.do === 'retaken') {
          options.onRetaken?.(elapsed, `the ${name} lock is held again after ${(elapsed / 1000).toFixed(1)} s without it; the run went on`);
          return;
        }
        if (step.do === 'stop') {
          const error = new LockLostError(name, lockLostMessage(name, step, windowMs), step.why === 'other-holder' ? { host: step.holder.host, pid: step.holder.pid } : null);
          options.onLostForGood?.(error);
          lost.abort(error);
          return;
        }
        await sleep(step.inMs, undefined, { signal: stopWaiting.signal }).catch(() => {});
        if (released) return;
      }
    };

    function onLost(message: string): void {
      // The lost connection's pool is ended; its advisory lock is gone with it already.
      const gone = releaseShared;
      releaseShared = null;
      void gone?.().catch(() => {});
      if (released) return;
      options.onLost?.(`${message}; taking it again for up to ${Math.round(windowMs / 1000)} s while the run goes on`);
      retaking = retake(Date.now());
    }

    const outcome = await takeJobLock(shared.url, name, holder, onLost);
    if (!outcome.taken) {
      const h = outcome.holder;
      throw new LockHeldError(name, h
        ? { pid: h.pid, startTicks: h.startTicks, host: h.host, acquiredAt: h.acquiredAt }
        // Taken this very moment by a process that has not written its name yet.
        : { pid: 0, startTicks: null, host: 'another host (it has just taken the lock)', acquiredAt: Date.now() });
    }
    releaseShared = outcome.release;
    const release = async () => {
      released = true;
      stopWaiting.abort();
      try {
        await retaking;
        await (releaseShared as (() => Promise<void>) | null)?.();
      } finally {
        releaseLocal();
      }
    };
    return Object.assign(release, { lost: lost.signal });
  } catch (error) {
    releaseLocal();
    throw error;
  }
}
