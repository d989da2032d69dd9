import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackupEntry } from '../../src/backup/catalog.js';
import { hashFile } from '../../src/backup/files.js';
import { recoverPlan, restorePlan, resyncEstimate } from '../../src/backup/plans.js';
import { planLines } from '../../src/common/plan.js';
import { CLI } from '../helpers/cli.js';
import { hasTmux, TmuxTerminal } from '../helpers/tmux.js';
import { backupEnv, catalog, clockedSimulator, filesIn } from './helpers.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);

function entry(over: Partial<BackupEntry> = {}): BackupEntry {
  return {
    id: 7, tier: 'hot', backend: 'sqlite', pgFacts: null, location: '/data/backups/hot/market-7.db', sizeBytes: 3 * 1024 * 1024, sha256: 'ab'.repeat(32), md5: null,
    createdAt: NOW - 5 * HOUR, newestCandle: NOW - 6 * HOUR, schemaVersion: 2, rowCounts: { candles: 100 }, verifiedAt: NOW - 5 * HOUR,
    result: 'verified', detail: null, deletedAt: null, ...over,
  };
}

describe('plans (pure)', () => {
  it('estimates the resync: closed candles since the newest one, per series', () => {
    // 6 h after the newest candle: 23 more closed 15m candles and 5 closed 1h candles, for 2 symbols.
    expect(resyncEstimate(NOW - 6 * HOUR, { symbols: ['A', 'B'], intervals: ['15m', '1h'] }, NOW)).toBe(2 * (23 + 5));
    expect(resyncEstimate(NOW, { symbols: ['A'], intervals: ['1d'] }, NOW)).toBe(0);
    expect(resyncEstimate(null, { symbols: ['A'], intervals: ['1d'] }, NOW)).toBeNull();
  });

  it('a restore plan carries the chosen backup\'s real figures, as text and as data', () => {
    const plan = restorePlan({ chosen: entry(), fallbacks: 1, series: { symbols: ['A', 'B'], intervals: ['1h'] }, now: NOW });
    expect(plan).toMatchObject({ action: 'restore', risk: 'destructive', confirmWord: 'restore' });
    expect(plan.data).toMatchObject({ backupId: 7, tier: 'hot', ageMs: 5 * HOUR, sizeBytes: 3 * 1024 * 1024, newestCandle: NOW - 6 * HOUR, resyncCandles: 10, fallbacks: 1 });
    const text = planLines(plan).join('\n');
    expect(plan.title).toContain('#7');
    expect(text).toMatch(/taken\s+5\.0h ago \(2026-11-30T07:00:00Z\)/);
    expect(text).toMatch(/size\s+3\.0 MB/);
    expect(text).toMatch(/newest candle\s+2026-11-30T06:00:00Z \(6\.0h ago\)/);
    expect(text).toMatch(/about 10 candles to fetch again/);
    expect(text).toMatch(/quarantine\//);
  });

  it('a recovery plan names the diagnosis and the first copy it would restore, or that there is none', () => {
    const plan = recoverPlan({ diagnosis: 'database disk image is malformed', indexOnly: false, first: entry({ id: 3, tier: 'warm' }), candidates: 2, series: { symbols: ['A'], intervals: ['1h'] }, now: NOW });
    expect(plan.data).toMatchObject({ diagnosis: 'database disk image is malformed', backupId: 3, tier: 'warm', candidates: 2 });
    expect(planLines(plan).join('\n')).toMatch(/candidates\s+2 verified copies to try/);
    const none = recoverPlan({ diagnosis: 'x', indexOnly: true, first: null, candidates: 0, series: { symbols: ['A'], intervals: ['1h'] }, now: NOW });
    expect(planLines(none).join('\n')).toContain('no verified backup in the catalog');
    expect(none.effects[1]).toMatch(/REINDEX/);
  });
});

const terminals: TmuxTerminal[] = [];
afterEach(() => {
  for (const t of terminals.splice(0)) t.close();
});

describe.skipIf(!hasTmux())('restore at a terminal', () => {
  it('shows the plan (backup, age, size, newest candle) before asking; "n" changes nothing', async () => {
    const { sim } = await clockedSimulator(2);
    const env = backupEnv({ symbols: sim.symbols.slice(0, 2), sync: { backfillDays: 3 } }, sim.url);
    expect((await env.run(['sync', '--json'])).exitCode).toBe(0);
    expect((await env.run(['backup', '--json'])).exitCode).toBe(0);
    const market = path.join(env.dataDir, 'market.db');
    const before = (await hashFile(market)).sha256;

    const args = env.argv(['restore', '--latest']).map((a) => `'${a}'`).join(' ');
    const term = new TmuxTerminal(`sh -c '${process.execPath} ${CLI} ${args.replaceAll("'", "'\\''")}; echo "[exit $?]"; sleep 300'`, 120, 30, { NO_COLOR: '1' });
    terminals.push(term);
    const screen = await term.waitFor((s) => s.includes('[y/N]'), 'the confirmation prompt');
    expect(screen).toContain('Replace market.db with backup #1 (hot');
    expect(screen).toMatch(/taken\s+\d+s ago/);
    expect(screen).toMatch(/size\s+\d+(\.\d)? (KB|MB)/);
    expect(screen).toMatch(/newest candle\s+\d{4}-\d\d-\d\dT/);
    expect(screen).toMatch(/resync\s+about [\d,]+ candles to fetch again/);
    term.keys('n', 'Enter');
    const after = await term.waitFor((s) => s.includes('[exit '), 'the command to end');
    expect(after).toContain('[exit 1]');
    expect(after).toContain('not confirmed: nothing was changed');
    expect((await hashFile(market)).sha256).toBe(before);
    expect(filesIn(path.join(env.dataDir, 'quarantine'))).toEqual([]);
    expect(catalog(env.dataDir).recoveries).toEqual([]);
  });
});
