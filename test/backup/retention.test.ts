import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { insertVerifiedBackup, listBackups, markFailed } from '../../src/backup/catalog.js';
import { applyRetention } from '../../src/backup/prune.js';
import { chooseDeletions, type RetentionEntry } from '../../src/backup/retention.js';
import { tierSettings } from '../../src/backup/tiers.js';
import { loadConfig } from '../../src/config/load-config.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { tempDir } from '../helpers/temp-dir.js';
import { backupEnv, catalog, DAY } from './helpers.js';

const NOW = Date.UTC(2026, 6, 1, 2, 0, 0);
const DAYS = { hot: 14, warm: 30, offsite: 90 };

function entry(id: number, tier: RetentionEntry['tier'], ageDays: number, result: RetentionEntry['result'] = 'verified', deletedAt: number | null = null): RetentionEntry {
  return { id, tier, createdAt: NOW - ageDays * DAY, result, deletedAt };
}

describe('retention choice (pure)', () => {
  it('deletes copies older than the tier\'s retention when a newer verified copy exists', () => {
    const entries = [entry(1, 'hot', 20), entry(2, 'hot', 15), entry(3, 'hot', 13), entry(4, 'hot', 1)];
    expect(chooseDeletions(entries, NOW, DAYS).map((d) => d.id)).toEqual([1, 2]);
    expect(chooseDeletions(entries, NOW, DAYS)[0]).toMatchObject({ tier: 'hot', ageDays: 20, supersededBy: 4 });
  });

  it('never deletes the newest verified copy of a tier, however old', () => {
    expect(chooseDeletions([entry(1, 'hot', 400)], NOW, DAYS)).toEqual([]);
    expect(chooseDeletions([entry(1, 'warm', 100), entry(2, 'warm', 60)], NOW, DAYS).map((d) => d.id)).toEqual([1]);
  });

  it('does not count failed or deleted copies as the newer one that allows a deletion', () => {
    const onlyFailedNewer = [entry(1, 'hot', 30), entry(2, 'hot', 1, 'failed')];
    expect(chooseDeletions(onlyFailedNewer, NOW, DAYS)).toEqual([]);
    const deletedNewer = [entry(1, 'hot', 30), entry(2, 'hot', 1, 'verified', NOW - DAY)];
    expect(chooseDeletions(deletedNewer, NOW, DAYS)).toEqual([]);
    // A failed copy past retention goes once a verified one is newer.
    expect(chooseDeletions([entry(1, 'hot', 30, 'failed'), entry(2, 'hot', 2)], NOW, DAYS).map((d) => d.id)).toEqual([1]);
  });

  it('judges each tier by its own retention and its own copies', () => {
    const entries = [
      entry(1, 'hot', 20), entry(2, 'warm', 20), entry(3, 'offsite', 20),
      entry(4, 'hot', 1), entry(5, 'warm', 1), entry(6, 'offsite', 1),
      entry(7, 'warm', 31), entry(8, 'offsite', 91),
      // The only offsite copy newer than #9 is in another tier: #9 stays.
    ];
    expect(chooseDeletions(entries, NOW, DAYS).map((d) => d.id)).toEqual([1, 7, 8]);
    expect(chooseDeletions([entry(9, 'offsite', 200), entry(10, 'hot', 1)], NOW, DAYS)).toEqual([]);
  });

  it('keeps a copy exactly at the limit and ignores copies already deleted', () => {
    expect(chooseDeletions([entry(1, 'hot', 14), entry(2, 'hot', 0)], NOW, DAYS)).toEqual([]);
    expect(chooseDeletions([entry(1, 'hot', 20, 'verified', NOW - DAY), entry(2, 'hot', 0)], NOW, DAYS)).toEqual([]);
  });

  it('never deletes from a tier whose retention is unknown (no longer configured)', () => {
    expect(chooseDeletions([entry(1, 'warm', 400), entry(2, 'warm', 1)], NOW, { ...DAYS, warm: Infinity })).toEqual([]);
  });
});

