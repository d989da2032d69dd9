import fs from 'node:fs';
import { processGroupOf } from '../engine/process-identity.js';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { acquireJobLock, LockHeldError, type SharedLocks } from '../engine/job-lock.js';
import { holderIsGone, readLease } from '../engine/leadership.js';
import { askLeader, liveLeader, submitRequest } from '../engine/requests.js';
import { DaemonStore } from '../engine/supervisor/daemon-store.js';
import { isRunning, liveProcessFromPidFile, pidFilePath, type PidRecord } from '../engine/supervisor/pid-file.js';
import type { Db } from '../store/sqlite.js';

/** The lock names of the jobs that write market.db or read it whole. */
export { SYNC_LOCK } from '../sync/run-sync.js';
export const BACKUP_LOCK = 'backup';
export const COMPACT_LOCK = 'compact';
export const DRILL_LOCK = 'backup-drill';
const DAEMON = 'backtest';
/** Litestream, supervised by the leader when replication is on (src/replication). */
const REPLICATION = 'litestream';

function label(name: string): string {
  return name === DAEMON ? 'the backtest daemon' : `the ${name} process`;
}

/**
 * Takes a job lock, waiting up to `waitMs` for its holder to finish (a sync in flight is let
 * finish rather than killed). A dead holder's lock is taken over at once by acquireLock. With
 * `shared` (store.backend postgres) a holder on another host is waited for the same way.
 */
export async function acquireLockWaiting(
  ops: Db, name: string, waitMs: number, onWait?: (message: string) => void, shared: SharedLocks | null = null,
): Promise<() => Promise<void>> {
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      return await acquireJobLock(ops, name, shared);
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
  /**
   * How the daemon was paused, so that release() resumes it the same way: by the engine's leader
   * (a daemon.pause request), or marked paused in ops.db when no leader runs (a leader starting
   * meanwhile leaves it stopped). Null when we did not pause it (not asked, or paused already).
   */
  daemonPaused: 'leader' | 'ops.db' | null;
  /** Set by release(): who starts the daemon again (null when it was not paused by us). */
  daemonResumed: 'leader' | 'next-leader' | null;
  release(): Promise<void>;
}

export interface PauseOptions {
  ops: Db;
  dataDir: string;
  locks: readonly string[];
  waitMs: number;
  /** Stop the supervised backtest daemon (restore, recover); compaction lets readers be. */
  stopDaemon: boolean;
  /**
   * Also pause Litestream (replication on): a store replaced or rewritten under it would be
   * shipped as garbage; started again on release, it begins a new generation from the new file.
   */
  stopReplication?: boolean;
  killGraceMs: number;
  /** The store's hosts share the locks (store.backend postgres: sharedLocks(config)); null: this host's ops.db only. */
  shared?: SharedLocks | null;
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
  const releases: (() => void | Promise<void>)[] = [];
  const resumed: { how: PausedWriters['daemonResumed'] } = { how: null };
  const release = async () => {
    for (const r of releases.splice(0).reverse()) {
      try { await r(); } catch { /* ops.db gone: the lock of a dead process is taken over anyway */ }
    }
  };
  try {
    for (const name of options.locks) {
      releases.push(await acquireLockWaiting(options.ops, name, options.waitMs, (m) => {
        note(m);
        options.onWait?.(m);
      }, options.shared ?? null));
    }
    note(`holding the ${options.locks.join(', ')} lock${options.locks.length > 1 ? 's' : ''}: no ${options.locks.join(' or ')} can start`);
    const leader = readLease(options.ops);
    const leaderAlive = leader && !holderIsGone(leader, Date.now()) && leader.pid !== process.pid;
    let daemonStopped: PidRecord | null = null;
    let daemonPaused: PausedWriters['daemonPaused'] = null;
    if (options.stopDaemon) {
      ({ daemonStopped, daemonPaused } = await pauseDaemon(options, note));
      if (daemonPaused) {
        // Whatever happens next, the daemon is resumed with the locks.
        const unlock = releases.splice(0);
        releases.push(() => { resumed.how = resumeDaemon(options.ops, daemonPaused); }, ...unlock);
      }
    }
    if (options.stopReplication) {
      const replication = await pauseDaemon(options, note, REPLICATION);
      if (replication.daemonPaused) {
        const unlock = releases.splice(0);
        releases.push(() => { resumeDaemon(options.ops, replication.daemonPaused, REPLICATION); }, ...unlock);
      }
    }
    if (leaderAlive) {
      note(`an engine leader is running (PID ${leader.pid} on ${leader.host}): its scheduled jobs that need these locks are recorded as skipped until we are done`);
    }
    const holders = processesWithOpen(options.dataDir);
    if (holders.length) {
      note(`market.db is open in ${holders.map((h) => `PID ${h.pid} (${h.name})`).join(', ')}: ${options.stopDaemon ? 'such readers keep the old file until they reopen it; restart them after the restore' : 'readers are fine during compaction'}`);
    }
    return { notes, daemonStopped, daemonPaused, get daemonResumed() { return resumed.how; }, release };
  } catch (error) {
    await release();
    throw error;
  }
}

