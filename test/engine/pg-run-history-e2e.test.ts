import path from 'node:path';
import { execaNode } from 'execa';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startRun } from '../../src/engine/run-history.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { runCli } from '../helpers/cli.js';
import { engineFixture, killDaemons, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { freshPgDatabase, pgMissing, withClient, type TestDatabase } from '../helpers/postgres.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * The run history across hosts, end to end: two hosts on one machine (separate data dirs, so
 * separate ops.db; host names from CFA_HOST), one PostgreSQL database, the built binary as real
 * processes. What one host ran shows in the other's `status`, with its host.
 */

interface StatusRun { id: number; job: string; trigger: string; status: string; host: string; epoch: number | null; exitCode: number | null }
interface StatusJson { lastRuns: StatusRun[]; jobs: { name: string; lastStatus: string | null }[]; runsFrom?: string; sharedRunsError?: string }

async function status(args: string[], host: string): Promise<StatusJson> {
  const run = await runCli([...args, 'status', '--json'], { env: { CFA_HOST: host } });
  expect(run.exitCode, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as StatusJson;
}

async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe.skipIf(pgMissing)(`runs of every host in status${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  const started: RunningDaemon[] = [];
  const daemons = (d: RunningDaemon) => started.push(d);
  let db: TestDatabase | null = null;

  afterEach(async () => {
    await killDaemons(started);
    await db?.drop();
    db = null;
  });

  it('the leader\'s scheduled runs show in the status of a host that does not lead, and that host\'s run by hand in the leader\'s', async () => {
    db = await freshPgDatabase();
    const sim = await simulator({ symbols: 2 });
    const store = { backend: 'postgres', url: db.url };
    const engine = { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms' };
    // Host a leads and syncs every five seconds; host b runs no engine at all, only the CLI.
    const a = engineFixture(tempDir(), sim.url, { jobs: { sync: { schedule: '*/5 * * * * *', catchUpWindow: '1s' } }, store, engine });
    const b = engineFixture(tempDir(), sim.url, { store, engine });
    expect(path.dirname(a[1]!)).not.toBe(path.dirname(b[1]!));

    const leader = startDaemon(a, { env: { CFA_HOST: 'a' } });
    daemons(leader);
    expect(await leader.waitFor((l) => l.msg === 'became leader', 30_000)).toMatchObject({ host: 'a', epoch: 1 });
    const finished = await leader.waitFor((l) => l.msg === 'job finished' && l.job === 'sync' && l.status === 'success', 90_000);

    // b's ops.db has never seen a run: all it shows comes from the shared history.
    const seen = await until('a\'s scheduled sync in b\'s status', async () => {
      const s = await status(b, 'b');
      return s.lastRuns.find((r) => r.host === 'a' && r.id === finished.runId && r.status === 'success') ? s : null;
    });
    expect(seen.runsFrom).toBe('postgres');
    expect(seen.sharedRunsError).toBeUndefined();
    const run = seen.lastRuns.find((r) => r.id === finished.runId);
    // The first slot may be caught up at the start: a leader's run either way, under epoch 1.
    expect(run, JSON.stringify(run)).toMatchObject({ job: 'sync', host: 'a', epoch: 1, exitCode: 0 });
    expect(['schedule', 'catch-up']).toContain(run!.trigger);
    expect(seen.lastRuns.every((r) => r.host === 'a')).toBe(true);
    expect(seen.jobs.find((j) => j.name === 'sync')?.lastStatus).toBe('success');
    const jobs = await runCli([...b, 'jobs', '--json'], { env: { CFA_HOST: 'b' } });
    expect((JSON.parse(jobs.stdout) as { name: string; lastStatus: string | null }[]).find((j) => j.name === 'sync')?.lastStatus, jobs.stderr).toBe('success');

    // b runs a job by hand (no engine there): the leader's host sees it, under b.
    const manual = await runCli([...b, 'run', 'validate', '--wait', '--json'], { env: { CFA_HOST: 'b' } });
    const outcome = manual.events.find((e) => e.event === 'run');
    expect(outcome, manual.stderr).toBeTruthy();
    const fromA = await until('b\'s manual run in a\'s status', async () => {
      const s = await status(a, 'a');
      return s.lastRuns.find((r) => r.host === 'b' && r.id === outcome!.runId) ? s : null;
    });
    expect(fromA.lastRuns.find((r) => r.host === 'b')).toMatchObject({ job: 'validate', trigger: 'manual', status: outcome!.status, epoch: null });
    expect(fromA.lastRuns.some((r) => r.host === 'a' && r.job === 'sync')).toBe(true);

    // The table names each run's host and stays within 80 columns.
    const text = await runCli([...b, 'status'], { env: { CFA_HOST: 'b' } });
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^HOST\s+RUN\s+JOB\s+TRIGGER\s+STARTED \(UTC\)\s+RESULT\s+DURATION$/m);
    expect(text.stdout).toMatch(new RegExp(`^a\\s+${String(finished.runId)}\\s+sync\\s+(schedule|catch-up)\\s+`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^b\\s+${String(outcome!.runId)}\\s+validate\\s+manual\\s+`, 'm'));
    for (const line of text.stdout.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(80);

    // The leader stops; the shared history keeps what it copied, each run once per host and id.
    leader.child.kill('SIGTERM');
    expect((await leader.child).exitCode).toBe(0);
    const rows = await withClient(db.url, async (c) => (await c.query<{ host: string; id: string; status: string }>('SELECT host, id, status FROM cfa_job_runs ORDER BY host, id')).rows);
    expect(rows.filter((r) => r.status === 'running')).toEqual([]);
    expect(new Set(rows.map((r) => `${r.host}/${r.id}`)).size).toBe(rows.length);
    expect(rows.some((r) => r.host === 'b')).toBe(true);
  }, 240_000);

  it('a run whose runner died on a host that does not lead is copied as failed when that host\'s engine starts, not left running', async () => {
    db = await freshPgDatabase();
    const sim = await simulator({ symbols: 2 });
    const store = { backend: 'postgres', url: db.url };
    const a = engineFixture(tempDir(), sim.url, { store });
    const b = engineFixture(tempDir(), sim.url, { store });
    const leader = startDaemon(a, { env: { CFA_HOST: 'a' } });
    daemons(leader);
    await leader.waitFor((l) => l.msg === 'became leader', 30_000);
    // b's runner of a backup died (its engine and the machine went down with it) before it could record the end.
    const child = execaNode('-e', ['']);
    await child;
    const ops = openOpsDb(b[1]!);
    const runId = startRun(ops, { job: 'backup', trigger: 'manual', pid: child.pid! });
    ops.close();
    const follower = startDaemon(b, { env: { CFA_HOST: 'b' } });
    daemons(follower);
    expect(await follower.waitFor((l) => l.msg === 'runs whose runner died marked failed', 30_000)).toMatchObject({ runs: [runId] });
    const copy = await until('b\'s run copied as failed', async () => (await status(a, 'a')).lastRuns.find((r) => r.host === 'b' && r.id === runId && r.status !== 'running'));
    expect(copy).toMatchObject({ job: 'backup', status: 'failed' });
    expect(await follower.waitFor((l) => l.msg === 'following the current leader')).toMatchObject({ leaderHost: 'a' });
  }, 120_000);

  it('a host whose PostgreSQL does not answer shows its own runs and says why', async () => {
    const sim = await simulator({ symbols: 2 });
    // Nothing listens on port 1 of loopback: the connection is refused at once.
    const b = engineFixture(tempDir(), sim.url, { store: { backend: 'postgres', url: 'postgres://cfa@127.0.0.1:1/none' } });
    const s = await status(b, 'b');
    expect(s.runsFrom).toBe('ops.db');
    expect(s.sharedRunsError).toMatch(/127\.0\.0\.1:1/);
    const text = await runCli([...b, 'status'], { env: { CFA_HOST: 'b' } });
    expect(text.stdout).toMatch(/runs\s+▲ this host's only: cannot read the shared run history at postgres:\/\/cfa@127\.0\.0\.1:1\/none/);
    const jobs = await runCli([...b, 'jobs'], { env: { CFA_HOST: 'b' } });
    expect(jobs.exitCode).toBe(0);
    expect(jobs.stderr).toMatch(/▲ last results of this host only: cannot read the shared run history/);
  }, 60_000);
});
