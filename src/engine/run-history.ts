import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readJsonObject } from '../store/json-column.js';
import type { Db } from '../store/sqlite.js';
import type { ProcessIdentity } from './process-identity.js';

/** Owns `job_runs` and `job_state` of ops.db: every read and write of them goes through here. */

export type RunTrigger = 'schedule' | 'manual' | 'runbook' | 'catch-up';
export type RunStatus = 'running' | 'success' | 'partial' | 'failed' | 'timeout' | 'skipped' | 'cancelled';
export type FinalStatus = Exclude<RunStatus, 'running'>;

export interface JobRun {
  id: number;
  job: string;
  trigger: RunTrigger;
  slot: number | null;
  startedAt: number;
  endedAt: number | null;
  status: RunStatus;
  exitCode: number | null;
  durationMs: number | null;
  summary: Record<string, unknown> | null;
  logPath: string | null;
  pid: number | null;
  host: string | null;
}

export interface JobState {
  job: string;
  lastRunId: number | null;
  lastStatus: FinalStatus | null;
  /** When the last run ended. */
  lastRunAt: number | null;
  /** When the last successful run ended: what freshness is measured from. */
  lastSuccessAt: number | null;
  lastDurationMs: number | null;
  nextRunAt: number | null;
  lastSlot: number | null;
}

/** `<dataDir>/logs/jobs`: one folder per job, one `<run-id>.log` per run. */
export function jobLogsDir(dataDir: string): string {
  return path.join(dataDir, 'logs', 'jobs');
}

export function jobLogPath(dataDir: string, job: string, runId: number): string {
  return path.join(jobLogsDir(dataDir), job, `${runId}.log`);
}

interface RunRow {
  id: number; job: string; trigger: RunTrigger; slot: number | null; started_at: number; ended_at: number | null;
  status: RunStatus; exit_code: number | null; duration_ms: number | null; summary: string | null;
  log_path: string | null; pid: number | null; host: string | null;
}

interface StateRow {
  job: string; last_run_id: number | null; last_status: FinalStatus | null; last_run_at: number | null;
  last_success_at: number | null; last_duration_ms: number | null; next_run_at: number | null; last_slot: number;
}


function toRun(r: RunRow): JobRun {
  return {
    id: r.id, job: r.job, trigger: r.trigger, slot: r.slot, startedAt: r.started_at, endedAt: r.ended_at,
    status: r.status, exitCode: r.exit_code, durationMs: r.duration_ms, summary: readJsonObject(r.summary),
    logPath: r.log_path, pid: r.pid, host: r.host,
  };
}

function toState(r: StateRow): JobState {
  return {
    job: r.job, lastRunId: r.last_run_id, lastStatus: r.last_status, lastRunAt: r.last_run_at,
    lastSuccessAt: r.last_success_at, lastDurationMs: r.last_duration_ms, nextRunAt: r.next_run_at,
    lastSlot: r.last_slot > 0 ? r.last_slot : null,
  };
}

export interface StartRunInput {
  job: string;
  trigger: RunTrigger;
  slot?: number | null;
  /** The runner's PID (default: this process): if it dies, the run is abandoned. */
  pid?: number;
  logPath?: string | null;
  startedAt?: number;
}

export function startRun(db: Db, input: StartRunInput): number {
  const info = db.prepare(`INSERT INTO job_runs (job, trigger, slot, started_at, status, log_path, pid, host)
    VALUES (?, ?, ?, ?, 'running', ?, ?, ?)`)
    .run(input.job, input.trigger, input.slot ?? null, input.startedAt ?? Date.now(), input.logPath ?? null,
      input.pid ?? process.pid, os.hostname());
  return Number(info.lastInsertRowid);
}

/** The log file is named after the run id, so it is known only once the run row exists. */
export function setRunLogPath(db: Db, runId: number, logPath: string): void {
  db.prepare('UPDATE job_runs SET log_path = ? WHERE id = ?').run(logPath, runId);
}

export interface FinishRunInput {
  status: FinalStatus;
  exitCode: number | null;
  durationMs: number;
  summary: object | null;
  endedAt?: number;
}

/**
 * Records the outcome and, except for a skip, makes it the job's last run: a skip is not a run,
 * and must not hide the outcome of the last one that did run.
 */
export function finishRun(db: Db, runId: number, outcome: FinishRunInput): void {
  const endedAt = outcome.endedAt ?? Date.now();
  db.transaction(() => {
    db.prepare('UPDATE job_runs SET status = ?, exit_code = ?, duration_ms = ?, summary = ?, ended_at = ? WHERE id = ?')
      .run(outcome.status, outcome.exitCode, Math.round(outcome.durationMs),
        outcome.summary === null ? null : JSON.stringify(outcome.summary), endedAt, runId);
    if (outcome.status === 'skipped') return;
    const row = db.prepare('SELECT job FROM job_runs WHERE id = ?').get(runId) as { job: string } | undefined;
    if (!row) return;
    db.prepare(`INSERT INTO job_state (job, last_run_id, last_status, last_run_at, last_success_at, last_duration_ms)
      VALUES (@job, @id, @status, @at, @success, @duration)
      ON CONFLICT (job) DO UPDATE SET last_run_id = @id, last_status = @status, last_run_at = @at,
        last_success_at = COALESCE(@success, last_success_at), last_duration_ms = @duration`)
      .run({
        job: row.job, id: runId, status: outcome.status, at: endedAt,
        success: outcome.status === 'success' ? endedAt : null, duration: Math.round(outcome.durationMs),
      });
  })();
}

export interface SkippedInput {
  job: string;
  trigger: RunTrigger;
  slot?: number | null;
  reason: string;
  at?: number;
}

