import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpScopeExclusions } from '../../../src/backup/postgres/facts.js';
import { advisoryLockParts, jobLockKey, takeJobLock, type JobLockHolder } from '../../../src/store/postgres/job-locks.js';
import { freshPgDatabase, pgMissing, withClient, type TestDatabase } from '../../helpers/postgres.js';

describe('jobLockKey (no I/O)', () => {
  it('is a stable signed 64-bit key per name, the same in every process and version', () => {
    // Pinned: a change would let an old and a new cfa-console on two hosts run the same job at once.
    expect(jobLockKey('sync')).toBe(jobLockKey('sync'));
    expect(jobLockKey('sync')).toBe(5352224393806252808n);
    const names = ['sync', 'backup', 'backup-drill', 'compact', 'validate', 'backtest', 'sentiment'];
    const keys = names.map(jobLockKey);
    expect(new Set(keys).size).toBe(names.length);
    for (const k of keys) {
      expect(k).toBeGreaterThanOrEqual(-(2n ** 63n));
      expect(k).toBeLessThan(2n ** 63n);
    }
  });

  it('splits a key into the unsigned halves pg_locks shows (classid high, objid low)', () => {
    expect(advisoryLockParts(0x0000_0001_0000_0002n)).toEqual({ classid: 1, objid: 2 });
    expect(advisoryLockParts(-1n)).toEqual({ classid: 0xffff_ffff, objid: 0xffff_ffff });
    expect(advisoryLockParts(-(2n ** 63n))).toEqual({ classid: 0x8000_0000, objid: 0 });
    for (const name of ['sync', 'backup']) {
      const { classid, objid } = advisoryLockParts(jobLockKey(name));
      expect(BigInt.asIntN(64, (BigInt(classid) << 32n) | BigInt(objid))).toBe(jobLockKey(name));
    }
  });
});

