import type { FinalStatus, JobRun, JobState, RunStatus, RunTrigger } from '../../engine/run-history.js';
import type { Migration } from '../sqlite.js';
import { DB_NOW, FENCE, type Fence } from './lease.js';
import { migrateOnce } from './migrate.js';
import type { PgPool } from './pool.js';

/**
 * The run history of every host sharing one PostgreSQL store (store.backend postgres). Owns
 * `cfa_job_runs` (schema name `runs` in cfa_schema_versions).
 *
 * A mirror, not the live history: each host's engine and CLI record and act on their own ops.db
 * (src/engine/run-history.ts) as on SQLite, and copy their rows here (src/engine/run-mirror.ts),
 * keyed by (host, the run's id in that host's ops.db), so `status` and the console on any host
 * show the runs of all of them. A finished row is final: a late copy of the same run still
 * `running` (a slower writer's snapshot) never overwrites it.
 *
 * A host that went away for good cannot finish its runs: the leader presumes a run failed once it
 * has been `running` longer than its job's timeout allows (`presumed`), and the host's own record
 * replaces the presumption if it ever comes back.
 */

export const RUNS_SCHEMA = 'runs';

export const RUN_HISTORY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up: `
      CREATE TABLE cfa_job_runs (
        host TEXT NOT NULL,
        id BIGINT NOT NULL,
        job TEXT NOT NULL,
        trigger TEXT NOT NULL,
        slot BIGINT,
        started_at BIGINT NOT NULL,
        ended_at BIGINT,
        status TEXT NOT NULL,
        exit_code INTEGER,
        duration_ms BIGINT,
        summary JSONB,
        log_path TEXT,
        pid INTEGER,
        epoch BIGINT,
        presumed BOOLEAN NOT NULL DEFAULT false,
        mirrored_at BIGINT NOT NULL,
        PRIMARY KEY (host, id)
      );
      CREATE INDEX cfa_job_runs_started ON cfa_job_runs (started_at DESC);
      CREATE INDEX cfa_job_runs_job_started ON cfa_job_runs (job, started_at DESC);
    `,
  },
];

/** A run as every host sees it: the host it ran on, and the leader's epoch when a leader started it. */
export interface SharedRun extends JobRun {
  host: string;
  epoch: number | null;
}

/** What the mirror holds of one host's run, enough to tell whether it must be written again. */
export interface MirroredMark {
  id: number;
  status: RunStatus;
  startedAt: number;
}

interface Row {
  host: string; id: number; job: string; trigger: RunTrigger; slot: number | null; started_at: number; ended_at: number | null;
  status: RunStatus; exit_code: number | null; duration_ms: number | null; summary: Record<string, unknown> | null;
  log_path: string | null; pid: number | null; epoch: number | null;
}

function toRun(r: Row): SharedRun {
  return {
    id: r.id, job: r.job, trigger: r.trigger, slot: r.slot, startedAt: r.started_at, endedAt: r.ended_at, status: r.status,
    exitCode: r.exit_code, durationMs: r.duration_ms, summary: r.summary, logPath: r.log_path, pid: r.pid, host: r.host, epoch: r.epoch,
  };
}

const COLUMNS = ['host', 'id', 'job', 'trigger', 'slot', 'started_at', 'ended_at', 'status', 'exit_code', 'duration_ms', 'summary', 'log_path', 'pid', 'epoch'] as const;
/** Rows per INSERT: 14 parameters each, far below PostgreSQL's 65535. */
const BATCH = 500;

export interface SharedRunsQuery {
  job?: string;
  limit?: number;
  since?: number;
}

export class PgRunHistory {
  readonly migrate: () => Promise<unknown>;

  constructor(private readonly pool: PgPool) {
    this.migrate = migrateOnce(pool, RUNS_SCHEMA, RUN_HISTORY_MIGRATIONS);
  }

  /** What the mirror holds of `host`'s runs with an id of at least `fromId`. */
  async marks(host: string, fromId: number): Promise<MirroredMark[]> {
    await this.migrate();
    // A presumed end is no end for the host's own mirror: it still has the real one to give.
    const { rows } = await this.pool.query<{ id: number; status: RunStatus; started_at: number }>(
      "SELECT id, CASE WHEN presumed THEN 'running' ELSE status END AS status, started_at FROM cfa_job_runs WHERE host = $1 AND id >= $2", [host, fromId]);
    return rows.map((r) => ({ id: r.id, status: r.status, startedAt: r.started_at }));
  }

