import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  claimSlot, finishRun, getRun, jobLogPath, jobLogsDir, jobStates, lastSlot, listRuns, markAbandonedRuns,
  pruneHistory, recordSkipped, setNextRun, setRunLogPath, startRun, type ListRunsQuery,
} from '../../src/engine/run-history.js';
import { RunMirror } from '../../src/engine/run-mirror.js';
import type { Db } from '../../src/store/sqlite.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { openPgPool } from '../../src/store/postgres/pool.js';
import { PgRunHistory } from '../../src/store/postgres/run-history.js';
import { describeBackends, type Backend } from '../helpers/backends.js';
import { tempDir } from '../helpers/temp-dir.js';

function fresh() {
  const dir = tempDir();
  return { dir, db: openOpsDb(dir) };
}

const closes: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closes.splice(0)) await close();
});

/**
 * The history as the hosts read it: on SQLite this ops.db's; on postgres the shared one (every
 * host's runs in cfa_job_runs), after this ops.db's runs were copied there as the engine copies them.
 */
function readHistory(backend: Backend, db: Db) {
  if (backend.name === 'sqlite') {
    return { states: async () => jobStates(db), list: async (query?: ListRunsQuery) => listRuns(db, query) };
  }
  const pool = openPgPool(backend.url, { size: 1 });
  closes.push(() => pool.end());
  const store = new PgRunHistory(pool);
  const mirror = new RunMirror({ db, store, host: 'test-host' });
  const synced = async () => {
    const { error } = await mirror.sync();
    if (error) throw error;
  };
  return {
    states: async () => { await synced(); return store.jobStates(); },
    list: async (query?: ListRunsQuery) => { await synced(); return store.list(query); },
  };
}

describeBackends('run history', (backend) => {
  it('keeps the last success time across later failures and partials', async () => {
    const { db } = fresh();
    const history = readHistory(backend, db);
    const ok = startRun(db, { job: 'sync', trigger: 'manual', startedAt: 1 });
    finishRun(db, ok, { status: 'success', exitCode: 0, durationMs: 9, summary: null, endedAt: 10 });
    const bad = startRun(db, { job: 'sync', trigger: 'manual', startedAt: 20 });
    finishRun(db, bad, { status: 'failed', exitCode: 1, durationMs: 5, summary: { error: 'boom' }, endedAt: 25 });
    expect((await history.states())[0]).toMatchObject({ lastRunId: bad, lastStatus: 'failed', lastRunAt: 25, lastSuccessAt: 10, lastDurationMs: 5 });
    const part = startRun(db, { job: 'sync', trigger: 'manual', startedAt: 30 });
    finishRun(db, part, { status: 'partial', exitCode: 1, durationMs: 2, summary: null, endedAt: 32 });
    expect((await history.states())[0]).toMatchObject({ lastRunId: part, lastStatus: 'partial', lastSuccessAt: 10 });
    db.close();
  });

  it('records a skip with its reason without hiding the last real outcome', async () => {
    const { db } = fresh();
    const history = readHistory(backend, db);
    const failed = startRun(db, { job: 'sync', trigger: 'manual', startedAt: 1 });
    finishRun(db, failed, { status: 'failed', exitCode: 1, durationMs: 1, summary: null, endedAt: 2 });
    const skipped = recordSkipped(db, { job: 'sync', trigger: 'schedule', slot: 60_000, reason: 'already running: PID 7', at: 3 });
    expect(getRun(db, skipped)).toMatchObject({ status: 'skipped', slot: 60_000, summary: { reason: 'already running: PID 7' }, startedAt: 3, endedAt: 3 });
    expect((await history.states())[0]).toMatchObject({ lastRunId: failed, lastStatus: 'failed' });
    db.close();
  });

  it('lists runs newest first, by job, since a time, up to a limit', async () => {
    const { db } = fresh();
    const history = readHistory(backend, db);
    for (let i = 1; i <= 5; i++) startRun(db, { job: i % 2 ? 'sync' : 'backup', trigger: 'manual', startedAt: i * 100 });
    expect((await history.list()).map((r) => r.startedAt)).toEqual([500, 400, 300, 200, 100]);
    expect((await history.list({ job: 'sync' })).map((r) => r.startedAt)).toEqual([500, 300, 100]);
    expect((await history.list({ since: 300 })).map((r) => r.startedAt)).toEqual([500, 400, 300]);
    expect((await history.list({ limit: 2 })).map((r) => r.startedAt)).toEqual([500, 400]);
    expect(getRun(db, 999)).toBeNull();
    db.close();
  });
});

