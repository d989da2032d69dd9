import fs from 'node:fs';
import path from 'node:path';
import Database from '../../src/store/sqlite-driver.js';
import which from 'which';
import { describe, expect, it } from 'vitest';
import { JOBS } from '../../jobs/index.js';
import { DEMO_SCHEDULES, demoBackup } from '../../src/cli/demo.js';
import { resolveSchedule } from '../../src/engine/scheduler.js';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/temp-dir.js';

const rclone = which.sync('rclone', { nothrow: true });

describe('--demo settings', () => {
  it('schedules every job within minutes, with a catch-up so each is due on start', () => {
    expect(Object.keys(DEMO_SCHEDULES).sort()).toEqual(JOBS.map((j) => j.name).sort());
    const resolved = resolveSchedule(JOBS, DEMO_SCHEDULES);
    for (const job of resolved) {
      expect(job.cron, job.name).toMatch(/^(\*|\d+-59)\/\d+ \* \* \* \*$/);
      expect(Number(job.cron!.split(' ')[0]!.split('/')[1]), job.name).toBeLessThanOrEqual(15);
      expect(job.catchUpWindowMs, job.name).toBeGreaterThan(0);
    }
  });

  it('puts the warm tier in its own dir and says plainly when rclone is missing', () => {
    const dir = tempDir();
    const without = demoBackup(dir, null);
    expect(without.settings).toEqual({ warmDir: path.join(dir, 'warm') });
    expect(fs.statSync(path.join(dir, 'warm')).isDirectory()).toBe(true);
    expect(without.notes.join('\n')).toMatch(/offsite is off because rclone is not installed \(apt-get install rclone/);
    const withRclone = demoBackup(dir, '/usr/bin/rclone');
    expect(withRclone.settings).toEqual({ warmDir: path.join(dir, 'warm'), offsiteRemote: `:local:${path.join(dir, 'offsite')}`, rclone: '/usr/bin/rclone' });
    expect(withRclone.notes.join('\n')).toMatch(/offsite through \/usr\/bin\/rclone to a local remote/);
  });
});

describe('cfa-console --demo --daemon', () => {
  it('has every job run once, after the first sync, with the backup on every tier it can reach, and nothing failed', async () => {
    const data = path.join(tempDir(), 'demo');
    const daemon = startDaemon(['--demo', '--data-dir', data]);
    try {
      for (const job of JOBS.map((j) => j.name)) {
        await daemon.waitFor((l) => l.msg === 'job finished' && l.job === job, 60_000);
      }
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.child.catch(() => undefined);
    }
    const ops = new Database(path.join(data, 'ops.db'), { readonly: true });
    const runs = ops.prepare('SELECT job, status FROM job_runs').all() as { job: string; status: string }[];
    const tiers = ops.prepare("SELECT DISTINCT tier FROM backups WHERE result = 'verified'").pluck().all() as string[];
    ops.close();
    expect(runs.filter((r) => !['success', 'skipped', 'running'].includes(r.status))).toEqual([]);
    expect(tiers.sort()).toEqual(rclone ? ['hot', 'offsite', 'warm'] : ['hot', 'warm']);
  }, 90_000);
});
