import { askLeader, type LeaderRequest, type RequestKind } from '../engine/requests.js';
import { openOpsDb } from '../store/ops-db.js';
import type { RunContext } from './context.js';
import type { OperationName, OptionsOf } from './index.js';

/**
 * Leader-side actions from any process: the supervised daemon and job runs belong to the engine
 * that holds the lease, so a follower (a console beside the daemon, a runbook in a shell) asks it
 * through the request table in ops.db and waits for its answer. Throws NoLeaderError when no
 * engine leads, RequestTimeoutError when the answer does not come in time.
 */
export interface LeaderCall {
  /** How long to wait for the leader's answer (default 30 s; a job run: its own timeout). */
  timeoutMs?: number;
  /** Why, recorded with the request and in the daemon's log. */
  reason?: string;
}

async function ask<K extends RequestKind>(ctx: RunContext, kind: K, args: Parameters<typeof askLeader<K>>[2], timeoutMs: number): Promise<LeaderRequest<K>> {
  const db = openOpsDb(ctx.dataDir);
  try {
    return await askLeader(db, kind, args, { timeoutMs, signal: ctx.signal });
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
