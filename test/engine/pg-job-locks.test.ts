import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { engineFixture, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { parseJsonLines, runCli, startCli, writeTestConfig } from '../helpers/cli.js';
import { freshPgDatabase, pgMissing, withClient, type TestDatabase } from '../helpers/postgres.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * Job locks across hosts: two hosts as two data dirs (two ops.db) with different host names (one
 * from engine.host, one from CFA_HOST) on one PostgreSQL database. Real processes of the built
 * binary, real signals.
 */

interface Host {
  name: string;
  args: (simUrl: string) => string[];
  env: Record<string, string>;
}

function host(name: string, url: string): Host {
  const dir = tempDir();
  // host-a names itself in its config file; host-b through CFA_HOST.
  writeTestConfig(dir, {
    sync: { backfillDays: 200, concurrency: 1 },
    store: { backend: 'postgres' },
    ...(name === 'host-a' ? { engine: { host: name } } : {}),
  });
  return {
    name,
    args: (simUrl) => ['--data-dir', path.join(dir, 'data'), '--config', path.join(dir, 'config.json'), '--exchange-url', simUrl, 'sync', '--json'],
    env: { CFA_STORE_URL: url, ...(name === 'host-b' ? { CFA_HOST: name } : {}) },
  };
}

/** A sync that has taken its lock (its `start` line is out) and stays busy: the simulator is slow. */
async function startHolding(h: Host, simUrl: string) {
  const child = startCli(h.args(simUrl), { buffer: false, env: h.env });
  const first = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(String(chunk)));
    child.once('exit', (code) => reject(new Error(`${h.name}'s sync ended (exit ${code}) before it started`)));
  });
  expect(parseJsonLines(first)[0]?.event).toBe('start');
  // Wrapped: the child is a promise of its result, which an async function's return would wait for.
  return { child };
}

const holders = (url: string) => withClient(url, async (c) =>
  (await c.query<{ name: string; host: string; pid: number }>('SELECT name, host, pid FROM cfa_job_locks ORDER BY name')).rows);

/** The sync lock is `holderHost`'s process `pid`'s in PostgreSQL, and `other`'s sync is refused naming it (exit 1, nothing started). */
async function expectHeld(url: string, holderHost: string, pid: number, other: Host, simUrl: string): Promise<void> {
  expect(await holders(url)).toEqual([{ name: 'sync', host: holderHost, pid }]);
  const refused = await runCli(other.args(simUrl), { env: other.env });
  expect(refused.exitCode).toBe(1);
  expect(refused.stderr).toContain(`sync is already running: PID ${pid} on ${holderHost}, since `);
  expect(refused.events.find((e) => e.event === 'start')).toBeUndefined();
}

