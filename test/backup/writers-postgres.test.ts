import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLockWaiting } from '../../src/backup/writers.js';
import { takeJobLock } from '../../src/store/postgres/job-locks.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp-dir.js';

describe.skipIf(pgMissing)(`writers paused across hosts (store.backend postgres)${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshPgDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('waits for another host\'s sync to finish, naming that host, then holds the lock in ops.db and in PostgreSQL', async () => {
    const other = await takeJobLock(db.url, 'sync', { holderId: 'b', host: 'host-b', pid: 4343, startTicks: 1 });
    expect(other.taken).toBe(true);
    const ops = openOpsDb(tempDir());
    const waits: string[] = [];
    const waiting = acquireLockWaiting(ops, 'sync', 20_000, (m) => {
      waits.push(m);
      // Host b's sync ends while we wait.
      if (other.taken) void other.release();
    }, { url: db.url, host: 'host-a' });
    const release = await waiting;
    expect(waits).toEqual([expect.stringMatching(/^waiting for sync \(PID 4343 on host-b\) to finish, up to 20 s$/)]);
    expect(ops.prepare("SELECT count(*) AS n FROM locks WHERE name = 'sync'").get()).toEqual({ n: 1 });
    expect(await takeJobLock(db.url, 'sync', { holderId: 'c', host: 'host-c', pid: 1, startTicks: 1 })).toMatchObject({ taken: false, holder: { host: 'host-a', pid: process.pid } });
    await release();
    expect(ops.prepare("SELECT count(*) AS n FROM locks WHERE name = 'sync'").get()).toEqual({ n: 0 });
    ops.close();
  });

  it('gives up after its wait with the other host named, and leaves no lock of its own in ops.db', async () => {
    const other = await takeJobLock(db.url, 'backup', { holderId: 'b', host: 'host-b', pid: 4343, startTicks: 1 });
    const ops = openOpsDb(tempDir());
    await expect(acquireLockWaiting(ops, 'backup', 300, undefined, { url: db.url, host: 'host-a' }))
      .rejects.toThrow(/^backup is still running after waiting 0 s \(PID 4343 on host-b, since .*\); try again when it has finished/);
    expect(ops.prepare("SELECT count(*) AS n FROM locks").get()).toEqual({ n: 0 });
    if (other.taken) await other.release();
    ops.close();
  });
});
