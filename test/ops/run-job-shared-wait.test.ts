import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { runContext } from '../../src/ops/context.js';
import { runsEnded } from '../../src/ops/run-job.js';
import type { JobRun } from '../../src/engine/run-history.js';
import { openPgPool } from '../../src/store/postgres/pool.js';
import { PgRunHistory } from '../../src/store/postgres/run-history.js';
import { writeTestConfig } from '../helpers/cli.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from '../helpers/postgres.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * A runbook on host b waiting for a run of its job to end (runJobAnywhere's waitIfRunning): with
 * store.backend postgres the run it waits for may be the leader's on host a, seen only in the
 * shared history (cfa_job_runs), never in b's ops.db.
 */

function hostB(db: TestDatabase) {
  const dir = tempDir('cfa-wait-b-');
  const configFile = writeTestConfig(dir, { store: { backend: 'postgres', url: db.url }, engine: { host: 'b' } });
  return runContext(loadConfig({ configPath: configFile, dataDir: path.join(dir, 'data') }, {}));
}

function backupRun(status: JobRun['status'], startedAt: number): JobRun {
  const ended = status !== 'running';
  return {
    id: 7, job: 'backup', trigger: 'schedule', slot: null, startedAt, endedAt: ended ? Date.now() : null, status,
    exitCode: ended ? 0 : null, durationMs: ended ? Date.now() - startedAt : null, summary: null, logPath: null, pid: 4242, host: 'a',
  };
}

describe.skipIf(pgMissing)(`waiting for a run of the job on any host${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase | null = null;
  afterEach(async () => {
    await db?.drop();
    db = null;
  });

  it('host b waits while host a\'s run of the job is running in the shared history, and goes on once it ended', async () => {
    db = await freshPgDatabase();
    const pool = openPgPool(db.url, { size: 1 });
    try {
      const runs = new PgRunHistory(pool);
      const startedAt = Date.now();
      await runs.upsert('a', [backupRun('running', startedAt)]);
      const ctx = hostB(db);

      // Still running at the deadline: not ended.
      expect(await runsEnded(ctx, 'backup', Date.now() + 1_500, 100)).toBe(false);
      // Another job's wait is not held up by it.
      expect(await runsEnded(ctx, 'validate', Date.now() + 1_500, 100)).toBe(true);

      // a's run ends while b waits: b goes on before its deadline.
      const waiting = runsEnded(ctx, 'backup', Date.now() + 60_000, 100).then((ended) => ({ ended, at: Date.now() }));
      await sleep(1_000);
      await runs.upsert('a', [backupRun('success', startedAt)]);
      const endedAt = Date.now();
      const { ended, at } = await waiting;
      expect(ended).toBe(true);
      expect(at).toBeGreaterThanOrEqual(endedAt);
    } finally {
      await pool.end();
    }
  }, 60_000);

  it('a shared history that cannot be reached does not hold the wait (b\'s own history decides)', async () => {
    const dir = tempDir('cfa-wait-b-');
    const configFile = writeTestConfig(dir, { store: { backend: 'postgres', url: 'postgres://cfa@127.0.0.1:1/none' }, engine: { host: 'b' } });
    const ctx = runContext(loadConfig({ configPath: configFile, dataDir: path.join(dir, 'data') }, {}));
    expect(await runsEnded(ctx, 'backup', Date.now() + 10_000, 100)).toBe(true);
  }, 30_000);
});
