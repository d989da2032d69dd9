import fs from 'node:fs';
import { processGroupOf } from '../engine/process-identity.js';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { acquireJobLock, LockHeldError, type SharedLocks } from '../engine/job-lock.js';
import { holderIsGone, readLease } from '../engine/leadership.js';
import { askLeader, askVia, liveLeader, NoLeaderError, RequestTimeoutError, submitRequest, submitVia } from '../engine/requests.js';
import { within } from '../engine/run-mirror.js';
import type { SharedRequests } from '../engine/shared-requests.js';
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
  daemonPaused: 'leader' | 'leader-shared' | 'ops.db' | null;
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
  /**
   * store.backend postgres: opens the request channel in PostgreSQL (openSharedRequests(config)),
   * through which the leader on whichever host it runs is asked to pause and resume the daemon;
   * this host's ops.db knows no leader of another host. Null or absent: ops.db's leader only.
   */
  sharedRequests?: () => SharedRequests | null;
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
        releases.push(async () => { resumed.how = await resumeDaemon(options, daemonPaused); }, ...unlock);
      }
    }
    if (options.stopReplication) {
      const replication = await pauseDaemon(options, note, REPLICATION);
      if (replication.daemonPaused) {
        const unlock = releases.splice(0);
        releases.push(async () => { await resumeDaemon(options, replication.daemonPaused, REPLICATION); }, ...unlock);
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
  const shared = options.sharedRequests?.() ?? null;
  if (shared) {
    const asked = await pauseThroughPostgres(shared, options, note, name);
    if (asked) {
      if (before && isRunning(before)) throw new Error(`${label(name)} (PID ${before.pid}) still runs after the leader paused it; not touching market.db while it runs`);
      // Paused already on the leader's host (on purpose): it stays paused after the restore.
      return { daemonStopped: before, daemonPaused: asked === 'was-paused' ? null : 'leader-shared' };
    }
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

/** How long a request to the leader through PostgreSQL may take beyond its own wait before we go on without it. */
const SHARED_SLACK_MS = 5_000;

/**
 * store.backend postgres: asks the leader on whichever host it runs (through PostgreSQL) to pause
 * the daemon. True when it did; false (with a note saying why) when no leader answered within the
 * wait, the server did not answer, or the leader could not: then we go on as on one host.
 */
async function pauseThroughPostgres(shared: SharedRequests, options: PauseOptions, note: (n: string) => void, name: string): Promise<'paused' | 'was-paused' | 'running' | false> {
  const waitMs = options.killGraceMs + 15_000;
  try {
    const request = await within(
      askVia(shared.channel, 'daemon.pause', { reason: PAUSE_REASON, name }, { timeoutMs: waitMs }),
      waitMs + SHARED_SLACK_MS, null,
    );
    if (!request) {
      note(`PostgreSQL did not answer within ${Math.round((waitMs + SHARED_SLACK_MS) / 1000)} s when asking the leader to pause ${label(name)}; going on without it`);
      return false;
    }
    const by = request.handledBy;
    if (request.state === 'done') {
      const leader = by ? `PID ${by.pid} on ${by.host}` : 'in PostgreSQL';
      if (request.result?.previousState === 'paused') {
        note(`${label(name)} was paused already on the leader's host (${leader}): it stays paused after the restore (\`cfa-console daemon resume\`)`);
        return 'was-paused';
      }
      note(`the engine's leader (${leader}) paused ${label(name)}${request.result?.previousPid ? ` (PID ${String(request.result.previousPid)} stopped)` : ''} (request #${request.id} in PostgreSQL): it is not restarted until we are done, and the stop is no crash`);
      return 'paused';
    }
    note(`the engine's leader could not pause ${label(name)} (request #${request.id} in PostgreSQL: ${String(request.result?.error ?? 'failed')}); going on without it`);
  } catch (error) {
    if (error instanceof NoLeaderError) {
      note(`no engine leader holds the lease in PostgreSQL: nobody on another host supervises ${label(name)}`);
    } else if (error instanceof RequestTimeoutError && error.request.state === 'running') {
      // The leader took it up and may still pause it: resume it after, as if it had answered.
      note(`the engine's leader took up the request to pause ${label(name)} (request #${error.request.id} in PostgreSQL) but did not answer within ${Math.round(waitMs / 1000)} s; going on, and asking it to resume after`);
      return 'running';
    } else if (error instanceof RequestTimeoutError) {
      note(`no engine leader answered the request to pause ${label(name)} through PostgreSQL within ${Math.round(waitMs / 1000)} s (request #${error.request.id}); going on without it: a daemon on the leader's host may read the store during the restore`);
    } else {
      note(`could not ask the engine's leader through PostgreSQL to pause ${label(name)} (${(error as Error).message}); going on without it`);
    }
  } finally {
    await within(shared.close().catch(() => {}), 1_000, undefined);
  }
  return false;
}

/**
 * Undoes pauseDaemon. A mark in ops.db is cleared (the next leader starts the daemon); a live
 * leader is asked to resume it (its supervisor holds the pause, whether it paused the daemon for
 * us or read our mark when it started meanwhile); one reached through PostgreSQL is asked there.
 */
async function resumeDaemon(options: PauseOptions, how: PausedWriters['daemonPaused'], name = DAEMON): Promise<PausedWriters['daemonResumed']> {
  if (!how) return null;
  if (how === 'leader-shared') {
    const shared = options.sharedRequests?.() ?? null;
    if (shared) {
      try {
        // Not waited for: whichever host leads then resumes it (the pause is the leader's state; a takeover starts it anyway).
        const sent = await within(submitVia(shared.channel, 'daemon.resume', { reason: 'the restore is done', name }, { ttlMs: 10 * 60_000 }), SHARED_SLACK_MS, null);
        if (sent) return 'leader';
      } catch {
        // No leader now: the next one starts the daemon (a pause lives in the supervisor that held it).
      } finally {
        await within(shared.close().catch(() => {}), 1_000, undefined);
      }
    }
    return 'next-leader';
  }
  const ops = options.ops;
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
