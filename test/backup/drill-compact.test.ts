import fs from 'node:fs';
import path from 'node:path';
import Database from '../../src/store/sqlite-driver.js';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/engine/job-lock.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { tempDir } from '../helpers/temp-dir.js';
import { backupEnv, catalog, corruptMiddle, fillStore, summaryOf } from './helpers.js';

describe('cfa-console backup drill', () => {
  it('restores the newest backup of each tier into a scratch dir, verifies it and records the drill', async () => {
    const warm = path.join(tempDir(), 'warm');
    fs.mkdirSync(warm);
    const env = backupEnv({ backup: { warmDir: warm } });
    fillStore(env.dataDir, 1_000_000);
    const none = await env.run(['backup', 'drill', '--json']);
    expect(none.exitCode).toBe(1);
    expect(none.events.filter((e) => e.event === 'drill').map((e) => e.result)).toEqual(['no-backup', 'no-backup']);

    expect((await env.run(['backup'])).exitCode).toBe(0);
    const ok = await env.run(['backup', 'drill', '--json']);
    expect(ok.exitCode).toBe(0);
    expect(ok.events.filter((e) => e.event === 'drill').map((e) => [e.tier, e.result])).toEqual([['hot', 'ok'], ['warm', 'ok']]);
    expect(summaryOf(ok).status).toBe('success');

    const warmCopy = catalog(env.dataDir).backups.find((b) => b.tier === 'warm')!;
    corruptMiddle(warmCopy.location, 4096);
    // The job's own subcommand is the same drill.
    const bad = await env.run(['backup-drill', '--json']);
    expect(bad.exitCode).toBe(1);
    expect(bad.events.filter((e) => e.event === 'drill').map((e) => [e.tier, e.result])).toEqual([['hot', 'ok'], ['warm', 'failed']]);
    const { drills, backups } = catalog(env.dataDir);
    expect(drills.slice(0, 2).map((d) => [d.tier, d.result]).sort()).toEqual([['hot', 'ok'], ['warm', 'failed']]);
    expect(drills.every((d) => typeof d.durationMs === 'number')).toBe(true);
    expect(backups.find((b) => b.id === warmCopy.id)).toMatchObject({ result: 'failed' });
    // Nothing of the scratch copies is left in the tiers or the data dir.
    expect(fs.readdirSync(warm)).toEqual([path.basename(warmCopy.location)]);
    expect(fs.readdirSync(env.dataDir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
  });
});

describe('cfa-console compact', () => {
  it('VACUUMs, ANALYZEs and truncates the WAL, reporting bytes before and after', async () => {
    const env = backupEnv();
    fillStore(env.dataDir, 4_000_000);
    const db = new Database(path.join(env.dataDir, 'market.db'));
    db.exec("DELETE FROM candles WHERE symbol IN ('ETHUSDT', 'SOLUSDT')");
    db.close();
    const run = await env.run(['compact', '--json']);
    expect(run.exitCode).toBe(0);
    const summary = summaryOf(run);
    expect(summary.status).toBe('success');
    expect(summary.bytesAfter).toBeLessThan(summary.bytesBefore);
    expect(summary.savedBytes).toBe(summary.bytesBefore - summary.bytesAfter);
    expect(run.events.filter((e) => e.event === 'step').map((e) => e.step)).toEqual(['pause-writers', 'space', 'vacuum', 'analyze', 'checkpoint']);
    expect(fs.statSync(path.join(env.dataDir, 'market.db-wal'), { throwIfNoEntry: false })?.size ?? 0).toBe(0);
    const check = new Database(path.join(env.dataDir, 'market.db'), { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(check.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").pluck().get()).toBe(1);
    check.close();
  });

  it('waits for a running sync and gives up after backup.writerWait, naming the holder', async () => {
    const env = backupEnv({ backup: { writerWait: '1s' } });
    fillStore(env.dataDir, 200_000);
    const ops = openOpsDb(env.dataDir);
    const release = acquireLock(ops, 'sync');
    try {
      const run = await env.run(['compact']);
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toMatch(new RegExp(`waiting for sync \\(PID ${process.pid}`));
      expect(run.stdout).toMatch(/sync is still running after waiting 1 s/);
    } finally {
      release();
      ops.close();
    }
  });
});