describe('retention on a real catalog', () => {
  it('removes the chosen files and marks them deleted; keeps the rest, files and rows', async () => {
    const env = backupEnv({ backup: { warmDir: path.join(tempDir(), 'warm') } });
    const { config } = loadConfig({ configPath: env.configFile, dataDir: env.dataDir });
    fs.mkdirSync(config.backup.warmDir!, { recursive: true });
    const settings = tierSettings(config);
    fs.mkdirSync(settings.hot.dir, { recursive: true });
    const ops = openOpsDb(env.dataDir);
    const now = Date.now();
    const make = (tier: 'hot' | 'warm', ageDays: number) => {
      const dir = tier === 'hot' ? settings.hot.dir : settings.warm!.dir;
      const file = path.join(dir, `b-${tier}-${ageDays}.db`);
      fs.writeFileSync(file, `backup ${tier} ${ageDays}`);
      return insertVerifiedBackup(ops, {
        tier, location: file, sizeBytes: 10, sha256: 'x'.repeat(64), md5: null, createdAt: now - ageDays * DAY,
        newestCandle: null, schemaVersion: 2, rowCounts: {}, verifiedAt: now,
      });
    };
    try {
      const hotOld = make('hot', 20);
      const hotFailedNew = make('hot', 3);
      markFailed(ops, hotFailedNew.id, now, 'test: bad copy');
      const hotNew = make('hot', 1);
      const warmOld = make('warm', 40);
      const warmMid = make('warm', 31);
      // Retention only runs for the tiers named: warm is left alone here.
      const onlyHot = await applyRetention(ops, settings, ['hot'], now);
      expect(onlyHot.map((o) => [o.id, o.deleted])).toEqual([[hotOld.id, true]]);
      expect(fs.existsSync(hotOld.location)).toBe(false);
      expect(fs.existsSync(hotFailedNew.location)).toBe(true);
      expect(fs.existsSync(hotNew.location)).toBe(true);
      expect(fs.existsSync(warmOld.location)).toBe(true);

      const warm = await applyRetention(ops, settings, ['hot', 'warm'], now);
      // warmMid is now the newest verified warm copy: it stays although it is past 30 days.
      expect(warm.map((o) => o.id)).toEqual([warmOld.id]);
      expect(fs.existsSync(warmMid.location)).toBe(true);
      expect(listBackups(ops).map((e) => e.id).sort()).toEqual([hotFailedNew.id, hotNew.id, warmMid.id].sort());
    } finally {
      ops.close();
    }
    const all = catalog(env.dataDir).backups;
    expect(all.filter((e) => e.deletedAt !== null).map((e) => e.id).sort()).toEqual([1, 4]);
  });

  it('runs after a real backup, which deletes only what the rules allow', async () => {
    const env = backupEnv();
    const { fillStore } = await import('./helpers.js');
    fillStore(env.dataDir, 200_000);
    expect((await env.run(['backup', '--tier', 'hot', '--json'])).exitCode).toBe(0);
    expect((await env.run(['backup', '--tier', 'hot', '--json'])).exitCode).toBe(0);
    // Make both of them old: the run below makes a new one, and only then may the old ones go.
    const ops = openOpsDb(env.dataDir);
    ops.prepare('UPDATE backups SET created_at = created_at - ? WHERE id IN (1, 2)').run(20 * DAY);
    ops.close();
    const [first, second] = catalog(env.dataDir).backups.sort((a, b) => a.id - b.id);
    const run = await env.run(['backup', '--tier', 'hot', '--json']);
    expect(run.exitCode).toBe(0);
    const retention = run.events.filter((e) => e.event === 'retention');
    expect(retention.map((e) => e.id).sort()).toEqual([1, 2]);
    expect(fs.existsSync(first!.location)).toBe(false);
    expect(fs.existsSync(second!.location)).toBe(false);
    const live = catalog(env.dataDir).backups.filter((e) => e.deletedAt === null);
    expect(live.map((e) => e.id)).toEqual([3]);
    expect(fs.existsSync(live[0]!.location)).toBe(true);
  });
});
