import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from '../../src/store/sqlite-driver.js';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { engineFixture, pidAlive, startDaemon } from '../helpers/daemon.js';
import type { Interval } from '../../src/exchange/intervals.js';
import { describeBackends, sqliteBackend, type Backend } from '../helpers/backends.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { makeReadOnly, tempDir } from '../helpers/temp-dir.js';

interface RunRow { id: number; job: string; trigger: string; slot: number | null; status: string; exit_code: number | null }

function runs(dataDir: string): RunRow[] {
  const db = new Database(path.join(dataDir, 'ops.db'), { readonly: true });
  try {
    return db.prepare('SELECT id, job, trigger, slot, status, exit_code FROM job_runs ORDER BY id').all() as RunRow[];
  } finally {
    db.close();
  }
}

const ALL: Interval[] = ['15m', '1h', '4h', '1d'];
const HOUR = 3_600_000;
const finished = (l: Record<string, unknown>) => l.msg === 'job finished';

/** A sync due every second and the example backtest under supervision. */
async function everySecondWithBacktest(backend: Backend = sqliteBackend) {
  const sim = await simulator({ symbols: 2 });
  const dir = tempDir();
  const data = path.join(dir, 'data');
  const args = engineFixture(dir, sim.url, backend.config({
    jobs: { sync: { schedule: '*/1 * * * * *', catchUpWindow: '1s' } },
    daemon: { command: [process.execPath, CLI, '--data-dir', data, 'example-backtest'], heartbeatTimeout: '20s' },
  }));
  return { sim, data, args };
}

describeBackends('cfa-console --daemon', (backend) => {
  it('runs jobs on schedule, records them, and stops on SIGTERM with exit 0 and no orphan', async () => {
    const { sim, data, args } = await everySecondWithBacktest(backend);
    const daemon = startDaemon(args);
    await daemon.waitFor((l) => l.msg === 'became leader');
    await daemon.waitFor((l) => l.msg === 'daemon' && l.state === 'running');
    while (runs(data).filter((r) => r.trigger === 'schedule' && r.status === 'success').length < 2) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const backtestPid = (daemon.lines().find((l) => l.msg === 'daemon' && l.state === 'running')!.pid) as number;
    expect(pidAlive(backtestPid)).toBe(true);

    daemon.child.kill('SIGTERM');
    const exit = await daemon.child;
    expect(exit.exitCode).toBe(0);
    expect(daemon.lines().some((l) => l.msg === 'engine stopped')).toBe(true);
    expect(pidAlive(backtestPid)).toBe(false);
    const history = runs(data);
    expect(history.filter((r) => r.trigger === 'schedule' && r.status === 'success').length).toBeGreaterThanOrEqual(2);
    const slots = history.filter((r) => r.slot !== null).map((r) => r.slot);
    expect(new Set(slots).size).toBe(slots.length);
    expect(history.every((r) => r.status !== 'running')).toBe(true);

    const status = await runCli([...args, 'status', '--json']);
    const parsed = JSON.parse(status.stdout);
    expect(parsed.leader).toBeNull();
    expect(parsed.jobs[0]).toMatchObject({ name: 'sync', schedule: '*/1 * * * * *', lastStatus: 'success' });
    expect(parsed.daemon.state).toBe('stopped');
    // The scheduled syncs wrote the candles into the configured store.
    expect(await backend.differences(data, sim, ['BTCUSDT', 'ETHUSDT'], ALL, 2)).toEqual([]);
  });

  it('records a run that is still going when it is due again as skipped', async () => {
    const sim = await simulator({ symbols: 2, faults: { latencyMs: 400 } });
    const dir = tempDir();
    const data = path.join(dir, 'data');
    const args = engineFixture(dir, sim.url, backend.config({ jobs: { sync: { schedule: '*/1 * * * * *' } }, sync: { backfillDays: 2, concurrency: 1 } }));
    const daemon = startDaemon(args);
    await daemon.waitFor((l) => l.msg === 'job finished' && l.status === 'skipped');
    daemon.child.kill('SIGTERM');
    await daemon.child;
    const history = runs(data);
    expect(history.some((r) => r.status === 'skipped')).toBe(true);
    expect(history.filter((r) => r.status === 'running')).toEqual([]);
  });

  it('catches up a missed run once on start, not again on the next start', async () => {
    const sim = await simulator({ symbols: 2 });
    const dir = tempDir();
    const data = path.join(dir, 'data');
    // Hourly, so the latest slot is always within the 2 h window whatever the time of day.
    const args = engineFixture(dir, sim.url, backend.config({ jobs: { sync: { schedule: '0 * * * *', catchUpWindow: '2h' } } }));
    const startedIn = Math.floor(Date.now() / HOUR);
    const first = startDaemon(args);
    await first.waitFor(finished);
    first.child.kill('SIGTERM');
    await first.child;
    const second = startDaemon(args);
    await second.waitFor((l) => l.msg === 'became leader');
    await new Promise((r) => setTimeout(r, 1000));
    second.child.kill('SIGTERM');
    await second.child;
    const history = runs(data);
    // Across a full hour the second start has a newer slot of its own to make up: then each slot once.
    if (Math.floor(Date.now() / HOUR) === startedIn) expect(history.map((r) => r.trigger)).toEqual(['catch-up']);
    expect(history.every((r) => r.trigger === 'catch-up' && r.status === 'success')).toBe(true);
    expect(new Set(history.map((r) => r.slot)).size).toBe(history.length);
    // On postgres the slots are claimed in the shared database (fenced by the lease epoch), not in ops.db.
    if (backend.name === 'postgres') expect(await backend.rows(data, 'SELECT job, slot FROM cfa_slot_claims ORDER BY slot')).toEqual(history.map((r) => ({ job: 'sync', slot: r.slot })));
    expect(await backend.differences(data, sim, ['BTCUSDT', 'ETHUSDT'], ALL, 2)).toEqual([]);
  });
});

