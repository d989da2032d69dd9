import fs from 'node:fs';
import path from 'node:path';
import Database from '../../src/store/sqlite-driver.js';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { engineFixture, pidAlive, startDaemon } from '../helpers/daemon.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';
import { loadConfig } from '../../src/config/load-config.js';
import { askLeader } from '../../src/engine/requests.js';
import { runContext } from '../../src/ops/context.js';
import { runJob } from '../../src/ops/leader.js';
import { openOpsDb } from '../../src/store/ops-db.js';

const BEATING = path.resolve('test/fixtures/daemons/beating-daemon.mjs');
// Nothing in these tests talks to an exchange; no job is enabled.
const NO_EXCHANGE = 'http://127.0.0.1:9';

function query<T>(dataDir: string, sql: string): T[] {
  const db = new Database(path.join(dataDir, 'ops.db'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

const crashes = (data: string) => query<{ n: number }>(data, `SELECT count(*) AS n FROM daemon_events WHERE kind IN ('crash', 'hang', 'spawn-failed')`)[0]!.n;
const spawns = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

function fixture(settings: Record<string, unknown> = {}) {
  const dir = tempDir();
  const data = path.join(dir, 'data');
  const spawnLog = path.join(dir, 'spawns.log');
  const args = engineFixture(dir, NO_EXCHANGE, {
    daemon: { command: [process.execPath, BEATING, '--spawn-log', spawnLog], restartBackoff: '300ms', killGrace: '2s' },
    ...settings,
  });
  return { data, spawnLog, args };
}

describe('cfa-console daemon (requests to the leader)', () => {
  it('a follower process asks the leader to restart the daemon: its PID changes once, the request is done, no crash', async () => {
    const { data, spawnLog, args } = fixture();
    const engine = startDaemon(args);
    try {
      const running = await engine.waitFor((l) => l.msg === 'daemon' && l.state === 'running');
      const before = running.pid as number;

      const run = await runCli([...args, 'daemon', 'restart', '--json', '--timeout', '30s']);
      expect(run.stderr).toBe('');
      expect(run.exitCode).toBe(0);
      const answer = run.events.find((e) => e.event === 'request') as Record<string, any>;
      expect(answer).toMatchObject({ kind: 'daemon.restart', state: 'done', result: { previousPid: before } });
      const after = answer.result.pid as number;
      expect(after).not.toBe(before);
      expect(answer.requestedBy.pid).not.toBe(answer.handledBy.pid);
      expect(answer.handledBy.pid).toBe(engine.child.pid);

      await engine.waitFor((l) => l.msg === 'daemon' && l.state === 'running' && l.pid === after);
      expect(pidAlive(before)).toBe(false);
      expect(pidAlive(after)).toBe(true);
      // Well past the restart backoff: exactly one new process, and nothing counted as a crash.
      await new Promise((r) => setTimeout(r, 1500));
      expect(spawns(spawnLog)).toEqual([`start ${before}`, `start ${after}`]);
      expect(crashes(data)).toBe(0);
      expect(query(data, 'SELECT kind, state FROM requests')).toEqual([{ kind: 'daemon.restart', state: 'done' }]);

      const status = await runCli([...args, 'daemon', 'status', '--json']);
      expect(JSON.parse(status.stdout)).toMatchObject({ daemon: { state: 'running', pid: after }, restarts24h: 1, crashesInWindow: 0 });
    } finally {
      engine.child.kill('SIGTERM');
      await engine.child;
    }
  }, 60_000);

  it('pause: the daemon stays stopped past the backoff, state paused, no crash; resume brings it back', async () => {
    const { data, spawnLog, args } = fixture();
    const engine = startDaemon(args);
    try {
      const running = await engine.waitFor((l) => l.msg === 'daemon' && l.state === 'running');
      const first = running.pid as number;

      const pause = await runCli([...args, 'daemon', 'pause', '--reason', 'maintenance']);
      expect(pause.exitCode).toBe(0);
      expect(pause.stdout).toMatch(/✔ pause: done by the leader .* the backtest daemon is paused/);
      expect(pidAlive(first)).toBe(false);
      await new Promise((r) => setTimeout(r, 2000));
      expect(spawns(spawnLog)).toHaveLength(1);
      expect(crashes(data)).toBe(0);
      const status = await runCli([...args, 'daemon', 'status']);
      expect(status.stdout).toMatch(/daemon\s+· paused/);
      expect(status.stdout).toMatch(/crashes 0 of 3/);
      // Paused is worth a look, never critical.
      const health = await runCli([...args, 'health', '--only', 'daemon', '--json']);
      const probe = (JSON.parse(health.stdout) as { probes: { id: string; status: string; offenders: { name: string }[] }[] }).probes.find((p) => p.id === 'daemon');
      expect(probe).toMatchObject({ status: 'warn', offenders: [{ name: 'paused' }] });

      const resume = await runCli([...args, 'daemon', 'resume', '--json']);
      expect(resume.exitCode).toBe(0);
      const answer = resume.events.find((e) => e.event === 'request') as Record<string, any>;
      expect(answer).toMatchObject({ state: 'done', result: { previousState: 'paused' } });
      await engine.waitFor((l) => l.msg === 'daemon' && l.state === 'running' && l.pid !== first);
      expect(spawns(spawnLog)).toHaveLength(2);
      expect(crashes(data)).toBe(0);
      const kinds = query<{ kind: string }>(data, 'SELECT kind FROM daemon_events ORDER BY rowid').map((e) => e.kind);
      expect(kinds).toEqual(['start', 'exit', 'stop', 'pause', 'resume', 'start']);
    } finally {
      engine.child.kill('SIGTERM');
      await engine.child;
    }
  }, 60_000);

  it('a job.run request from another process runs the job on the leader (trigger manual) and answers with the run', async () => {
    const sim = await simulator({ symbols: 2 });
    const dir = tempDir();
    const data = path.join(dir, 'data');
    // Every job is disabled on schedule: only the request runs the sync.
    const args = engineFixture(dir, sim.url);
    const engine = startDaemon(args);
    const db = openOpsDb(data);
    try {
      await engine.waitFor((l) => l.msg === 'became leader');
      const answer = await askLeader(db, 'job.run', { job: 'sync' }, { timeoutMs: 60_000 });
      expect(answer).toMatchObject({ state: 'done', result: { job: 'sync', status: 'success', exitCode: 0 } });
      expect(answer.handledBy?.pid).toBe(engine.child.pid);
      const runs = query<{ id: number; trigger: string; pid: number }>(data, 'SELECT id, trigger, pid FROM job_runs');
      expect(runs).toMatchObject([{ id: answer.result?.runId, trigger: 'manual' }]);
      // The operations API's runJob: typed options cross to the job's process, the trigger is kept.
      const ctx = runContext(loadConfig({ configPath: path.join(dir, 'config.json'), dataDir: data, exchangeUrl: sim.url }));
      const typed = await runJob(ctx, 'sync', { symbols: ['BTCUSDT'], intervals: ['1h'] }, 'runbook', { timeoutMs: 60_000 });
      expect(typed).toMatchObject({ state: 'done', result: { job: 'sync', status: 'success', summary: { series: { total: 1, ok: 1 } } } });
      expect(query<{ trigger: string }>(data, `SELECT trigger FROM job_runs WHERE id = ${Number(typed.result?.runId)}`)).toEqual([{ trigger: 'runbook' }]);
      const unknown = await askLeader(db, 'job.run', { job: 'nope' }, { timeoutMs: 30_000 });
      expect(unknown).toMatchObject({ state: 'failed', result: { error: expect.stringMatching(/no such job "nope"/) } });
    } finally {
      db.close();
      engine.child.kill('SIGTERM');
      await engine.child;
    }
  }, 90_000);

  it('with no leader running: a clear error naming what to start, exit 1, and nothing left pending', async () => {
    const { data, args } = fixture();
    const run = await runCli([...args, 'daemon', 'restart', '--timeout', '5s']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/no engine leader is running; start `cfa-console --daemon` or open the console/);
    expect(query(data, 'SELECT * FROM requests')).toEqual([]);

    const help = await runCli(['daemon', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/Exit codes: 0 done, 1 failed or no engine leader running, 2 usage, 124 no answer within --timeout/);

    const usage = await runCli([...args, 'daemon', 'reboot']);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toMatch(/unknown daemon action "reboot" \(one of: status, restart, pause, resume\)/);
  });
});
