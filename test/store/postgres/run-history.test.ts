import { execaNode } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishRun, getRun, markAbandonedRuns, startRun } from '../../../src/engine/run-history.js';
import { RunMirror } from '../../../src/engine/run-mirror.js';
import { isAlive } from '../../../src/engine/process-identity.js';
import { openOpsDb } from '../../../src/store/ops-db.js';
import { PgLease } from '../../../src/store/postgres/lease.js';
import { openPgPool, type PgPool } from '../../../src/store/postgres/pool.js';
import { PgRunHistory } from '../../../src/store/postgres/run-history.js';
import { freshPgDatabase, pgMissing, pgServerUrl, withClient, type TestDatabase } from '../../helpers/postgres.js';
import { tempDir } from '../../helpers/temp-dir.js';

/**
 * The shared run history against the test server: one host's ops.db (a real SQLite file) copied
 * into cfa_job_runs, with the database refusing connections for a while in between.
 */

const DAY = 86_400_000;

/** The database refuses new connections and drops the open ones, as a server that went away; `back` undoes it. */
async function takeAway(name: string): Promise<{ back(): Promise<void> }> {
  await withClient(pgServerUrl, async (c) => {
    await c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
  });
  return { back: () => withClient(pgServerUrl, async (c) => { await c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`); }) };
}

async function deadPid(): Promise<number> {
  const child = execaNode('-e', ['']);
  await child;
  return child.pid!;
}

describe.skipIf(pgMissing)(`the run history shared in PostgreSQL${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase;
  let pool: PgPool;
  let store: PgRunHistory;

  beforeAll(async () => {
    db = await freshPgDatabase();
    pool = openPgPool(db.url, { size: 2 });
    store = new PgRunHistory(pool);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('runs recorded while PostgreSQL was away reach it once it answers; a run that ended, or whose runner died, replaces its running copy', async () => {
    const ops = openOpsDb(tempDir());
    const errors: Error[] = [];
    let recovered = 0;
    const mirror = new RunMirror({ db: ops, store, host: 'host-a', onError: (e) => errors.push(e), onRecovered: () => { recovered += 1; } });

    const first = startRun(ops, { job: 'sync', trigger: 'schedule', slot: 60_000 });
    mirror.noteEpoch(first, 4);
    expect(await mirror.sync()).toEqual({ written: 1, error: null });
    expect(await store.list()).toMatchObject([{ host: 'host-a', id: first, job: 'sync', trigger: 'schedule', slot: 60_000, status: 'running', epoch: 4, pid: process.pid }]);

    const away = await takeAway(db.name);
    finishRun(ops, first, { status: 'success', exitCode: 0, durationMs: 1500, summary: { series: { ok: 2 } } });
    const second = startRun(ops, { job: 'backup', trigger: 'manual' });
    finishRun(ops, second, { status: 'failed', exitCode: 1, durationMs: 20, summary: { error: 'disk full' } });
    const failed = await mirror.sync();
    expect(failed.written).toBe(0);
    expect(failed.error).not.toBeNull();
    expect((await mirror.sync()).error).not.toBeNull();
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(recovered).toBe(0);

    await away.back();
    expect(await mirror.sync()).toEqual({ written: 2, error: null });
    expect(recovered).toBe(1);
    const rows = await store.list();
    expect(rows.map((r) => [r.id, r.status])).toEqual([[second, 'failed'], [first, 'success']]);
    // The epoch the run started under stays with it; the summary is JSON as recorded.
    expect(rows[1]).toMatchObject({ epoch: 4, exitCode: 0, durationMs: 1500, summary: { series: { ok: 2 } } });
    expect(rows[0]).toMatchObject({ epoch: null, summary: { error: 'disk full' } });
    // Nothing more to copy.
    expect(await mirror.sync()).toEqual({ written: 0, error: null });

    // A slower writer's copy of the run while it was still going never undoes its end.
    expect(await store.upsert('host-a', [{ ...getRun(ops, first)!, status: 'running', endedAt: null, exitCode: null }])).toBe(0);
    expect((await store.list({ job: 'sync' }))[0]).toMatchObject({ status: 'success' });

    // A runner that died: running in the copy until the engine marks it failed in ops.db.
    const abandoned = startRun(ops, { job: 'backup', trigger: 'manual', pid: await deadPid() });
    await mirror.sync();
    expect((await store.list({ job: 'backup', limit: 1 }))[0]).toMatchObject({ id: abandoned, status: 'running' });
    expect(markAbandonedRuns(ops, isAlive)).toEqual([abandoned]);
    expect(await mirror.sync()).toEqual({ written: 1, error: null });
    expect((await store.list({ job: 'backup', limit: 1 }))[0]).toMatchObject({ id: abandoned, status: 'failed', summary: { reason: 'runner died' } });
    ops.close();
  });

  it('keeps each host\'s runs apart under the same ids, and tells each job\'s last run and last success across hosts', async () => {
    const other = openOpsDb(tempDir());
    const mirror = new RunMirror({ db: other, store, host: 'host-b' });
    const id = startRun(other, { job: 'sync', trigger: 'manual', startedAt: Date.now() + 60_000 });
    finishRun(other, id, { status: 'partial', exitCode: 1, durationMs: 5, summary: null, endedAt: Date.now() + 60_005 });
    await mirror.sync();
    const runs = await store.list({ job: 'sync' });
    expect(runs.map((r) => `${r.host}/${r.id}/${r.status}`)).toEqual([`host-b/${id}/partial`, 'host-a/1/success']);
    const states = await store.jobStates();
    const sync = states.find((s) => s.job === 'sync')!;
    const successA = runs.find((r) => r.host === 'host-a')!.endedAt;
    expect(sync).toMatchObject({ lastRunId: id, lastStatus: 'partial', lastDurationMs: 5, lastSuccessAt: successA });
    expect(states.find((s) => s.job === 'backup')).toMatchObject({ lastStatus: 'failed', lastSuccessAt: null });

    // host-b's ops.db started afresh: its run 1 is another run, and replaces the copy of the old one.
    other.close();
    const fresh = openOpsDb(tempDir());
    const again = new RunMirror({ db: fresh, store, host: 'host-b' });
    const reborn = startRun(fresh, { job: 'validate', trigger: 'manual' });
    finishRun(fresh, reborn, { status: 'success', exitCode: 0, durationMs: 1, summary: null });
    expect(reborn).toBe(id);
    await again.sync();
    expect((await store.list()).filter((r) => r.host === 'host-b').map((r) => `${r.id}/${r.job}`)).toEqual([`${id}/validate`]);
    fresh.close();
  });

  it('forgets runs older than the retention under the leader\'s fence only, a run left running that long too', async () => {
    const lease = new PgLease(pool);
    const { holder } = await lease.acquire({ holderId: 'leader-1', pid: process.pid, startTicks: null, host: 'host-a' }, 60_000);
    const fence = { epoch: holder!.epoch, holderId: holder!.holderId, host: holder!.host };
    const old = Date.now() - 10 * DAY;
    const base = { job: 'sync', trigger: 'schedule' as const, slot: null, exitCode: 0, durationMs: 1, summary: null, logPath: null, pid: 1, host: null };
    await store.upsert('host-c', [
      { ...base, id: 1, startedAt: old, endedAt: old + 1, status: 'success' },
      { ...base, id: 2, startedAt: old, endedAt: null, status: 'running' },
      { ...base, id: 3, startedAt: Date.now() - DAY, endedAt: Date.now() - DAY + 1, status: 'success' },
    ]);
    expect(await store.prune({ ...fence, epoch: fence.epoch + 1 }, 7 * DAY)).toBe(0);
    expect(await store.prune({ ...fence, holderId: 'somebody-else' }, 7 * DAY)).toBe(0);
    expect(await store.prune(fence, 7 * DAY)).toBe(2);
    expect((await store.list({ limit: 100 })).filter((r) => r.host === 'host-c').map((r) => r.id)).toEqual([3]);
  });

  it('the leader presumes another host\'s run failed once it runs past its job\'s limit; that host\'s own record replaces the presumption', async () => {
    const lease = new PgLease(pool);
    const { holder } = await lease.acquire({ holderId: 'leader-1', pid: process.pid, startTicks: null, host: 'host-a' }, 60_000);
    const fence = { epoch: holder!.epoch, holderId: holder!.holderId, host: holder!.host };
    const HOUR = 3_600_000;
    const base = { trigger: 'schedule' as const, slot: null, endedAt: null, status: 'running' as const, exitCode: null, durationMs: null, summary: null, logPath: null, pid: 1, host: null };
    const long = { ...base, id: 1, job: 'sync', startedAt: Date.now() - 2 * HOUR };
    await store.upsert('host-d', [long, { ...base, id: 2, job: 'sync', startedAt: Date.now() - 60_000 }, { ...base, id: 3, job: 'compact', startedAt: Date.now() - 2 * HOUR }]);
    // The leader's own host is judged by PID, not here.
    await store.upsert('host-a', [{ ...base, id: 90, job: 'sync', startedAt: Date.now() - 2 * HOUR }]);

    expect(await store.presumeStale({ ...fence, holderId: 'somebody-else' }, { sync: HOUR })).toEqual([]);
    // compact's limit is longer than it has run; no limit known: nothing presumed.
    expect(await store.presumeStale(fence, { sync: HOUR, compact: 3 * HOUR })).toEqual([{ host: 'host-d', id: 1 }]);
    const d = (await store.list({ limit: 100 })).filter((r) => r.host === 'host-d').sort((x, y) => x.id - y.id);
    expect(d.map((r) => `${r.id}/${r.status}`)).toEqual(['1/failed', '2/running', '3/running']);
    expect(d[0]!.summary).toMatchObject({ reason: expect.stringMatching(/^presumed failed by the leader on host-a: still running past the job's timeout/) });
    expect((await store.list({ job: 'sync', limit: 100 })).find((r) => r.host === 'host-a' && r.id === 90)).toMatchObject({ status: 'running' });
    // host-d's mirror still owes the real end, and is let give it.
    expect((await store.marks('host-d', 0)).find((m) => m.id === 1)).toMatchObject({ status: 'running' });
    expect(await store.upsert('host-d', [{ ...long, status: 'success', endedAt: Date.now(), exitCode: 0, durationMs: 5 }])).toBe(1);
    expect((await store.list({ limit: 100 })).find((r) => r.host === 'host-d' && r.id === 1)).toMatchObject({ status: 'success', summary: null });
    expect((await store.marks('host-d', 0)).find((m) => m.id === 1)).toMatchObject({ status: 'success' });
  });
});