describe.skipIf(pgMissing)(`job locks in PostgreSQL${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshPgDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const hostA: JobLockHolder = { holderId: 'a-1', host: 'host-a', pid: 4242, startTicks: 7 };
  const hostB: JobLockHolder = { holderId: 'b-1', host: 'host-b', pid: 4343, startTicks: 8 };

  it('refuses a second holder while the first holds the lock, naming it; free again after release, its row gone', async () => {
    const a = await takeJobLock(db.url, 'sync', hostA);
    expect(a.taken).toBe(true);
    const b = await takeJobLock(db.url, 'sync', hostB);
    expect(b).toMatchObject({ taken: false, holder: { host: 'host-a', pid: 4242, startTicks: 7, holderId: 'a-1' } });
    // Another lock name is another lock.
    const other = await takeJobLock(db.url, 'backup', hostB);
    expect(other.taken).toBe(true);
    if (other.taken) await other.release();
    if (a.taken) await a.release();
    const rows = await withClient(db.url, async (c) => (await c.query("SELECT count(*)::int AS n FROM cfa_job_locks")).rows[0].n);
    expect(rows).toBe(0);
    const again = await takeJobLock(db.url, 'sync', hostB);
    expect(again.taken).toBe(true);
    if (again.taken) await again.release();
  });

  it('replaces a dead holder\'s row: a row whose connection no longer holds the advisory lock counts for nothing', async () => {
    // What a holder killed -9 leaves: its row, without its connection (and so without the lock).
    await withClient(db.url, (c) => c.query(
      "INSERT INTO cfa_job_locks (name, holder_id, host, pid, start_ticks, backend_pid, acquired_at) VALUES ('validate', 'dead', 'host-a', 1, 1, pg_backend_pid(), 1)"));
    const b = await takeJobLock(db.url, 'validate', hostB);
    expect(b.taken).toBe(true);
    const row = await withClient(db.url, async (c) => (await c.query("SELECT holder_id, host FROM cfa_job_locks WHERE name = 'validate'")).rows[0]);
    expect(row).toEqual({ holder_id: 'b-1', host: 'host-b' });
    // And the next taker, refused, names the live holder, not the dead one.
    const c = await takeJobLock(db.url, 'validate', hostA);
    expect(c).toMatchObject({ taken: false, holder: { host: 'host-b', pid: 4343 } });
    if (b.taken) await b.release();
  });

  it('trusts no row whose backend does not hold the lock: a holder that has not written its row yet is not named after a dead one', async () => {
    await withClient(db.url, async (c) => {
      // A dead holder's row, and the lock held by a session that has written none (yet).
      await c.query("INSERT INTO cfa_job_locks (name, holder_id, host, pid, start_ticks, backend_pid, acquired_at) VALUES ('backtest', 'dead', 'host-z', 1, 1, 0, 1)");
      await c.query('SELECT pg_advisory_lock($1::bigint)', [jobLockKey('backtest').toString()]);
      const b = await takeJobLock(db.url, 'backtest', hostB);
      expect(b).toEqual({ taken: false, holder: null });
      await c.query('SELECT pg_advisory_unlock($1::bigint)', [jobLockKey('backtest').toString()]);
    });
  });

  it('lets the holder\'s own process through (as ops.db does), and the inner release keeps the outer hold', async () => {
    const outer = await takeJobLock(db.url, 'sentiment', hostA);
    const inner = await takeJobLock(db.url, 'sentiment', { ...hostA, holderId: 'a-2' });
    expect(inner.taken).toBe(true);
    if (inner.taken) await inner.release();
    expect((await takeJobLock(db.url, 'sentiment', hostB)).taken).toBe(false);
    if (outer.taken) await outer.release();
  });

  it('refuses the same holder ID while its session holds the lock: a re-take finds its own lost session still listed, not a nested hold', async () => {
    const first = await takeJobLock(db.url, 'compact', hostA);
    expect(first.taken).toBe(true);
    expect(await takeJobLock(db.url, 'compact', hostA)).toMatchObject({ taken: false, holder: { holderId: 'a-1', host: 'host-a', pid: 4242 } });
    if (first.taken) await first.release();
    const again = await takeJobLock(db.url, 'compact', hostA);
    expect(again.taken).toBe(true);
    if (again.taken) await again.release();
  });

  it('tells its holder once its connection is gone (terminated here, as a server restart would): the lock is free for others from then on', async () => {
    const told: string[] = [];
    const a = await takeJobLock(db.url, 'backup-drill', hostA, (m) => told.push(m));
    expect(a.taken).toBe(true);
    await withClient(db.url, (c) => c.query("SELECT pg_terminate_backend(backend_pid) FROM cfa_job_locks WHERE name = 'backup-drill'"));
    for (let i = 0; i < 100 && told.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/^the connection that holds the backup-drill lock in PostgreSQL at postgresql:\/\/.* was lost .*; another host can start backup-drill now$/);
    const b = await takeJobLock(db.url, 'backup-drill', hostB);
    expect(b.taken).toBe(true);
    // The lost holder's release, when its job ends, harms nobody: b keeps the lock and its row.
    if (a.taken) await a.release();
    expect(told).toHaveLength(1);
    expect(await takeJobLock(db.url, 'backup-drill', hostA)).toMatchObject({ taken: false, holder: { host: 'host-b' } });
    if (b.taken) await b.release();
  });

  it('fails, naming the server without its password, when PostgreSQL cannot be reached', async () => {
    const url = 'postgresql://cfa:hunter2secret@127.0.0.1:1/cfa';
    const error = await takeJobLock(url, 'sync', hostA).then(() => null, (e: Error) => e);
    expect(error?.message).toMatch(/^cannot reach PostgreSQL at postgresql:\/\/cfa:••••••@127\.0\.0\.1:1\/cfa: .*; the sync lock is kept there for every host, and sync does not run without it$/);
    expect(error?.message).not.toContain('hunter2secret');
  });

  it('is left out of backups, as the other ops tables are', () => {
    expect(dumpScopeExclusions()).toContain('cfa_job_locks');
  });
});
