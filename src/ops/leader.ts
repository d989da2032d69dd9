import { askVia, opsDbChannel, type LeaderRequest, type RequestArgs, type RequestKind } from '../engine/requests.js';
import { openSharedRequests } from '../engine/shared-requests.js';
import { openOpsDb } from '../store/ops-db.js';
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
      // The server's and the network's errors (they carry a code) name the server, password masked.
      const coded = typeof (error as { code?: unknown })?.code === 'string';
      throw coded ? describePgError(ctx.loaded.config.store.url ?? '', error, 'asking the leader through PostgreSQL failed') : error;
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