// SQLite only from here: ops.db's own records (job_state's slots and next run times, runs of a
// dead local runner, logs); on postgres the slots are the lease's claims (scheduler.test.ts) and
// the shared history's own cases are in test/store/postgres/run-history.test.ts.
describe('run history', () => {
  it('records a run from start to finish and makes it the job state', () => {
    const { db } = fresh();
    const id = startRun(db, { job: 'sync', trigger: 'schedule', slot: 1000, startedAt: 5000 });
    expect(getRun(db, id)).toMatchObject({ job: 'sync', trigger: 'schedule', slot: 1000, status: 'running', pid: process.pid, host: os.hostname() });
    finishRun(db, id, { status: 'success', exitCode: 0, durationMs: 1234, summary: { series: { ok: 3 } }, endedAt: 6234 });
    expect(getRun(db, id)).toMatchObject({ status: 'success', exitCode: 0, durationMs: 1234, endedAt: 6234, summary: { series: { ok: 3 } } });
    expect(jobStates(db)).toEqual([{
      job: 'sync', lastRunId: id, lastStatus: 'success', lastRunAt: 6234, lastSuccessAt: 6234,
      lastDurationMs: 1234, nextRunAt: null, lastSlot: null,
    }]);
    db.close();
  });



  it('claims each slot once, in increasing order only', () => {
    const { dir, db } = fresh();
    const other = openOpsDb(dir);
    expect(lastSlot(db, 'sync')).toBeNull();
    expect(claimSlot(db, 'sync', 1000)).toBe(true);
    expect(claimSlot(other, 'sync', 1000)).toBe(false);
    expect(claimSlot(other, 'sync', 500)).toBe(false);
    expect(claimSlot(other, 'sync', 2000)).toBe(true);
    expect(claimSlot(db, 'sync', 2000)).toBe(false);
    expect(lastSlot(db, 'sync')).toBe(2000);
    // Slots are per job.
    expect(claimSlot(db, 'backup', 1000)).toBe(true);
    other.close();
    db.close();
  });

  it('keeps the next run time beside the rest of the state', () => {
    const { db } = fresh();
    setNextRun(db, 'sync', 99_000);
    claimSlot(db, 'sync', 42_000);
    expect(jobStates(db)[0]).toMatchObject({ job: 'sync', nextRunAt: 99_000, lastSlot: 42_000, lastRunId: null });
    setNextRun(db, 'sync', null);
    expect(jobStates(db)[0]?.nextRunAt).toBeNull();
    db.close();
  });


  it('marks runs of a dead runner failed, and leaves live ones alone', () => {
    const { db } = fresh();
    const dead = startRun(db, { job: 'sync', trigger: 'schedule', pid: 999_999_9, startedAt: 1000 });
    const live = startRun(db, { job: 'backup', trigger: 'schedule', startedAt: 1000 });
    const marked = markAbandonedRuns(db, (p) => p.pid === process.pid, 4000);
    expect(marked).toEqual([dead]);
    expect(getRun(db, dead)).toMatchObject({ status: 'failed', summary: { reason: 'runner died' }, endedAt: 4000, durationMs: 3000 });
    expect(getRun(db, live)?.status).toBe('running');
    expect(jobStates(db).find((s) => s.job === 'sync')).toMatchObject({ lastStatus: 'failed', lastRunId: dead });
    db.close();
  });

  it('prunes old finished runs and their logs, never a file outside the logs dir', () => {
    const { dir, db } = fresh();
    const logs = jobLogsDir(dir);
    const day = 86_400_000;
    const now = 100 * day;
    const outside = path.join(dir, 'precious.txt');
    fs.writeFileSync(outside, 'keep me');
    const mk = (startedAt: number, status: 'success' | 'running') => {
      const id = startRun(db, { job: 'sync', trigger: 'manual', startedAt });
      const file = jobLogPath(dir, 'sync', id);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, 'log');
      setRunLogPath(db, id, file);
      if (status !== 'running') finishRun(db, id, { status, exitCode: 0, durationMs: 1, summary: null, endedAt: startedAt + 1 });
      return { id, file };
    };
    const old = mk(now - 91 * day, 'success');
    const recent = mk(now - 1 * day, 'success');
    const stuck = mk(now - 95 * day, 'running');
    const sneaky = startRun(db, { job: 'sync', trigger: 'manual', startedAt: now - 92 * day, logPath: outside });
    finishRun(db, sneaky, { status: 'failed', exitCode: 1, durationMs: 1, summary: null, endedAt: now - 92 * day });
    // A log whose run row was never finished nor kept, older than the retention.
    const stray = path.join(logs, 'sync', '12345.log');
    fs.writeFileSync(stray, 'stray');
    fs.utimesSync(stray, (now - 93 * day) / 1000, (now - 93 * day) / 1000);
    fs.utimesSync(recent.file, now / 1000, now / 1000);
    fs.utimesSync(stuck.file, now / 1000, now / 1000);

    const result = pruneHistory(db, 90 * day, logs, now);
    expect(result).toEqual({ runs: 2, logs: 2 });
    expect(getRun(db, old.id)).toBeNull();
    expect(getRun(db, sneaky)).toBeNull();
    expect(fs.existsSync(old.file)).toBe(false);
    expect(fs.existsSync(stray)).toBe(false);
    expect(fs.existsSync(outside)).toBe(true);
    expect(getRun(db, recent.id)).not.toBeNull();
    expect(fs.existsSync(recent.file)).toBe(true);
    expect(getRun(db, stuck.id)?.status).toBe('running');
    db.close();
  });
});
