import fs from 'node:fs';
import { processGroupOf } from '../engine/process-identity.js';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { acquireLock, LockHeldError } from '../engine/job-lock.js';
import { holderIsGone, readLease } from '../engine/leadership.js';
import { isRunning, liveProcessFromPidFile, pidFilePath, type PidRecord } from '../engine/supervisor/pid-file.js';
import type { Db } from '../store/sqlite.js';

/** The lock names of the jobs that write market.db or read it whole. */
export { SYNC_LOCK } from '../sync/run-sync.js';
export const BACKUP_LOCK = 'backup';
export const COMPACT_LOCK = 'compact';
export const DRILL_LOCK = 'backup-drill';
const DAEMON = 'backtest';

/**
 * Takes a job lock, waiting up to `waitMs` for its holder to finish (a sync in flight is let
 * finish rather than killed). A dead holder's lock is taken over at once by acquireLock.
 */
export async function acquireLockWaiting(ops: Db, name: string, waitMs: number, onWait?: (message: string) => void): Promise<() => void> {
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      return acquireLock(ops, name);
    } catch (error) {
      if (!(error instanceof LockHeldError)) throw error;
      if (Date.now() >= deadline) {
        const h = error.holder;
        throw new Error(`${name} is still running after waiting ${Math.round(waitMs / 1000)} s (PID ${h.pid} on ${h.host}, since ${new Date(h.acquiredAt).toISOString()}); try again when it has finished, or raise backup.writerWait`);
      }
      if (!told) {
        onWait?.(`waiting for ${name} (PID ${error.holder.pid} on ${error.holder.host}) to finish, up to ${Math.round(waitMs / 1000)} s`);
        told = true;
      }
      await sleep(Math.min(500, Math.max(0, deadline - Date.now())));
    }
  }
}

export interface PausedWriters {
  /** What was done and found, for the step log: locks, the daemon, the leader, open handles. */
  notes: string[];
  daemonStopped: PidRecord | null;
  release(): void;
}

export interface PauseOptions {
  ops: Db;
  dataDir: string;
  locks: readonly string[];
  waitMs: number;
  /** Stop the supervised backtest daemon (restore, recover); compaction lets readers be. */
  stopDaemon: boolean;
  killGraceMs: number;
  onNote?: (note: string) => void;
  /** Told at once when a lock is busy and we start waiting for it. */
  onWait?: (message: string) => void;
}

/**
 * Stops everything of ours that writes market.db (the sync, by its lock; the backup and the
 * compaction too) and, for a restore, the backtest daemon that reads it. Locks are taken in the
 * order given; on failure the ones already taken are released.
 */
export async function pauseWriters(options: PauseOptions): Promise<PausedWriters> {
  const notes: string[] = [];
  const note = (n: string) => {
    notes.push(n);
    options.onNote?.(n);
  };
  const releases: (() => void)[] = [];
  const release = () => {
    for (const r of releases.splice(0).reverse()) {
      try { r(); } catch { /* ops.db gone: the lock of a dead process is taken over anyway */ }
    }
  };
  try {
    for (const name of options.locks) {
      releases.push(await acquireLockWaiting(options.ops, name, options.waitMs, (m) => {
        note(m);
        options.onWait?.(m);
      }));
    }
    note(`holding the ${options.locks.join(', ')} lock${options.locks.length > 1 ? 's' : ''}: no ${options.locks.join(' or ')} can start`);
    const leader = readLease(options.ops);
    const leaderAlive = leader && !holderIsGone(leader, Date.now()) && leader.pid !== process.pid;
    let daemonStopped: PidRecord | null = null;
    if (options.stopDaemon) {
      daemonStopped = await stopDaemon(options.dataDir, options.killGraceMs, note);
      if (daemonStopped && leaderAlive) {
        note(`the engine's leader (PID ${leader.pid} on ${leader.host}) sees that stop as a crash and restarts the daemon after its backoff; it reads the store as it is then`);
      } else if (daemonStopped) {
        note('no engine leader is running: the daemon starts again when the engine does (`cfa-console --daemon`)');
      }
    }
    if (leaderAlive) {
      note(`an engine leader is running (PID ${leader.pid} on ${leader.host}): its scheduled jobs that need these locks are recorded as skipped until we are done`);
    }
    const holders = processesWithOpen(options.dataDir);
    if (holders.length) {
      note(`market.db is open in ${holders.map((h) => `PID ${h.pid} (${h.name})`).join(', ')}: ${options.stopDaemon ? 'such readers keep the old file until they reopen it; restart them after the restore' : 'readers are fine during compaction'}`);
    }
    return { notes, daemonStopped, release };
  } catch (error) {
    release();
    throw error;
  }
}

function signal(record: PidRecord, sig: NodeJS.Signals): void {
  try {
    // The supervisor starts the daemon as a group leader so its workers get the signal too.
    if (processGroupOf(record.pid) === record.pid) process.kill(-record.pid, sig);
    else process.kill(record.pid, sig);
  } catch {
    // Gone already.
  }
}

async function waitGone(record: PidRecord, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isRunning(record)) return true;
    await sleep(100);
  }
  return !isRunning(record);
}

/**
 * SIGTERM to the backtest daemon's process group, SIGKILL after the grace. Only a PID file that
 * names that very process (PID and start time) is acted on: a recycled PID is never signalled.
 */
async function stopDaemon(dataDir: string, graceMs: number, note: (n: string) => void): Promise<PidRecord | null> {
  const record = liveProcessFromPidFile(pidFilePath(dataDir, DAEMON));
  if (!record) {
    note('no backtest daemon running (no live process in run/backtest.pid)');
    return null;
  }
  signal(record, 'SIGTERM');
  if (await waitGone(record, graceMs)) {
    note(`stopped the backtest daemon (PID ${record.pid}) with SIGTERM`);
    return record;
  }
  signal(record, 'SIGKILL');
  if (await waitGone(record, 5000)) {
    note(`the backtest daemon (PID ${record.pid}) ignored SIGTERM for ${Math.round(graceMs / 1000)} s: killed with SIGKILL`);
    return record;
  }
  throw new Error(`the backtest daemon (PID ${record.pid}) does not stop even after SIGKILL; not touching market.db while it runs`);
}

/** Other processes with market.db (or its WAL) open, from /proc (Linux); empty elsewhere. */
export function processesWithOpen(dataDir: string): { pid: number; name: string }[] {
  const targets = new Set(['market.db', 'market.db-wal'].map((f) => path.join(path.resolve(dataDir), f)));
  const found: { pid: number; name: string }[] = [];
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  } catch {
    return [];
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (targets.has(link)) {
        let name = '?';
        try { name = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { /* gone */ }
        found.push({ pid: Number(pid), name });
        break;
      }
    }
  }
  return found;
}