describe.skipIf(pgMissing)(`job locks shared across hosts in PostgreSQL${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase | null = null;
  const children: ReturnType<typeof startCli>[] = [];
  const engines: RunningDaemon[] = [];

  afterEach(async () => {
    for (const e of engines.splice(0)) {
      e.child.kill('SIGKILL');
      await e.child.catch(() => {});
    }
    for (const c of children.splice(0)) {
      c.kill('SIGKILL');
      await c.catch(() => {});
    }
    await db?.drop();
    db = null;
  });

  it('refuses host b\'s sync while host a\'s runs, naming PID and host; after kill -9 of host a\'s, host b takes the lock at once', async () => {
    db = await freshPgDatabase();
    const sim = await simulator({ symbols: 2, faults: { latencyMs: 200 } });
    const a = host('host-a', db.url);
    const b = host('host-b', db.url);

    const { child: syncA } = await startHolding(a, sim.url);
    children.push(syncA);
    // Host b has its own ops.db, where no sync runs: only the shared lock stops it.
    await expectHeld(db.url, a.name, syncA.pid!, b, sim.url);

    syncA.kill('SIGKILL');
    await syncA.catch(() => {});
    // No waiting for a lease or a timeout: the holder's connection died with it, and its lock with that.
    const { child: syncB } = await startHolding(b, sim.url);
    children.push(syncB);
    // And the other way round, now that host b holds it.
    await expectHeld(db.url, b.name, syncB.pid!, a, sim.url);
  });

  it('fails the run, naming the server with its password masked, when PostgreSQL cannot be reached: never unserialised', async () => {
    const sim = await simulator({ symbols: 1 });
    const b = host('host-b', 'postgresql://cfa:hunter2secret@127.0.0.1:1/cfa');
    const run = await runCli(b.args(sim.url), { env: b.env });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/cannot reach PostgreSQL at postgresql:\/\/cfa:••••••@127\.0\.0\.1:1\/cfa: .*; the sync lock is kept there for every host, and sync does not run without it/);
    expect(run.stderr).not.toContain('hunter2secret');
    expect(run.events.find((e) => e.event === 'start')).toBeUndefined();
    expect(Object.values(sim.stats.requests).reduce((n, v) => n + v, 0)).toBe(0);
  });

  it('tells a person who ran a job by hand (no --json) on stderr when its lock\'s connection is lost mid-run', async () => {
    db = await freshPgDatabase();
    const dir = tempDir();
    writeTestConfig(dir, { store: { backend: 'postgres' }, backtest: { command: [process.execPath, '-e', 'setTimeout(() => {}, 4000)'] } });
    const child = startCli(['--data-dir', path.join(dir, 'data'), '--config', path.join(dir, 'config.json'), 'backtest'], { env: { CFA_STORE_URL: db.url } });
    children.push(child);
    // Its lock is taken once its row is there; then the server ends that connection.
    const held = () => holders(db!.url).catch(() => []); // no table until the first lock is taken
    for (let i = 0; i < 200 && (await held()).length === 0; i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(await holders(db.url)).toMatchObject([{ name: 'backtest' }]);
    await withClient(db.url, (c) => c.query('SELECT pg_terminate_backend(backend_pid) FROM cfa_job_locks WHERE name = $1', ['backtest']));
    const result = await child;
    expect(String(result.stderr)).toMatch(/the connection that holds the backtest lock in PostgreSQL at postgresql:\/\/.* was lost .*; another host can start backtest now/);
  });

  it('the leader\'s scheduled sync on host a is skipped, naming host b, while a sync run by hand on host b holds the lock; it runs once that holder is killed', async () => {
    db = await freshPgDatabase();
    const sim = await simulator({ symbols: 2, faults: { latencyMs: 200 } });
    const b = host('host-b', db.url);
    const { child: syncB } = await startHolding(b, sim.url);
    children.push(syncB);

    const dirA = tempDir();
    const leaderA = startDaemon(engineFixture(dirA, sim.url, {
      jobs: { sync: { schedule: '*/1 * * * * *', catchUpWindow: '1s' } },
      store: { backend: 'postgres', url: db.url },
      engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms', host: 'host-a' },
    }));
    engines.push(leaderA);
    await leaderA.waitFor((l) => l.msg === 'became leader');
    // A run whose process started (a slot that finds the previous one still starting is skipped without one).
    const skipped = await leaderA.waitFor((l) => l.msg === 'job finished' && l.job === 'sync' && l.log !== null, 60_000);
    expect(skipped.status).toBe('skipped');
    // The job's own log keeps what its process said: the holder on the other host.
    expect(fs.readFileSync(skipped.log as string, 'utf8')).toContain(`sync is already running: PID ${syncB.pid} on host-b`);

    syncB.kill('SIGKILL');
    await syncB.catch(() => {});
    const ran = await leaderA.waitFor((l) => l.msg === 'job finished' && l.job === 'sync' && l.status !== 'skipped', 90_000);
    expect(ran.status).toBe('success');
    // Nothing of host a's ran while host b held the lock.
    const before = leaderA.lines().filter((l) => l.msg === 'job finished' && l.job === 'sync');
    expect(before.findIndex((l) => l.status !== 'skipped')).toBe(before.findIndex((l) => l.runId === ran.runId));
  });
});
