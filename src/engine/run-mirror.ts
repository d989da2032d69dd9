import type { Config } from '../config/schema.js';
import { hostName } from '../common/host-name.js';
import { PgRunHistory, type MirroredMark, type SharedRun, type SharedRunsQuery } from '../store/postgres/run-history.js';
import { closePool, describePgError, openPgPool } from '../store/postgres/pool.js';
import type { Db } from '../store/sqlite.js';
import { runsFrom, type JobRun, type JobState } from './run-history.js';

/**
 * The run history across hosts (store.backend postgres): each host copies its own ops.db's runs
 * into PostgreSQL (src/store/postgres/run-history.ts) and reads everybody's from there.
 *
 * ops.db stays the history the host's engine acts on (job_state, the scheduler's first-success
 * wait, the alert rules); the copy is for the eyes of other hosts. It is written after each run
 * starts and ends, and caught up by the engine every half minute: what could not be written while
 * the server was away is found by comparing this host's rows with the copy's (a new run, or one
 * still `running` there that ended here), so nothing is lost, only late. A run a dead runner left
 * `running` is marked failed in ops.db (markAbandonedRuns) and reaches the copy the same way.
 */

/** The runs of `local` the mirror lacks, or holds in an older state: new, ended since, or another run under the same id. */
export function runsToMirror(local: readonly JobRun[], marks: readonly MirroredMark[]): JobRun[] {
  const held = new Map(marks.map((m) => [m.id, m]));
  return local.filter((run) => {
    const mark = held.get(run.id);
    if (!mark) return true;
    if (mark.startedAt !== run.startedAt) return true;
    return mark.status === 'running' && run.status !== 'running';
  });
}

/**
 * Where the next comparison starts once `local` (every run from `fromId` on) is in the mirror:
 * at the oldest run still going (its end must still be copied), else after the newest.
 */
export function nextWatermark(local: readonly JobRun[], fromId: number): number {
  const running = local.filter((r) => r.status === 'running').map((r) => r.id);
  if (running.length) return Math.min(...running);
  return local.length ? Math.max(...local.map((r) => r.id)) + 1 : fromId;
}

type SharedState = Pick<JobState, 'job' | 'lastRunId' | 'lastStatus' | 'lastRunAt' | 'lastSuccessAt' | 'lastDurationMs'>;

/**
 * A job's last run and last success on any host: the newer of this ops.db's and the mirror's
 * (the mirror forgets after the retention, ops.db's job_state does not; ops.db may be ahead of a
 * mirror that is catching up). The schedule's own fields stay this host's.
 */
export function mergeJobStates(local: readonly JobState[], shared: readonly SharedState[]): JobState[] {
  const byJob = new Map(local.map((s) => [s.job, { ...s }]));
  for (const s of shared) {
    const mine = byJob.get(s.job);
    if (!mine) {
      byJob.set(s.job, { ...s, nextRunAt: null, lastSlot: null });
      continue;
    }
    if ((s.lastRunAt ?? -Infinity) > (mine.lastRunAt ?? -Infinity)) {
      Object.assign(mine, { lastRunId: s.lastRunId, lastStatus: s.lastStatus, lastRunAt: s.lastRunAt, lastDurationMs: s.lastDurationMs });
    }
    if ((s.lastSuccessAt ?? -Infinity) > (mine.lastSuccessAt ?? -Infinity)) mine.lastSuccessAt = s.lastSuccessAt;
  }
  return [...byJob.values()].sort((a, b) => a.job.localeCompare(b.job));
}

/**
 * The newest `limit` runs of all hosts: the mirror's, with this host's own from ops.db in place
 * of their copies (ops.db is never behind its mirror), newest first.
 */
export function mergeRuns(mine: readonly JobRun[], host: string, shared: readonly SharedRun[], limit: number): SharedRun[] {
  const own = mine.map((r) => ({ ...r, host, epoch: shared.find((s) => s.host === host && s.id === r.id)?.epoch ?? null }));
  const ownIds = new Set(own.map((r) => r.id));
  const others = shared.filter((s) => !(s.host === host && ownIds.has(s.id)));
  return [...own, ...others]
    .sort((a, b) => b.startedAt - a.startedAt || a.host.localeCompare(b.host) || b.id - a.id)
    .slice(0, limit);
}