  /**
   * Writes `host`'s runs as its ops.db has them now. A row already finished here is left alone
   * unless the copy is another run under the same id (an ops.db started afresh on that host); an
   * epoch already known is kept when the copy has none.
   */
  async upsert(host: string, runs: readonly (JobRun & { epoch?: number | null })[]): Promise<number> {
    if (runs.length === 0) return 0;
    await this.migrate();
    let written = 0;
    for (let i = 0; i < runs.length; i += BATCH) {
      const batch = runs.slice(i, i + BATCH);
      const params: unknown[] = [];
      const tuples = batch.map((r) => {
        const values = [host, r.id, r.job, r.trigger, r.slot, r.startedAt, r.endedAt, r.status, r.exitCode, r.durationMs,
          r.summary === null ? null : JSON.stringify(r.summary), r.logPath, r.pid, r.epoch ?? null];
        const first = params.length;
        params.push(...values);
        return `(${values.map((_, k) => `$${first + k + 1}${COLUMNS[k] === 'summary' ? '::jsonb' : ''}`).join(', ')}, ${DB_NOW})`;
      });
      const { rowCount } = await this.pool.query(
        `INSERT INTO cfa_job_runs (${COLUMNS.join(', ')}, mirrored_at) VALUES ${tuples.join(', ')}
         ON CONFLICT (host, id) DO UPDATE SET job = EXCLUDED.job, trigger = EXCLUDED.trigger, slot = EXCLUDED.slot,
           started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at, status = EXCLUDED.status, exit_code = EXCLUDED.exit_code,
           duration_ms = EXCLUDED.duration_ms, summary = EXCLUDED.summary, log_path = EXCLUDED.log_path, pid = EXCLUDED.pid,
           epoch = CASE WHEN cfa_job_runs.started_at = EXCLUDED.started_at THEN COALESCE(EXCLUDED.epoch, cfa_job_runs.epoch) ELSE EXCLUDED.epoch END,
           presumed = false, mirrored_at = EXCLUDED.mirrored_at
         WHERE cfa_job_runs.status = 'running' OR cfa_job_runs.presumed OR cfa_job_runs.started_at <> EXCLUDED.started_at`,
        params);
      written += rowCount ?? 0;
    }
    return written;
  }

  /** Every host's runs, newest first (as listRuns over one ops.db). */
  async list(query: SharedRunsQuery = {}): Promise<SharedRun[]> {
    await this.migrate();
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.job !== undefined) { params.push(query.job); where.push(`job = $${params.length}`); }
    if (query.since !== undefined) { params.push(query.since); where.push(`started_at >= $${params.length}`); }
    params.push(query.limit ?? 50);
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS.join(', ')} FROM cfa_job_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY started_at DESC, host, id DESC LIMIT $${params.length}`, params);
    return rows.map(toRun);
  }

  /**
   * The last run and last success of each job on any host, as job_state keeps them per ops.db: a
   * skip is not a run, and a run still going has no outcome yet.
   */
  async jobStates(): Promise<Pick<JobState, 'job' | 'lastRunId' | 'lastStatus' | 'lastRunAt' | 'lastSuccessAt' | 'lastDurationMs'>[]> {
    await this.migrate();
    const { rows } = await this.pool.query<{ job: string; id: number; status: FinalStatus; ended_at: number; duration_ms: number | null; last_success_at: number | null }>(
      `WITH last AS (
         SELECT DISTINCT ON (job) job, id, status, ended_at, duration_ms FROM cfa_job_runs
         WHERE status NOT IN ('running', 'skipped') AND ended_at IS NOT NULL ORDER BY job, ended_at DESC, host, id DESC),
       success AS (SELECT job, max(ended_at) AS last_success_at FROM cfa_job_runs WHERE status = 'success' GROUP BY job)
       SELECT last.*, success.last_success_at FROM last LEFT JOIN success USING (job) ORDER BY job`);
    return rows.map((r) => ({
      job: r.job, lastRunId: r.id, lastStatus: r.status, lastRunAt: r.ended_at, lastSuccessAt: r.last_success_at, lastDurationMs: r.duration_ms,
    }));
  }

  /**
   * Under the leader's fence: another host's runs still `running` after `limitMs[job]` (the job's
   * timeout and kill grace, and a margin for that host's catch-up) are presumed failed, since a
   * live runner would have ended them by then. The leader's own host judges its runs by PID
   * (markAbandonedRuns). Returns the runs presumed.
   */
  async presumeStale(fence: Fence, limitMs: Record<string, number>): Promise<{ host: string; id: number }[]> {
    await this.migrate();
    const jobs = Object.keys(limitMs);
    const { rows } = await this.pool.query<{ host: string; id: number }>(
      `WITH ${FENCE}, limits AS (SELECT * FROM unnest($3::text[], $4::bigint[]) AS l(job, limit_ms))
       UPDATE cfa_job_runs r SET status = 'failed', presumed = true, ended_at = ${DB_NOW}, duration_ms = ${DB_NOW} - r.started_at,
         summary = jsonb_build_object('reason', 'presumed failed by the leader on ' || $5::text || ': still running past the job''s timeout, and its host stopped reporting')
       FROM limits l
       WHERE EXISTS (SELECT 1 FROM fence) AND r.job = l.job AND r.status = 'running' AND r.host <> $5 AND r.started_at < ${DB_NOW} - l.limit_ms
       RETURNING r.host, r.id`,
      [fence.epoch, fence.holderId, jobs, jobs.map((j) => limitMs[j]), fence.host]);
    return rows;
  }

  /**
   * Forgets runs that started longer ago than `olderThanMs` (database clock), under the leader's
   * fence. A run still `running` that old is one whose host never came back to finish it.
   */
  async prune(fence: Fence, olderThanMs: number): Promise<number> {
    await this.migrate();
    const { rowCount } = await this.pool.query(
      `WITH ${FENCE} DELETE FROM cfa_job_runs WHERE EXISTS (SELECT 1 FROM fence) AND started_at < ${DB_NOW} - $3`,
      [fence.epoch, fence.holderId, olderThanMs]);
    return rowCount ?? 0;
  }
}
