import type { Config } from '../config/schema.js';
import type { LeaseHolder } from '../engine/leadership.js';
import { askVia, opsDbChannel, type LeaderRequest, type RequestArgs, type RequestKind } from '../engine/requests.js';
import { within } from '../engine/run-mirror.js';
import { openSharedRequests } from '../engine/shared-requests.js';
import { openOpsDb } from '../store/ops-db.js';
import type { LeaderAction } from '../store/postgres/lease.js';
import { describePgError } from '../store/postgres/pool.js';
import type { RunContext } from './context.js';
import type { OperationName, OptionsOf } from './index.js';

/**
 * Leader-side actions from any process: the supervised daemon and job runs belong to the engine
 * that holds the lease, so a follower (a console beside the daemon, a runbook in a shell) asks it
 * through the request table in ops.db and waits for its answer; with store.backend postgres,
 * through the one in PostgreSQL, which reaches the leader on whichever host it runs. Throws NoLeaderError when no
 * engine leads, RequestTimeoutError when the answer does not come in time.
 */
export interface LeaderCall {
  /** How long to wait for the leader's answer (default 30 s; a job run: its own timeout). */
  timeoutMs?: number;
  /** Why, recorded with the request and in the daemon's log. */
  reason?: string;
}

async function ask<K extends RequestKind>(ctx: RunContext, kind: K, args: RequestArgs<K>, timeoutMs: number): Promise<LeaderRequest<K>> {
  const shared = openSharedRequests(ctx.loaded.config);
  if (shared) {
    try {
      return await askVia(shared.channel, kind, args, { timeoutMs, signal: ctx.signal });
    } catch (error) {
      throw namingServer(ctx.loaded.config, error, 'asking the leader through PostgreSQL failed');
    } finally {
      await shared.close();
    }
  }
  const db = openOpsDb(ctx.dataDir);
  try {
    return await askVia(opsDbChannel(db), kind, args, { timeoutMs, signal: ctx.signal });
  } finally {
    db.close();
  }
}

/** The server's and the network's errors (they carry a code) name the server, password masked; others pass as they are. */
function namingServer(config: Config, error: unknown, what: string): unknown {
  const coded = typeof (error as { code?: unknown })?.code === 'string';
  return coded ? describePgError(config.store.url ?? '', error, what) : error;
}

/** The lease in PostgreSQL as a host that may not lead sees it. */
export interface SharedLeader {
  /** Who holds it (its host, PID, epoch, on the database's clock); null while it is vacant. */
  holder: LeaseHolder | null;
  /** Whether the holder leads now: its lease has not run out (and, on its own host, its PID lives). */
  live: boolean;
  /** With `daemon` asked for: the newest start of that supervised daemon by any leader (host, epoch, when), or null. */
  daemonStart?: LeaderAction | null;
}

/**
 * store.backend postgres: who leads, read from the lease in PostgreSQL as a request to the leader
 * finds it, so a host that does not lead names the leader on whichever host it runs; null on
 * SQLite (there the lease is this host's ops.db's: readLease). With `daemon`, also the newest
 * start of that daemon any leader recorded (cfa_leader_actions). Waits at most `timeoutMs`, then
 * throws, as it does when the server refuses, naming the server with its password masked.
 */
export async function sharedLeader(config: Config, timeoutMs: number, daemon?: string): Promise<SharedLeader | null> {
  const shared = openSharedRequests(config);
  if (!shared) return null;
  const read = async (): Promise<SharedLeader> => {
    const seen = await shared.channel.lease();
    return daemon === undefined ? seen : { ...seen, daemonStart: await shared.lease.lastAction('daemon-start', daemon) };
  };
  try {
    const seen = await within(read(), timeoutMs, null);
    if (!seen) throw new Error(`no answer within ${timeoutMs / 1000} s`);
    return seen;
  } catch (error) {
    // Every failure here is the server's or the network's (a refusal, a connection timeout, silence).
    throw describePgError(config.store.url ?? '', error, 'cannot read the lease in PostgreSQL');
  } finally {
    // Bounded (closePool): a server that does not answer must not hold the process either.
    await shared.close();
  }
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Stops the daemon and starts it again: a deliberate restart, not a crash; lifts a pause or crash-loop. */
export function restartDaemon(ctx: RunContext, call: LeaderCall = {}): Promise<LeaderRequest<'daemon.restart'>> {
  return ask(ctx, 'daemon.restart', call.reason ? { reason: call.reason } : {}, call.timeoutMs ?? DEFAULT_TIMEOUT_MS);
}

/** Stops the daemon and keeps it stopped (no restart, no crash counted) until resumed. */
export function pauseDaemon(ctx: RunContext, call: LeaderCall = {}): Promise<LeaderRequest<'daemon.pause'>> {
  return ask(ctx, 'daemon.pause', call.reason ? { reason: call.reason } : {}, call.timeoutMs ?? DEFAULT_TIMEOUT_MS);
}

/** Starts a paused daemon again. */
export function resumeDaemon(ctx: RunContext, call: LeaderCall = {}): Promise<LeaderRequest<'daemon.resume'>> {
  return ask(ctx, 'daemon.resume', call.reason ? { reason: call.reason } : {}, call.timeoutMs ?? DEFAULT_TIMEOUT_MS);
}

/**
 * Runs a job on the leader, as its child process under the job's lock and history, with the
 * operation's typed options (default: the job's declared ones), and waits for the run.
 */
export function runJob<K extends OperationName>(
  ctx: RunContext, job: string, options: OptionsOf<K> | undefined, trigger: 'manual' | 'runbook', call: LeaderCall & { timeoutMs: number },
): Promise<LeaderRequest<'job.run'>> {
  return ask(ctx, 'job.run', { job, ...(options ? { options: options as Record<string, unknown> } : {}), trigger }, call.timeoutMs);
}
