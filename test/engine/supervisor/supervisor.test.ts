import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive, processStartTicks } from '../../../src/engine/process-identity.js';
import { samplesSince } from '../../../src/engine/resource-sampler.js';
import { liveProcessFromPidFile, pidFilePath, readPidFile, writePidFile } from '../../../src/engine/supervisor/pid-file.js';
import { daemonLogPath, type SupervisorStatus } from '../../../src/engine/supervisor/supervisor.js';
import { DAEMONS, NODE, daemonConfig, gone, harness, killAfterTest, sleep, spawnCount, waitFor } from './helpers.js';

const beating = path.join(DAEMONS, 'beating-daemon.mjs');
const crashing = path.join(DAEMONS, 'crashing-daemon.mjs');
const hanging = path.join(DAEMONS, 'hanging-daemon.mjs');

describe('Supervisor', () => {
  it('starts the daemon with the PID file (start ticks) and CFA_HEARTBEAT_FILE, and reports it running', async () => {
    const h = harness();
    const changes: SupervisorStatus[] = [];
    const sup = h.supervisor({
      config: daemonConfig({ command: [NODE, beating, '--spawn-log', h.spawnLog] }),
      onChange: (s) => changes.push(s),
    });
    await sup.start();
    const pid = sup.status().pid!;
    killAfterTest(pid);
    await waitFor('running', () => sup.status().state === 'running');

    const record = readPidFile(pidFilePath(h.dataDir, 'backtest'))!;
    expect(record.pid).toBe(pid);
    expect(record.startTicks).toBe(processStartTicks(pid));
    expect(record.command).toEqual([NODE, beating, '--spawn-log', h.spawnLog]);
    expect(fs.readFileSync(path.join(h.dataDir, 'run', 'backtest.heartbeat'), 'utf8')).toMatch(/^\d+$/);
    expect(fs.readFileSync(daemonLogPath(h.dataDir, 'backtest'), 'utf8')).toContain(`beating-daemon ${pid} up`);
    expect(changes.map((c) => c.state)).toEqual(expect.arrayContaining(['starting', 'running']));
    expect(h.store.readState('backtest')).toMatchObject({ state: 'running', pid, startTicks: record.startTicks });
    const status = sup.status();
    expect(status.heartbeatAgeMs).not.toBeNull();
    expect(status.restarts24h).toBe(0);
    expect(status.adopted).toBe(false);
  });

  it('restarts a crashing daemon with backoff and stops restarting at the crash-loop limit', async () => {
    const h = harness();
    const config = daemonConfig({ command: [NODE, crashing, h.spawnLog, '50'], maxCrashes: 3 });
    const sup = h.supervisor({ config });
    await sup.start();
    await waitFor('crash-loop', () => sup.status().state === 'crash-loop');

    expect(h.kinds()).toEqual(['start', 'crash', 'restart', 'start', 'crash', 'restart', 'start', 'crash', 'crash-loop']);
    expect(h.events(['crash']).every((e) => e.detail?.code === 3)).toBe(true);
    expect(h.events(['restart']).map((e) => e.detail?.delayMs)).toEqual([100, 200]);
    expect(spawnCount(h.spawnLog)).toBe(3);
    // Longer than any backoff it could still have had pending: nothing more is started.
    await sleep(600);
    expect(spawnCount(h.spawnLog)).toBe(3);
    expect(h.events(['crash'])).toHaveLength(3);
    expect(h.store.readState('backtest')).toMatchObject({ state: 'crash-loop', lastExitCode: 3 });
    expect(fs.existsSync(pidFilePath(h.dataDir, 'backtest'))).toBe(false);
    expect(sup.status()).toMatchObject({ state: 'crash-loop', pid: null, restarts24h: 2, lastExit: { code: 3, signal: null } });

    // crash-loop outlives this supervisor: another one (a new leader) does not start it again...
    const next = h.supervisor({ config, db: h.otherDb() });
    await next.start();
    expect(next.status().state).toBe('crash-loop');
    expect(spawnCount(h.spawnLog)).toBe(3);
    // ...until an operator restarts it by hand: the crashes before that no longer count.
    await next.start({ manual: true });
    await waitFor('a fourth start', () => spawnCount(h.spawnLog) === 4);
    await waitFor('crash-loop again', () => next.status().state === 'crash-loop');
    expect(spawnCount(h.spawnLog)).toBe(6);
  });

  it('kills a daemon that stops beating (SIGKILL after the grace, as it ignores SIGTERM), logs diagnostics and restarts it', async () => {
    const h = harness();
    const sup = h.supervisor({ config: daemonConfig({ command: [NODE, hanging, h.spawnLog], heartbeatTimeout: '800ms' }) });
    await sup.start();
    const first = sup.status().pid!;
    killAfterTest(first);
    await waitFor('a restart after the hang', () => spawnCount(h.spawnLog) === 2);
    const second = await waitFor('the second pid', () => sup.status().pid !== first && sup.status().pid);
    killAfterTest(second);

    expect(h.kinds().slice(0, 5)).toEqual(['start', 'hang', 'exit', 'restart', 'start']);
    const [exit] = h.events(['exit']);
    expect(exit?.detail).toMatchObject({ pid: first, signal: 'SIGKILL', reason: 'hang' });
    const [hang] = h.events(['hang']);
    expect(hang?.detail?.lastLines).toEqual(expect.arrayContaining(['hanging-daemon: stuck in step 3']));
    expect(gone(first)).toBe(true);

    const log = fs.readFileSync(daemonLogPath(h.dataDir, 'backtest'), 'utf8');
    expect(log).toContain(`hang: no heartbeat for`);
    expect(log).toContain(`/proc/${first}/status:`);
    expect(log).toMatch(/State:\s+[A-Z]/);
    expect(log).toContain('| hanging-daemon: stuck in step 3');
    // SIGTERM came first and was ignored; SIGKILL followed.
    expect(log).toContain('hanging-daemon: ignoring SIGTERM');
    expect(log).toContain('SIGKILL');

    await sup.stop(200);
    expect(gone(second)).toBe(true);
    expect(sup.status().state).toBe('stopped');
  });

  it('stop() ends the whole process group: no orphan survives, even one that ignores SIGTERM', async () => {
    const h = harness();
    const childPidFile = path.join(h.dataDir, 'child.pid');
    const sup = h.supervisor({ config: daemonConfig({ command: [NODE, beating, '--child-pid', childPidFile] }) });
    await sup.start();
    const pid = sup.status().pid!;
    killAfterTest(pid);
    const child = await waitFor('the worker', () => fs.existsSync(childPidFile) && Number(fs.readFileSync(childPidFile, 'utf8')));
    killAfterTest(child);
    expect(gone(child)).toBe(false);

    await sup.stop(300);
    expect(gone(pid)).toBe(true);
    expect(gone(child)).toBe(true);
    expect(fs.existsSync(pidFilePath(h.dataDir, 'backtest'))).toBe(false);
    expect(sup.status()).toMatchObject({ state: 'stopped', pid: null });
    expect(h.store.readState('backtest')?.state).toBe('stopped');
    expect(h.events(['exit'])[0]?.detail).toMatchObject({ pid, code: 0, reason: 'stopped' });
    expect(h.events(['stop'])[0]?.detail).toMatchObject({ pid, killed: true });
  });

  it('a command that does not exist is spawn-failed, names daemon.command, and ends in crash-loop', async () => {
    const h = harness();
    const sup = h.supervisor({ config: daemonConfig({ command: ['/nonexistent/cfa-backtestd', '--fast'], maxCrashes: 3 }) });
    await sup.start();
    await waitFor('crash-loop', () => sup.status().state === 'crash-loop');

    expect(h.kinds()).toEqual(['spawn-failed', 'restart', 'spawn-failed', 'restart', 'spawn-failed', 'crash-loop']);
    const failed = h.events(['spawn-failed']);
    expect(failed[0]?.detail?.code).toBe('ENOENT');
    expect(String(failed[0]?.detail?.message)).toContain('daemon.command');
    expect(String(failed[0]?.detail?.message)).toContain('/nonexistent/cfa-backtestd');
    expect(sup.status().lastError).toContain('daemon.command');
    expect(fs.readFileSync(daemonLogPath(h.dataDir, 'backtest'), 'utf8')).toContain('daemon.command');
  });

  it('does not trust a recycled PID in the PID file: it neither adopts nor signals that process', async () => {
    const h = harness();
    const decoy = spawn(NODE, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    killAfterTest(decoy.pid);
    const decoyTicks = await waitFor('decoy ticks', () => processStartTicks(decoy.pid!));
    const file = pidFilePath(h.dataDir, 'backtest');
    // The decoy's PID with another start time: an earlier daemon that died, its PID reused since.
    writePidFile(file, { pid: decoy.pid!, startTicks: decoyTicks + 12_345, startedAt: 1, command: ['old'] });
    expect(liveProcessFromPidFile(file)).toBeNull();

    const sup = h.supervisor({ config: daemonConfig({ command: [NODE, beating, '--spawn-log', h.spawnLog] }) });
    await sup.start();
    const pid = sup.status().pid!;
    killAfterTest(pid);
    expect(pid).not.toBe(decoy.pid);
    expect(sup.status().adopted).toBe(false);
    expect(readPidFile(file)).toMatchObject({ pid, startTicks: processStartTicks(pid) });
    await sup.stop(300);
    expect(isAlive({ pid: decoy.pid!, startTicks: decoyTicks })).toBe(true);
    expect(gone(pid)).toBe(true);
  });

  it('a second supervisor on the same data dir adopts the live daemon instead of starting another', async () => {
    const h = harness();
    const config = daemonConfig({ command: [NODE, beating, '--spawn-log', h.spawnLog] });
    const first = h.supervisor({ config });
    await first.start();
    const pid = first.status().pid!;
    killAfterTest(pid);
    await waitFor('running', () => first.status().state === 'running');

    const second = h.supervisor({ config, db: h.otherDb() });
    await second.start();
    expect(second.status()).toMatchObject({ pid, adopted: true });
    await waitFor('adopted and beating', () => second.status().state === 'running');
    expect(spawnCount(h.spawnLog)).toBe(1);

    // The first supervisor loses leadership and lets go; the second one owns the daemon now.
    first.release();
    await second.stop(300);
    expect(gone(pid)).toBe(true);
    expect(spawnCount(h.spawnLog)).toBe(1);
    expect(fs.existsSync(pidFilePath(h.dataDir, 'backtest'))).toBe(false);
    expect(h.events(['start']).map((e) => e.detail?.adopted)).toEqual([false, true]);
  });

  it('an adopted daemon that dies is a crash (its exit status is unknowable) and is restarted', async () => {
    const h = harness();
    const config = daemonConfig({ command: [NODE, beating, '--spawn-log', h.spawnLog] });
    const first = h.supervisor({ config });
    await first.start();
    const pid = first.status().pid!;
    killAfterTest(pid);
    await waitFor('running', () => first.status().state === 'running');
    first.release();

    const second = h.supervisor({ config, db: h.otherDb() });
    await second.start();
    expect(second.status()).toMatchObject({ pid, adopted: true });
    process.kill(pid, 'SIGKILL');
    await waitFor('a restart', () => spawnCount(h.spawnLog) === 2);
    const next = await waitFor('the new pid', () => second.status().pid !== pid && second.status().pid);
    killAfterTest(next);
    expect(h.events(['crash'])[0]?.detail).toMatchObject({ pid, code: null, signal: null, adopted: true });
  });

  it('records RSS over the limit once per episode, not once per sample', async () => {
    const h = harness();
    const sup = h.supervisor({ config: daemonConfig({ command: [NODE, beating], rssLimitMb: 1 }), sampleEvery: 50 });
    await sup.start();
    killAfterTest(sup.status().pid!);
    await waitFor('several samples', () => samplesSince(h.db, 'backtest', 0).length >= 6);
    await waitFor('rss-high', () => h.events(['rss-high']).length > 0);
    await sleep(300);
    expect(h.events(['rss-high'])).toHaveLength(1);
    expect(h.events(['rss-high'])[0]?.detail).toMatchObject({ limitMb: 1 });
    expect(sup.status().rssBytes).toBeGreaterThan(1024 * 1024);
  });

  it('records CPU above the limit for the configured time once, as one finding', async () => {
    const h = harness();
    const sup = h.supervisor({
      config: daemonConfig({ command: [NODE, beating, '--busy'], cpuLimitPercent: 5, cpuLimitFor: '400ms' }),
      sampleEvery: 100,
    });
    await sup.start();
    killAfterTest(sup.status().pid!);
    await waitFor('cpu-high', () => h.events(['cpu-high']).length > 0);
    expect(h.events(['cpu-high'])[0]?.detail).toMatchObject({ limitPercent: 5, forMs: 400 });
    expect(sup.status().cpuPercent).toBeGreaterThan(0);
  });

  it('refuses to start without daemon.command', async () => {
    const h = harness();
    const sup = h.supervisor({ config: daemonConfig() });
    await expect(sup.start()).rejects.toThrow(/daemon\.command/);
  });
});
