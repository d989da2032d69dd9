import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { finishRun, jobLogPath, recordSkipped, startRun } from '../../src/engine/run-history.js';
import { recordSample } from '../../src/engine/resource-sampler.js';
import { DaemonStore } from '../../src/engine/supervisor/daemon-store.js';
import { heartbeatFilePath, writeHeartbeat } from '../../src/engine/supervisor/heartbeat.js';
import { collectHealth } from '../../src/health/collect-health.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { tempDir } from '../helpers/temp-dir.js';
import { HOUR, MIN, pinoLine, recordBackup, testConfig, writeConsoleLog } from './helpers.js';

const config = testConfig({ symbols: ['BTCUSDT'], backup: { warmDir: '/mnt/warm' } });
const probe = (dataDir: string, id: string, now = Date.now(), cfg = config) => collectHealth({ config: cfg, dataDir, now, only: [id] }).probes[0]!;

describe('probes over ops.db and the logs', () => {
  it('backup reads only verified, not deleted copies from the catalog', () => {
    const dataDir = tempDir();
    const now = Date.now();
    recordBackup(dataDir, 'hot', now - 2 * HOUR, 'failed');
    recordBackup(dataDir, 'warm', now - 30 * HOUR);
    recordBackup(dataDir, 'warm', now - 3 * HOUR);
    const ops = openOpsDb(dataDir);
    ops.prepare("UPDATE backups SET deleted_at = ? WHERE tier = 'warm' AND created_at = ?").run(now, now - 3 * HOUR);
    ops.close();
    const p = probe(dataDir, 'backup', now);
    expect(p.status).toBe('warn');
    expect(p.offenders).toEqual([
      { name: 'hot', value: null, detail: 'no verified hot backup in the catalog' },
      { name: 'warm', value: 30 * HOUR, detail: 'newest verified warm backup 1d 6h old (warn)' },
      { name: 'offsite', value: null, detail: 'offsite tier not configured (backup.offsiteRemote)' },
    ]);
  });

  it('last-sync reads the sync job\'s runs, a skipped run hiding nothing', () => {
    const dataDir = tempDir();
    const now = Date.now();
    const ops = openOpsDb(dataDir);
    const ok = startRun(ops, { job: 'sync', trigger: 'schedule', startedAt: now - 5 * HOUR });
    finishRun(ops, ok, { status: 'success', exitCode: 0, durationMs: 3 * MIN, summary: null, endedAt: now - 5 * HOUR + 3 * MIN });
    const bad = startRun(ops, { job: 'sync', trigger: 'manual', startedAt: now - HOUR });
    finishRun(ops, bad, { status: 'partial', exitCode: 1, durationMs: 2 * MIN, endedAt: now - HOUR + 2 * MIN, summary: { failures: [{ symbol: 'XRPUSDT', interval: '4h', error: 'XRPUSDT is not listed' }] } });
    recordSkipped(ops, { job: 'sync', trigger: 'schedule', reason: 'already running', at: now - 10 * MIN });
    ops.close();
    const p = probe(dataDir, 'last-sync', now);
    expect(p).toMatchObject({ status: 'warn', offenders: [{ name: 'XRPUSDT 4h', value: null, detail: 'XRPUSDT is not listed' }] });
    expect(p.detail).toMatch(/^last success 4h 57m ago; last run partial 58m ago, took 2m; 1 series failed$/);
  });

  it('logs counts error lines in the window from the console log and the job logs, reading only their tails', () => {
    const dataDir = tempDir();
    const now = Date.now();
    const old = Array.from({ length: 500 }, (_, i) => pinoLine(now - 2 * HOUR + i, 50, 'old error'));
    const recent = Array.from({ length: 40 }, (_, i) => pinoLine(now - i * 1000, 50, `recent ${i}`));
    writeConsoleLog(dataDir, [...old, ...recent, pinoLine(now, 30, 'fine')]);
    const jobLog = jobLogPath(dataDir, 'sync', 7);
    fs.mkdirSync(path.dirname(jobLog), { recursive: true });
    fs.writeFileSync(jobLog, Array.from({ length: 30 }, (_, i) => `${new Date(now - i * 1000).toISOString()} err cfa-console: error: boom ${i}`).join('\n'));
    const p = probe(dataDir, 'logs', now);
    expect(p).toMatchObject({ status: 'warn', value: 7 });
    expect(p.offenders.map((o) => [o.name, o.value])).toEqual([['cfa-console.log', 40], [path.join('jobs', 'sync', '7.log'), 30]]);
  });

  it('daemon reads the supervisor\'s state, heartbeat file, events and samples', () => {
    const dataDir = tempDir();
    const now = Date.now();
    const withDaemon = testConfig({ symbols: ['BTCUSDT'], daemon: { command: ['node', 'bt.js'] } });
    expect(probe(dataDir, 'daemon', now, withDaemon).status).toBe('unknown');
    const ops = openOpsDb(dataDir);
    const store = new DaemonStore(ops);
    store.saveState({ name: 'backtest', state: 'running', pid: process.pid, startTicks: null, startedAt: now - HOUR, lastHeartbeatAt: now - 5 * MIN, lastExitCode: null, lastExitSignal: null });
    for (const at of [now - 3 * HOUR, now - 2 * HOUR]) store.recordEvent('backtest', 'crash', null, at);
    store.recordEvent('backtest', 'restart', null, now - 2 * HOUR);
    recordSample(ops, { at: now - 10_000, process: 'backtest', pid: process.pid, cpuPercent: 12, rssBytes: 100 * 1024 * 1024 });
    ops.close();
    fs.mkdirSync(path.dirname(heartbeatFilePath(dataDir, 'backtest')), { recursive: true });
    writeHeartbeat(heartbeatFilePath(dataDir, 'backtest'), now - 20_000);
    const p = probe(dataDir, 'daemon', now, withDaemon);
    // The heartbeat file is newer than the state row; two crashes of three allowed is a warning.
    expect(p).toMatchObject({ status: 'warn', value: 20_000 });
    expect(p.detail).toBe(`running (PID ${process.pid}), heartbeat 20s ago, 1 restarts in 24h, CPU 12%, RSS 100.0 MB`);
    expect(p.offenders).toEqual([{ name: 'crashes', value: 2, detail: '2 of 3 crashes allowed within 1d' }]);
    expect(probe(dataDir, 'daemon', now).detail).toBe('no daemon configured (daemon.command)');
  });
});