export interface MirrorResult {
  written: number;
  /** Why nothing could be written (the server is away); null when the mirror is up to date. */
  error: Error | null;
}

export interface RunMirrorOptions {
  db: Db;
  store: PgRunHistory;
  /** This host's name among the hosts (engine.host / CFA_HOST), the first half of each row's key. */
  host: string;
  /** Told of each distinct failure once, and when writing works again. */
  onError?(error: Error): void;
  onRecovered?(): void;
}

/** Copies one ops.db's runs into the shared history; syncs are one after another and never throw. */
export class RunMirror {
  private watermark = 0;
  private readonly epochs = new Map<number, number>();
  private tail: Promise<unknown> = Promise.resolve();
  private queued: Promise<MirrorResult> | null = null;
  private lastError: string | null = null;

  constructor(private readonly options: RunMirrorOptions) {}

  /** The leader's epoch under which run `runId` started (a leader's run): written with it. */
  noteEpoch(runId: number, epoch: number | null): void {
    if (epoch !== null) this.epochs.set(runId, epoch);
  }

  /** Copies what changed since the last sync; a call while one waits shares it. */
  sync(): Promise<MirrorResult> {
    if (this.queued) return this.queued;
    const run = this.tail.then(() => {
      this.queued = null;
      return this.once();
    });
    this.queued = run;
    this.tail = run;
    return run;
  }

  private async once(): Promise<MirrorResult> {
    const { db, store, host } = this.options;
    try {
      const fromId = this.watermark;
      const local = runsFrom(db, fromId);
      const pending = runsToMirror(local, await store.marks(host, fromId));
      const written = await store.upsert(host, pending.map((r) => ({ ...r, epoch: this.epochs.get(r.id) ?? null })));
      for (const r of pending) if (r.status !== 'running') this.epochs.delete(r.id);
      this.watermark = nextWatermark(local, fromId);
      if (this.lastError !== null) this.options.onRecovered?.();
      this.lastError = null;
      return { written, error: null };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      if (e.message !== this.lastError) this.options.onError?.(e);
      this.lastError = e.message;
      return { written: 0, error: e };
    }
  }
}

/** Waits for `promise` at most `ms`: a process about to exit does not hang on a server that is away. */
export async function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<T>((resolve) => { timer = setTimeout(() => resolve(fallback), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

/** A short-lived process's mirror (the CLI's `run --wait`, a runbook's run here) with its own connection; null on SQLite. */
export function openRunMirror(config: Config, db: Db): { mirror: RunMirror; close(): Promise<void> } | null {
  if (config.store.backend !== 'postgres' || !config.store.url) return null;
  const url = config.store.url;
  const pool = openPgPool(url, { size: 1, applicationName: 'cfa-console runs' });
  const mirror = new RunMirror({
    db, store: new PgRunHistory(pool), host: hostName(config.engine.host),
    onError: (error) => process.stderr.write(`▲ the run could not be copied to the shared history yet (the engine catches up later): ${describePgError(url, error).message}\n`),
  });
  return { mirror, close: () => closePool(pool) };
}

/** Every host's runs, read from the shared history (store.backend postgres). */
export interface SharedRuns {
  /** This host's name among the hosts. */
  host: string;
  list(query?: SharedRunsQuery): Promise<SharedRun[]>;
  jobStates(): Promise<SharedState[]>;
  close(): Promise<void>;
}

/** Null on SQLite: every run there is in this host's ops.db. */
export function openSharedRuns(config: Config): SharedRuns | null {
  if (config.store.backend !== 'postgres' || !config.store.url) return null;
  const url = config.store.url;
  const pool = openPgPool(url, { size: 1, applicationName: 'cfa-console runs' });
  const store = new PgRunHistory(pool);
  const described = <T>(p: Promise<T>) => p.catch((error: unknown) => { throw describePgError(url, error, 'cannot read the shared run history'); });
  return {
    host: hostName(config.engine.host),
    list: (query) => described(store.list(query)),
    jobStates: () => described(store.jobStates()),
    close: () => closePool(pool),
  };
}
