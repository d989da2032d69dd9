import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { runContext } from '../../src/ops/context.js';
import { runJob } from '../../src/ops/leader.js';
import Database from '../../src/store/sqlite-driver.js';
import { runCli } from '../helpers/cli.js';
import { engineFixture, killDaemons, pidAlive, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { freshPgDatabase, pgMissing, withClient, type TestDatabase } from '../helpers/postgres.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * `cfa-console daemon pause|resume|restart` typed on another host than the leader's, on one
 * PostgreSQL: host a runs the engine (CFA_HOST=a, its own data dir) and supervises the daemon;
 * the CLI runs with CFA_HOST=b and a data dir of its own, so its ops.db knows no leader. Real
 * processes, the built binary, the same beating stand-in daemon as the SQLite test.
 */

const BEATING = path.resolve('test/fixtures/daemons/beating-daemon.mjs');
const NO_EXCHANGE = 'http://127.0.0.1:9';
const spawns = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

describe.skipIf(pgMissing)(`daemon requests across hosts in PostgreSQL${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  const started: RunningDaemon[] = [];
  let db: TestDatabase | null = null;

  afterEach(async () => {
    await killDaemons(started);
    await db?.drop();
    db = null;
  });

  function host(url: string, withDaemon: boolean, exchangeUrl = NO_EXCHANGE, name?: string) {
    const dir = tempDir();
    const spawnLog = path.join(dir, 'spawns.log');
    const args = engineFixture(dir, exchangeUrl, {
      store: { backend: 'postgres', url },
      ...(name ? { engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms', host: name } } : {}),
      ...(withDaemon ? { daemon: { command: [process.execPath, BEATING, '--spawn-log', spawnLog], restartBackoff: '300ms', killGrace: '2s' } } : {}),
    });
    return { args, spawnLog, dir, data: path.join(dir, 'data') };
  }

  it('pause and resume typed on host b reach the leader on host a: its daemon pauses and comes back, and b is told who did it', async () => {
    db = await freshPgDatabase();
    const a = host(db.url, true);
    const b = host(db.url, false);
    const onB = { env: { CFA_HOST: 'b' } };

    // Before any engine runs, b is told there is no leader, and nothing waits in PostgreSQL.
    const none = await runCli([...b.args, 'daemon', 'pause', '--timeout', '5s'], onB);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toMatch(/no engine leader is running; start `cfa-console --daemon`/);

    const engine = startDaemon(a.args, { env: { CFA_HOST: 'a' } });
    started.push(engine);
    expect(await engine.waitFor((l) => l.msg === 'became leader')).toMatchObject({ host: 'a' });
    const first = (await engine.waitFor((l) => l.msg === 'daemon' && l.state === 'running')).pid as number;

    const status = await runCli([...b.args, 'daemon', 'status', '--json'], onB);
    // b's ops.db has no state of a's daemon: b says where it runs and when a leader last started it.
    expect(JSON.parse(status.stdout)).toMatchObject({
      leader: { host: 'a', pid: engine.child.pid }, daemon: null, daemonHost: 'a', lastStart: { host: 'a', epoch: 1, action: 'daemon-start', subject: 'backtest' },
      restarts24h: null, crashesInWindow: null,
    });
    const statusText = await runCli([...b.args, 'daemon', 'status'], onB);
    expect(statusText.exitCode, statusText.stderr).toBe(0);
    expect(statusText.stdout).toMatch(/^daemon {4}runs on a with the leader: see `cfa-console daemon status` there$/m);
    expect(statusText.stdout).toMatch(/^started {3}by the leader on a \(epoch 1\), \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(/m);
    for (const line of statusText.stdout.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(80);
    expect(statusText.stdout).not.toMatch(/restarts/);
    // On a itself, its own supervisor's state, as on one host.
    const onA = await runCli([...a.args, 'daemon', 'status', '--json'], { env: { CFA_HOST: 'a' } });
    expect(JSON.parse(onA.stdout)).toMatchObject({ daemon: { state: 'running', pid: first }, leader: { host: 'a' } });
    expect(JSON.parse(onA.stdout).daemonHost).toBeUndefined();

    const pause = await runCli([...b.args, 'daemon', 'pause', '--reason', 'maintenance on a'], onB);
    expect(pause.stderr).toBe('');
    expect(pause.exitCode).toBe(0);
    expect(pause.stdout).toMatch(new RegExp(`✔ pause: done by the leader on a \\(PID ${engine.child.pid}; asked from b\\), request #\\d+ in PostgreSQL: the backtest daemon is paused \\(was PID ${first}\\)`));
    expect(pidAlive(first)).toBe(false);
    await engine.waitFor((l) => l.msg === 'request handled' && l.kind === 'daemon.pause' && l.in === 'PostgreSQL');
    // Past the restart backoff: a's supervisor keeps it stopped, as asked.
    await sleep(1500);
    expect(spawns(a.spawnLog)).toHaveLength(1);

    const resume = await runCli([...b.args, 'daemon', 'resume', '--json'], onB);
    expect(resume.stderr).toBe('');
    expect(resume.exitCode).toBe(0);
    const answer = resume.events.find((e) => e.event === 'request') as Record<string, any>;
    expect(answer).toMatchObject({
      kind: 'daemon.resume', state: 'done', in: 'PostgreSQL', result: { previousState: 'paused' },
      requestedBy: { host: 'b' }, handledBy: { host: 'a', pid: engine.child.pid, epoch: 1 },
    });
    const second = (await engine.waitFor((l) => l.msg === 'daemon' && l.state === 'running' && l.pid !== first)).pid as number;
    expect(pidAlive(second)).toBe(true);
    expect(spawns(a.spawnLog)).toEqual([`start ${first}`, `start ${second}`]);

    // Both requests are in PostgreSQL, handled by a under its epoch; b's ops.db has none.
    const rows = await withClient(db.url, async (c) => (await c.query(
      'SELECT kind, state, requested_by_host, handled_by_host, handled_epoch::int AS epoch FROM cfa_leader_requests ORDER BY id')).rows);
    // (The one asked with no leader was refused before it was recorded.)
    expect(rows).toEqual([
      { kind: 'daemon.pause', state: 'done', requested_by_host: 'b', handled_by_host: 'a', epoch: 1 },
      { kind: 'daemon.resume', state: 'done', requested_by_host: 'b', handled_by_host: 'a', epoch: 1 },
    ]);

    engine.child.kill('SIGTERM');
    expect((await engine.child).exitCode).toBe(0);
  }, 90_000);

  it('a job run asked on host b (the operations API, as a runbook asks) runs on the leader on host a, in its history', async () => {
    db = await freshPgDatabase();
    const sim = await simulator({ symbols: 2 });
    const a = host(db.url, false, sim.url, 'a');
    const b = host(db.url, false, sim.url, 'b');
    const engine = startDaemon(a.args);
    started.push(engine);
    await engine.waitFor((l) => l.msg === 'became leader');

    const ctx = runContext(loadConfig({ configPath: path.join(b.dir, 'config.json'), dataDir: b.data, exchangeUrl: sim.url }));
    const run = await runJob(ctx, 'sync', { symbols: ['BTCUSDT'], intervals: ['1h'] }, 'runbook', { timeoutMs: 60_000 });
    expect(run).toMatchObject({
      state: 'done', requestedBy: { host: 'b' }, handledBy: { host: 'a', pid: engine.child.pid },
      result: { job: 'sync', status: 'success', summary: { series: { total: 1, ok: 1 } } },
    });
    const runs = (dataDir: string) => {
      const ops = new Database(path.join(dataDir, 'ops.db'), { readonly: true });
      try {
        return ops.prepare('SELECT id, job, trigger FROM job_runs').all();
      } finally {
        ops.close();
      }
    };
    expect(runs(a.data)).toEqual([{ id: run.result?.runId, job: 'sync', trigger: 'runbook' }]);
    expect(fs.existsSync(path.join(b.data, 'ops.db')) ? runs(b.data) : []).toEqual([]);
  }, 90_000);
});
