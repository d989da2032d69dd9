import { setTimeout as sleep } from 'node:timers/promises';
import { finishRun, listRuns, startRun, type FinalStatus } from '../engine/run-history.js';
import { NoLeaderError } from '../engine/requests.js';
import { openRunMirror, openSharedRuns, within } from '../engine/run-mirror.js';
import { openOpsDb } from '../store/ops-db.js';
import type { RunContext } from './context.js';
import { runOperation, type OperationName, type OptionsOf } from './index.js';
import { runJob } from './leader.js';

/** How long a run here waits, at its end, for its copy in the shared history (the engine catches up what it misses). */
const MIRROR_WAIT_MS = 5_000;
/** How long one read of the shared history may take while waiting for a run of the job to end. */
const SHARED_READ_MS = 5_000;

export interface JobRunResult {
  /** Who ran it: the engine's leader (as its child, under the job's lock), or this process when no engine leads. */
  where: 'leader' | 'here';
  runId: number | null;
  status: FinalStatus | 'failed';
  summary: Record<string, unknown> | null;
  error: string | null;
}

/** A result's status word, where it has one (sync's summary, validation's report, a backup's tiers). */
function statusOf(result: unknown): FinalStatus {
  const status = (result as { status?: unknown } | null)?.status;
  if (status === 'success' || status === 'partial' || status === 'failed' || status === 'timeout') return status;
  if (status === 'ok' || status === 'clean') return 'success';
  if (status === 'problems') return 'partial';
  if (status === 'warn' || status === 'warning') return 'partial';
  if (status === 'critical') return 'failed';
  return 'success';
}

export interface JobRunHow {
  /**
   * When the leader skips the run because a run of the job is already going (a scheduled sync, a
   * backup another runbook asked for), wait for that run to end and ask again, within the timeout:
   * a runbook's action must not fail, and page, because it met a run of its own job.
   */
  waitIfRunning?: boolean;
  /** How often the run history is read while waiting (default 500 ms). */
  pollMs?: number;
}

/**
 * Runs a job's operation with these options: on the leader when an engine leads (its history,
 * its lock, its log), else here under the operation's own lock, recorded in the run history with
 * trigger `runbook` so the alert rules judge it like any run. A run skipped because the job was
 * running already comes back as `skipped`, unless `how.waitIfRunning`.
 */
export async function runJobAnywhere<K extends OperationName>(
  ctx: RunContext, job: string, operation: K, options: OptionsOf<K>, timeoutMs: number, how: JobRunHow = {},
): Promise<JobRunResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await runJobOnce(ctx, job, operation, options, Math.max(1_000, deadline - Date.now()));
    if (run.status !== 'skipped' || !how.waitIfRunning) return run;
    const waited = await runsEnded(ctx, job, deadline, how.pollMs ?? 500);
    if (!waited) return { ...run, error: `${job} was skipped: a run of it was still going after ${Math.round(timeoutMs / 1000)} s` };
  }
}

/**
 * Waits until no run of `job` is going, per this host's run history and, with store.backend
 * postgres, every host's (the leader's run may be on another host); false when the deadline came
 * first. A shared history that does not answer within SHARED_READ_MS counts as no run going there:
 * the leader is asked again, and skips again while its run goes on.
 */
export async function runsEnded(ctx: RunContext, job: string, deadline: number, pollMs: number): Promise<boolean> {
  const shared = openSharedRuns(ctx.loaded.config);
  try {
    for (;;) {
      const ops = openOpsDb(ctx.dataDir);
      let running: boolean;
      try { running = listRuns(ops, { job, limit: 10 }).some((r) => r.status === 'running'); } finally { ops.close(); }
      if (!running && shared) {
        const runs = await within(shared.list({ job, limit: 10 }).catch(() => []), Math.min(SHARED_READ_MS, Math.max(pollMs, deadline - Date.now())), []);
        running = runs.some((r) => r.status === 'running');
      }
      if (!running) return true;
      if (Date.now() >= deadline) return false;
      await sleep(pollMs);
    }
  } finally {
    await within(shared?.close() ?? Promise.resolve(), 1_000, undefined);
  }
}

async function runJobOnce<K extends OperationName>(
  ctx: RunContext, job: string, operation: K, options: OptionsOf<K>, timeoutMs: number,
): Promise<JobRunResult> {
  try {
    const request = await runJob<K>(ctx, job, options, 'runbook', { timeoutMs, reason: 'runbook step' });
    const r = (request.result ?? {}) as Record<string, unknown>;
    return {
      where: 'leader', runId: typeof r.runId === 'number' ? r.runId : null,
      status: (typeof r.status === 'string' ? r.status : request.state === 'done' ? 'success' : 'failed') as FinalStatus,
      summary: (r.summary as Record<string, unknown> | null) ?? null, error: typeof r.error === 'string' ? r.error : null,
    };
  } catch (error) {
    if (!(error instanceof NoLeaderError)) throw error;
  }
  const ops = openOpsDb(ctx.dataDir);
  // store.backend postgres: the run is copied to the shared history as it starts and ends.
  const shared = openRunMirror(ctx.loaded.config, ops);
  const started = Date.now();
  const runId = startRun(ops, { job, trigger: 'runbook' });
  void shared?.mirror.sync();
  try {
    const result = await runOperation(operation, options, ctx);
    const status = statusOf(result);
    const summary = JSON.parse(JSON.stringify(result)) as Record<string, unknown>;
    finishRun(ops, runId, { status, exitCode: status === 'success' ? 0 : 1, durationMs: Date.now() - started, summary });
    return { where: 'here', runId, status, summary, error: null };
  } catch (error) {
    const message = (error as Error).message;
    finishRun(ops, runId, { status: 'failed', exitCode: 1, durationMs: Date.now() - started, summary: { error: message } });
    return { where: 'here', runId, status: 'failed', summary: { error: message }, error: message };
  } finally {
    if (shared) {
      await within(shared.mirror.sync(), MIRROR_WAIT_MS, null);
      await shared.close();
    }
    ops.close();
  }
}