const PAUSE_REASON = 'market.db is being replaced (restore or recover)';

/**
 * Pauses the backtest daemon for a restore: a live leader is asked (a daemon.pause request), so
 * its supervisor neither restarts it nor counts the stop as a crash. Without a leader (or when it
 * cannot) the daemon is marked paused in ops.db and stopped by its PID file.
 */
async function pauseDaemon(options: PauseOptions, note: (n: string) => void, name = DAEMON): Promise<{ daemonStopped: PidRecord | null; daemonPaused: PausedWriters['daemonPaused'] }> {
  const before = liveProcessFromPidFile(pidFilePath(options.dataDir, name));
  // Paused already (a runbook or a person stopped it on purpose, e.g. after a crash-loop): it stays
  // paused after the restore. Asking the leader to pause it again would make the release resume it.
  if (new DaemonStore(options.ops).readState(name)?.state === 'paused' && !(before && isRunning(before))) {
    note(`${label(name)} was paused already: it stays paused after the restore (\`cfa-console daemon resume\`)`);
    return { daemonStopped: null, daemonPaused: null };
  }
  const leader = liveLeader(options.ops);
  if (leader) {
    try {
      const request = await askLeader(options.ops, 'daemon.pause', { reason: PAUSE_REASON, name }, { timeoutMs: options.killGraceMs + 15_000 });
      if (request.state === 'done') {
        note(`the engine's leader (PID ${leader.pid} on ${leader.host}) paused ${label(name)}${before ? ` (PID ${before.pid} stopped)` : ''} (request #${request.id}): it is not restarted until we are done, and the stop is no crash`);
        if (before && isRunning(before)) throw new Error(`${label(name)} (PID ${before.pid}) still runs after the leader paused it; not touching market.db while it runs`);
        return { daemonStopped: before, daemonPaused: 'leader' };
      }
      note(`the engine's leader could not pause ${label(name)} (request #${request.id}: ${String(request.result?.error ?? 'failed')}); stopping it by its PID file`);
    } catch (error) {
      if ((error as Error).message.includes('not touching market.db')) throw error;
      note(`could not have the engine's leader pause ${label(name)} (${(error as Error).message}); stopping it by its PID file`);
    }
  }
  const store = new DaemonStore(options.ops);
  const marked = store.markPaused(name, { reason: PAUSE_REASON, by: process.pid });
  let daemonStopped: PidRecord | null;
  try {
    daemonStopped = await stopByPidFile(options.dataDir, options.killGraceMs, note, name);
  } catch (error) {
    if (marked) store.clearPaused(name, { reason: 'the restore could not stop it' });
    throw error;
  }
  if (!marked) {
    note(`${label(name)} was paused already: it stays paused after the restore (\`cfa-console daemon resume\`)`);
  } else if (daemonStopped && leader) {
    note(`the engine's leader (PID ${leader.pid} on ${leader.host}) may see that stop as a crash and restart the daemon after its backoff; it reads the store as it is then`);
  } else if (daemonStopped) {
    note('no engine leader is running: the daemon is marked paused until we are done, then starts again when the engine does (`cfa-console --daemon`)');
  }
  return { daemonStopped, daemonPaused: marked ? 'ops.db' : null };
}

/**
 * Undoes pauseDaemon. A mark in ops.db is cleared (the next leader starts the daemon); a live
 * leader is asked to resume it (its supervisor holds the pause, whether it paused the daemon for
 * us or read our mark when it started meanwhile).
 */
function resumeDaemon(ops: Db, how: PausedWriters['daemonPaused'], name = DAEMON): PausedWriters['daemonResumed'] {
  if (!how) return null;
  const store = new DaemonStore(ops);
  if (how === 'ops.db') store.clearPaused(name, { reason: 'the restore is done' });
  try {
    if (liveLeader(ops)) {
      // Not waited for: the leader resumes it within a second or so; a takeover picks it up too.
      submitRequest(ops, 'daemon.resume', { reason: 'the restore is done', name }, { ttlMs: 10 * 60_000 });
      return 'leader';
    }
  } catch {
    // No leader after all: the mark below lets the next one start it.
  }
  if (how === 'leader') store.clearPaused(name, { reason: 'the restore is done; the leader that paused it is gone' });
  return 'next-leader';
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
export async function stopByPidFile(dataDir: string, graceMs: number, note: (n: string) => void, name = DAEMON): Promise<PidRecord | null> {
  const record = liveProcessFromPidFile(pidFilePath(dataDir, name));
  if (!record) {
    note(`no ${name} process running (no live process in run/${name}.pid)`);
    return null;
  }
  signal(record, 'SIGTERM');
  if (await waitGone(record, graceMs)) {
    note(`stopped ${label(name)} (PID ${record.pid}) with SIGTERM`);
    return record;
  }
  signal(record, 'SIGKILL');
  if (await waitGone(record, 5000)) {
    note(`${label(name)} (PID ${record.pid}) ignored SIGTERM for ${Math.round(graceMs / 1000)} s: killed with SIGKILL`);
    return record;
  }
  throw new Error(`${label(name)} (PID ${record.pid}) does not stop even after SIGKILL; not touching market.db while it runs`);
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
