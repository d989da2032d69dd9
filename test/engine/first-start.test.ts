import fs from 'node:fs';
import path from 'node:path';
import Database from '../../src/store/sqlite-driver.js';
import { describe, expect, it } from 'vitest';
import { JOBS } from '../../jobs/index.js';
import { RULE_IDS } from '../../src/config/sections/alerts.js';
import { Recorder } from '../alerts/helpers.js';
import { engineFixture, startDaemon } from '../helpers/daemon.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';

interface RunRow { id: number; job: string; trigger: string; status: string; started_at: number; ended_at: number | null; log_path?: string | null }
interface AlertRow { rule: string; severity: string; state: string; pending_since: number }

function read<T>(dataDir: string, sql: string): T[] {
  const db = new Database(path.join(dataDir, 'ops.db'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

describe('a first start on a fresh data dir', () => {
  it('with every job due: no critical alert, nobody paged, no failed run before the first sync; the rest follow the sync', async () => {
    // A slow exchange, so the first sync takes seconds while everything else is due.
    const sim = await simulator({ symbols: 2, now: Date.now, faults: { latencyMs: 150 } });
    const pagerduty = await new Recorder(Date.now, { status: 202, body: { status: 'success' } }).start();
    try {
      const dir = tempDir();
      const data = path.join(dir, 'data');
      const args = engineFixture(dir, sim.url, {
        // Every job due now (a catch-up) and every two seconds after.
        jobs: Object.fromEntries(JOBS.map((j) => [j.name, { schedule: '*/2 * * * * *', catchUpWindow: '1h' }])),
        engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms', monitorEvery: '300ms' },
        alerts: {
          channels: { pagerduty: { routingKey: 'first-start', url: `${pagerduty.url}/v2/enqueue` } },
          // Anything that would fire, fires at once.
          for: Object.fromEntries(RULE_IDS.map((id) => [id, '0s'])),
          groupWait: '0s',
        },
      });
      const daemon = startDaemon(args);
      await daemon.waitFor((l) => l.msg === 'became leader');
      const held = await daemon.waitFor((l) => l.msg === 'job due, waiting for the first success of the jobs it follows' && l.job === 'backup');
      expect(held.waitingFor).toEqual(['sync']);
      await daemon.waitFor((l) => l.msg === 'job finished' && l.job === 'sync' && l.status === 'success', 60_000);
      for (const job of ['backup', 'validate']) await daemon.waitFor((l) => l.msg === 'job finished' && l.job === job, 60_000);
      const stoppedAt = Date.now();
      daemon.child.kill('SIGTERM');
      const ended = await daemon.child;
      expect(ended.exitCode, `ended by ${String(ended.signal)}`).toBe(0);

      const runs = read<RunRow>(data, 'SELECT id, job, trigger, status, started_at, ended_at, log_path FROM job_runs ORDER BY id');
      const firstSync = runs.find((r) => r.job === 'sync' && r.status === 'success')!;
      expect(firstSync).toBeDefined();
      const before = runs.filter((r) => r.started_at < firstSync.ended_at!);
      // A run the test's own SIGTERM ended (a backtest begun before the sync, still running at the
      // stop) is cancelled by the shutdown, not by the first start: only earlier endings count.
      const endedBadly = (r: RunRow) => ['failed', 'timeout'].includes(r.status) || (r.status === 'cancelled' && r.ended_at! < stoppedAt);
      const bad = before.filter(endedBadly);
      expect(bad.map(({ log_path: _, ...r }) => r), bad.map((r) => (r.log_path && fs.existsSync(r.log_path) ? fs.readFileSync(r.log_path, 'utf8').slice(-1500) : '')).join('\n')).toEqual([]);
      // What follows the sync started only once it had succeeded.
      const followers = runs.filter((r) => ['backup', 'validate', 'compact'].includes(r.job) && r.status !== 'skipped');
      expect(followers.map((r) => r.job)).toEqual(expect.arrayContaining(['backup', 'validate']));
      for (const r of followers) expect(r.started_at, `${r.job} run ${r.id}`).toBeGreaterThanOrEqual(firstSync.ended_at!);

      const alerts = read<AlertRow>(data, 'SELECT rule, severity, state, pending_since FROM alerts');
      expect(alerts.filter((a) => a.severity === 'critical')).toEqual([]);
      // A snapshot begun while the first sync ran may read its success before it ends: then "no
      // verified backup yet" is true (a warning, resolved by the backup that follows). Nothing else.
      expect(alerts.filter((a) => a.pending_since < firstSync.ended_at! && a.rule !== 'backup-stale')).toEqual([]);
      expect(read(data, "SELECT id FROM outbox WHERE channel = 'pagerduty'")).toEqual([]);
      expect(pagerduty.requests).toEqual([]);

      const snapshots = read<{ taken_at: number; snapshot: string }>(data, 'SELECT taken_at, snapshot FROM health_snapshots ORDER BY id');
      // Only the newest 20 are kept; those from before the first sync (if any are left) say never-synced.
      for (const s of snapshots.filter((x) => x.taken_at < firstSync.started_at)) {
        expect(JSON.parse(s.snapshot).overall).toBe('never-synced');
      }
    } finally {
      await pagerduty.stop();
    }
  }, 120_000);
});