/** A run that did not happen (overlap, lock held, engine stopping), kept so the gap is explained. */
export function recordSkipped(db: Db, input: SkippedInput): number {
  const at = input.at ?? Date.now();
  const info = db.prepare(`INSERT INTO job_runs (job, trigger, slot, started_at, ended_at, status, duration_ms, summary, pid, host)
    VALUES (?, ?, ?, ?, ?, 'skipped', 0, ?, ?, ?)`)
    .run(input.job, input.trigger, input.slot ?? null, at, at, JSON.stringify({ reason: input.reason }), process.pid, os.hostname());
  return Number(info.lastInsertRowid);
}

/**
 * Takes a schedule slot for this leader. One statement, so SQLite serialises competing leaders:
 * only the first to claim a slot (or any newer one) gets true; a slot is run at most once.
 */
export function claimSlot(db: Db, job: string, slot: number): boolean {
  const info = db.prepare(`INSERT INTO job_state (job, last_slot) VALUES (?, ?)
    ON CONFLICT (job) DO UPDATE SET last_slot = excluded.last_slot WHERE excluded.last_slot > job_state.last_slot`)
    .run(job, slot);
  return info.changes === 1;
}

export function lastSlot(db: Db, job: string): number | null {
  const row = db.prepare('SELECT last_slot FROM job_state WHERE job = ?').get(job) as { last_slot: number } | undefined;
  return row && row.last_slot > 0 ? row.last_slot : null;
}

export function setNextRun(db: Db, job: string, at: number | null): void {
  db.prepare('INSERT INTO job_state (job, next_run_at) VALUES (?, ?) ON CONFLICT (job) DO UPDATE SET next_run_at = excluded.next_run_at')
    .run(job, at);
}

export interface ListRunsQuery {
  job?: string;
  limit?: number;
  /** Only runs started at or after this time. */
  since?: number;
}

/** Newest first. */
export function listRuns(db: Db, query: ListRunsQuery = {}): JobRun[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.job !== undefined) { where.push('job = ?'); params.push(query.job); }
  if (query.since !== undefined) { where.push('started_at >= ?'); params.push(query.since); }
  const sql = `SELECT * FROM job_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY started_at DESC, id DESC LIMIT ?`;
  return (db.prepare(sql).all(...params, query.limit ?? 50) as RunRow[]).map(toRun);
}

/** Every run with an id of at least `fromId`, oldest first: what a mirror of this history copies (run-mirror.ts). */
export function runsFrom(db: Db, fromId: number): JobRun[] {
  return (db.prepare('SELECT * FROM job_runs WHERE id >= ? ORDER BY id').all(fromId) as RunRow[]).map(toRun);
}

export function getRun(db: Db, id: number): JobRun | null {
  const row = db.prepare('SELECT * FROM job_runs WHERE id = ?').get(id) as RunRow | undefined;
  return row ? toRun(row) : null;
}

export function jobStates(db: Db): JobState[] {
  return (db.prepare('SELECT * FROM job_state ORDER BY job').all() as StateRow[]).map(toState);
}

/**
 * Runs left `running` by a runner that has died can never be finished by it: mark them failed.
 * Only this host's rows are judged, since another host's PID cannot be probed from here.
 * Returns the ids marked.
 */
export function markAbandonedRuns(db: Db, isAlive: (identity: ProcessIdentity) => boolean, now = Date.now()): number[] {
  const rows = db.prepare("SELECT id, started_at, pid FROM job_runs WHERE status = 'running' AND host = ? AND pid IS NOT NULL")
    .all(os.hostname()) as { id: number; started_at: number; pid: number }[];
  const dead = rows.filter((r) => !isAlive({ pid: r.pid, startTicks: null }));
  for (const r of dead) {
    finishRun(db, r.id, { status: 'failed', exitCode: null, durationMs: Math.max(0, now - r.started_at), summary: { reason: 'runner died' }, endedAt: now });
  }
  return dead.map((r) => r.id);
}

function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function unlinkQuietly(file: string): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Deletes finished runs older than the retention and their logs. Only files under `logsDir`
 * (see jobLogsDir) are ever deleted, whatever a row says; stray logs there of the same age (a
 * runner that died before recording its run) go too.
 */
export function pruneHistory(db: Db, olderThanMs: number, logsDir: string, now = Date.now()): { runs: number; logs: number } {
  const cutoff = now - olderThanMs;
  const root = path.resolve(logsDir);
  const old = db.prepare("SELECT id, log_path FROM job_runs WHERE started_at < ? AND status != 'running'")
    .all(cutoff) as { id: number; log_path: string | null }[];
  const runs = db.prepare("DELETE FROM job_runs WHERE started_at < ? AND status != 'running'").run(cutoff).changes;
  let logs = 0;
  for (const r of old) {
    if (r.log_path && isInside(root, path.resolve(r.log_path)) && unlinkQuietly(r.log_path)) logs += 1;
  }
  logs += sweepOldLogs(root, cutoff);
  return { runs, logs };
}

function sweepOldLogs(root: string, cutoff: number): number {
  let removed = 0;
  let jobs: fs.Dirent[];
  try {
    jobs = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const dir of jobs.filter((d) => d.isDirectory())) {
    const folder = path.join(root, dir.name);
    for (const name of fs.readdirSync(folder)) {
      if (!name.endsWith('.log')) continue;
      const file = path.join(folder, name);
      try {
        if (fs.statSync(file).mtimeMs < cutoff && unlinkQuietly(file)) removed += 1;
      } catch {
        // Gone already: another process pruned it.
      }
    }
  }
  return removed;
}
