import { jobStates, listRuns } from '../../engine/run-history.js';
import type { Db } from '../../store/sqlite.js';
import type { LastSyncInput } from '../probes/last-sync.js';

/** The job whose runs the last-sync probe and the SLA audit read. */
export const SYNC_JOB = 'sync';

/** The newest finished sync run, the newest success and a run in flight, from the run history. */
export function gatherSyncFacts(ops: Db): Pick<LastSyncInput, 'lastRun' | 'lastSuccessAt' | 'running'> {
  const runs = listRuns(ops, { job: SYNC_JOB, limit: 20 });
  const running = runs.find((r) => r.status === 'running') ?? null;
  const last = runs.find((r) => r.status !== 'running' && r.status !== 'skipped') ?? null;
  const state = jobStates(ops).find((s) => s.job === SYNC_JOB);
  const newestSuccess = runs.find((r) => r.status === 'success');
  const lastSuccessAt = state?.lastSuccessAt ?? (newestSuccess ? newestSuccess.endedAt ?? newestSuccess.startedAt : null);
  return {
    lastRun: last && { status: last.status, startedAt: last.startedAt, endedAt: last.endedAt, durationMs: last.durationMs, summary: last.summary },
    lastSuccessAt,
    running: running && { startedAt: running.startedAt },
  };
}