// Store-independent, run on the default backend: a hung job's timeout writes nothing; two engines on one data
// dir share ops.db's lease (the PostgreSQL lease across hosts, kill -9 included, is pg-leadership.test.ts).
describe('cfa-console --daemon', () => {
  it('kills a hung job at its timeout and records exit 124', async () => {
    const sim = await simulator({ symbols: 2, faults: { stall: 1 } });
    const dir = tempDir();
    const data = path.join(dir, 'data');
    const args = engineFixture(dir, sim.url, {
      exchange: { requestTimeoutMs: 120_000 },
      jobs: { sync: { schedule: '0 0 1 1 *', timeout: '1500ms' } },
    });
    const run = await runCli([...args, 'run', 'sync', '--wait', '--json']);
    expect(run.exitCode).toBe(124);
    const outcome = run.events.find((e) => e.event === 'run')!;
    expect(outcome).toMatchObject({ status: 'timeout', exitCode: 124 });
    expect(runs(data).at(-1)).toMatchObject({ status: 'timeout', exit_code: 124 });
    expect(fs.readFileSync(outcome.logPath as string, 'utf8')).toMatch(/SIGTERM|SIGKILL/);
  });

  it('two daemons on one data dir: one leads; after kill -9 of the leader the other takes over, no slot runs twice, the backtest daemon never runs twice', async () => {
    const { data, args } = await everySecondWithBacktest();
    const a = startDaemon(args);
    await a.waitFor((l) => l.msg === 'became leader');
    const b = startDaemon(args);
    await b.waitFor((l) => l.msg === 'following the current leader');
    await a.waitFor((l) => l.msg === 'daemon' && l.state === 'running');
    await a.waitFor(finished);
    const backtestPid = a.lines().find((l) => l.msg === 'daemon' && l.state === 'running')!.pid as number;

    a.child.kill('SIGKILL');
    await a.child;
    const killedAt = Date.now();
    const took = await b.waitFor((l) => l.msg === 'became leader', 10_000);
    expect(Date.parse(took.time as string) - killedAt).toBeLessThan(5_000);
    await b.waitFor((l) => l.msg === 'job finished' && Date.parse(l.time as string) > killedAt);
    // The new leader adopts the running backtest daemon from its PID file instead of starting another.
    const bDaemon = await b.waitFor((l) => l.msg === 'daemon' && typeof l.pid === 'number');
    expect(bDaemon.pid).toBe(backtestPid);
    const backtests = execSync('ps -eo args').toString().split('\n').filter((line) => line.includes(data) && line.includes('example-backtest'));
    expect(backtests).toHaveLength(1);

    b.child.kill('SIGTERM');
    expect((await b.child).exitCode).toBe(0);
    const slots = runs(data).filter((r) => r.slot !== null && r.status !== 'skipped').map((r) => r.slot);
    expect(new Set(slots).size).toBe(slots.length);
    expect(pidAlive(backtestPid)).toBe(false);
  });
});

describe('cfa-console --daemon refuses bad configuration with exit 2, naming the key', () => {
  it('an invalid cron expression', async () => {
    const dir = tempDir();
    const args = engineFixture(dir, 'http://127.0.0.1:9', { jobs: { sync: { schedule: '61 * * * *' } } });
    const run = await runCli([...args, '--daemon']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/jobs\.sync\.schedule = "61 \* \* \* \*"/);
    expect(fs.existsSync(path.join(dir, 'data', 'ops.db'))).toBe(false);
  });

  it('a daemon command that does not exist', async () => {
    const dir = tempDir();
    const args = engineFixture(dir, 'http://127.0.0.1:9', { daemon: { command: ['no-such-backtest-daemon', '--fast'] } });
    const run = await runCli([...args, '--daemon']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/daemon\.command = \["no-such-backtest-daemon","--fast"\]: "no-such-backtest-daemon" is not an executable file on PATH/);
  });

  it('a daily backtest command that does not exist', async () => {
    const dir = tempDir();
    const args = engineFixture(dir, 'http://127.0.0.1:9', { backtest: { command: ['./no/such/daily-backtest.py'] } });
    const run = await runCli([...args, '--daemon']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/backtest\.command = \["\.\/no\/such\/daily-backtest\.py"\]: "\.\/no\/such\/daily-backtest\.py" is not an executable file; set backtest\.command to the daily backtest's argv/);
  });

  it('an unwritable log dir', async (context) => {
    const dir = tempDir();
    const args = engineFixture(dir, 'http://127.0.0.1:9');
    const logs = path.join(dir, 'data', 'logs');
    fs.mkdirSync(logs);
    const unmount = makeReadOnly(logs);
    // Root without mount privilege: permission bits cannot stop it, so say skipped, not passed.
    if (!unmount) return context.skip();
    try {
      const run = await runCli([...args, '--daemon']);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain(`log dir ${logs} is not writable`);
    } finally {
      unmount();
    }
  });
});
