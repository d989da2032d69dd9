import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { finishRun, startRun } from '../../src/engine/run-history.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { runCli, writeTestConfig } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { DAY, HOUR, MIN, recordBackup } from './helpers.js';

/** A data dir with a daily 00:30 sync (4 min, failed on the days in `missed` ago) and a 02:00 hot backup, for `days` days up to today. */
function history(days: number, missed: number[] = []): string[] {
  const dir = tempDir();
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir);
  writeTestConfig(dir, { symbols: ['BTCUSDT'] });
  const today = Math.floor(Date.now() / DAY) * DAY;
  const ops = openOpsDb(dataDir);
  for (let d = days; d >= 0; d--) {
    const start = today - d * DAY + 30 * MIN;
    if (start > Date.now()) continue;
    const id = startRun(ops, { job: 'sync', trigger: 'schedule', startedAt: start });
    const ok = !missed.includes(d);
    finishRun(ops, id, { status: ok ? 'success' : 'failed', exitCode: ok ? 0 : 1, durationMs: 4 * MIN, summary: null, endedAt: start + 4 * MIN });
  }
  ops.prepare("INSERT INTO restore_drills (at, tier, result, duration_ms) VALUES (?, 'hot', 'ok', 5000)").run(today - 3 * DAY);
  ops.close();
  for (let d = days; d >= 0; d--) if (today - d * DAY + 2 * HOUR < Date.now()) recordBackup(dataDir, 'hot', today - d * DAY + 2 * HOUR);
  // Before 02:00 today's backup is not due yet; one a minute ago keeps the tail short either way.
  recordBackup(dataDir, 'hot', Date.now() - MIN);
  return ['--data-dir', dataDir, '--config', path.join(dir, 'config.json')];
}

describe('cfa-console sla-audit', () => {
  it('reports availability, staleness, duration, backups and drills as JSON', async () => {
    const run = await runCli([...history(31), 'sla-audit', '--days', '30', '--json']);
    const report = JSON.parse(run.stdout);
    expect(report.availability).toMatchObject({ successfulDays: 30, days: 30, percent: 100, targetPercent: 99.5, met: true });
    expect(report.syncDuration).toMatchObject({ runs: 30, p50Ms: 4 * MIN, p99Ms: 4 * MIN, met: true });
    expect(report.drills).toMatchObject({ count: 1, passed: 1, failed: 0, met: true });
    expect(report.backups.map((b: any) => [b.tier, b.configured, b.met])).toEqual([['hot', true, true], ['warm', false, null], ['offsite', false, null]]);
    expect(report.staleness).toMatchObject({ breaches: [], met: true });
    // No candles in this data dir: the data age now is reported, the audit of the history stands apart.
    expect(report.dataAge).toMatchObject({ id: 'freshness', status: 'critical' });
    expect(report.met).toBe(true);
    expect(run.exitCode).toBe(0);
  });

  it('shows a missed day as a missed target in the table and exits 1', async () => {
    const run = await runCli([...history(31, [5]), 'sla-audit']);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/^sync availability\s+✖ missed\s+29\/30 days with a successful sync \(96\.7%\), target 99\.5%; missed \d{4}-\d\d-\d\d$/m);
    expect(run.stdout).toMatch(/^restore drills\s+✔ met/m);
    expect(run.stdout).toMatch(/^backup age warm\s+\? n\/a\s+tier not configured$/m);
    expect(run.stdout).toMatch(/✖ targets missed/);
  });

  it('refuses a bad --days with exit 2', async () => {
    const run = await runCli(['--data-dir', tempDir(), 'sla-audit', '--days', 'thirty']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/--days "thirty" is not valid/);
  });
});
