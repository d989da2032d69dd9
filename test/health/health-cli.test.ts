import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { finishRun, startRun } from '../../src/engine/run-history.js';
import type { HealthSnapshot } from '../../src/health/types.js';
import { MarketStore } from '../../src/store/market-db.js';
import { SentimentStore } from '../../src/sentiment/sentiment-store.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { runCli, writeTestConfig } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { corruptMiddlePage, HOUR, MIN, newestOpenFor, pinoLine, QUIET_LIMITS, recordBackup, writeConsoleLog, writeSeries } from './helpers.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const INTERVALS = ['15m', '1h', '4h', '1d'] as const;

/** A data dir where every probe is ok: fresh complete series, backups in all tiers, a good sync, quiet logs. */
function healthyDataDir(options: { staleMinutes15m?: number } = {}): string[] {
  const dir = tempDir();
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir);
  const now = Date.now();
  writeTestConfig(dir, {
    symbols: SYMBOLS, intervals: INTERVALS, health: QUIET_LIMITS, sentiment: { fred: { series: ['DFF'] } },
    backup: { warmDir: path.join(dir, 'warm'), offsiteRemote: 'glacier:cfa' },
  });
  const store = MarketStore.open(dataDir);
  for (const symbol of SYMBOLS) {
    for (const interval of INTERVALS) {
      const newest = newestOpenFor(now, interval, interval === '15m' ? (options.staleMinutes15m ?? 0) * MIN : 0);
      writeSeries(store, symbol, interval, newest - 3 * 24 * HOUR, newest);
    }
  }
  store.close();
  writeFreshSentiment(dataDir, now);
  for (const tier of ['hot', 'warm', 'offsite'] as const) recordBackup(dataDir, tier, now - 3 * HOUR);
  const ops = openOpsDb(dataDir);
  const run = startRun(ops, { job: 'sync', trigger: 'schedule', startedAt: now - 2 * HOUR });
  finishRun(ops, run, { status: 'success', exitCode: 0, durationMs: 4 * MIN, summary: { status: 'success', failures: [] }, endedAt: now - 2 * HOUR + 4 * MIN });
  ops.close();
  writeConsoleLog(dataDir, [pinoLine(now - MIN, 30, 'engine started'), pinoLine(now - 30_000, 30, 'sync finished')]);
  return ['--data-dir', dataDir, '--config', path.join(dir, 'config.json')];
}

/** Every sentiment source fresh: the last funding 2 h ago, this hour's statistics, today's F&G, yesterday's DFF. */
function writeFreshSentiment(dataDir: string, now: number): void {
  const s = SentimentStore.open(dataDir);
  const hour = Math.floor(now / HOUR) * HOUR;
  const day = Math.floor(now / (24 * HOUR)) * 24 * HOUR;
  for (const symbol of SYMBOLS) {
    s.upsertFunding([0, 1].map((i) => ({ symbol, fundingTimeRaw: hour - 2 * HOUR - i * 8 * HOUR, fundingRate: 0.0001, markPrice: 1 })));
    s.upsertOpenInterest([{ symbol, period: '1h', ts: hour, oiBase: 1, oiUsdt: 1 }]);
    s.upsertTaker([{ symbol, period: '1h', ts: hour, buySellRatio: 1, buyVol: 1, sellVol: 1 }]);
    s.upsertLongShort((['global_account', 'top_account', 'top_position'] as const).map((kind) => ({ symbol, kind, period: '1h', ts: hour, ratio: 1, longFrac: 0.5, shortFrac: 0.5 })));
  }
  s.upsertFearGreed([{ day, value: 50, classification: 'Neutral' }]);
  s.upsertFredSeries({ seriesId: 'DFF', title: null, frequency: 'Daily', frequencyShort: 'D', units: null, lastUpdated: null });
  s.mergeFred('DFF', [{ obsDate: new Date(day - 24 * HOUR).toISOString().slice(0, 10), realtimeStart: new Date(day).toISOString().slice(0, 10), realtimeEnd: '9999-12-31', value: 4.33 }]);
  s.close();
}

describe('cfa-console health', () => {
  it('exits 0 when every probe is ok, as a table of symbols and words', async () => {
    const args = healthyDataDir();
    const run = await runCli([...args, 'health']);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const rows = run.stdout.split('\n').filter((l) => /^(✔|▲|✖|\?) /.test(l));
    expect(rows.map((l) => l.split(/\s{2,}/)[1])).toEqual(['freshness', 'coverage', 'integrity', 'size', 'backup', 'logs', 'continuity', 'disk', 'last-sync', 'daemon', 'sentiment', 'replication']);
    expect(rows.every((l) => l.startsWith('✔ ok'))).toBe(true);
    expect(run.stdout).toMatch(/overall: ✔ ok \(exit 0\)/);

    const json = await runCli([...args, 'health', '--json']);
    const snapshot = JSON.parse(json.stdout) as HealthSnapshot;
    expect(json.exitCode).toBe(0);
    expect(snapshot.overall).toBe('ok');
    expect(snapshot.freshness).toHaveLength(8);
    expect(snapshot.coverage.map((c) => c.present)).toEqual([2, 2, 2, 2]);
  });

  it('exits 1 on a warning, and --only narrows the snapshot to the probes named', async () => {
    const args = healthyDataDir({ staleMinutes15m: 40 });
    const run = await runCli([...args, 'health']);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/^▲ warn\s+freshness/m);
    expect(run.stdout).toMatch(/· BTCUSDT 15m {2}warn: [45]\dm( \d+s)? old \(warn over 30m, critical over 1h\)/);
    const only = await runCli([...args, 'health', '--json', '--only', 'coverage,integrity']);
    expect(only.exitCode).toBe(0);
    expect((JSON.parse(only.stdout) as HealthSnapshot).probes.map((p) => p.id)).toEqual(['coverage', 'integrity']);
  });

  it('exits 2 on a corrupted page and on a market.db that is not a database', async () => {
    const args = healthyDataDir();
    const market = path.join(args[1]!, 'market.db');
    corruptMiddlePage(market);
    const corrupt = await runCli([...args, 'health']);
    expect(corrupt.exitCode).toBe(2);
    expect(corrupt.stdout).toMatch(/^✖ critical\s+integrity/m);

    const other = healthyDataDir();
    fs.writeFileSync(path.join(other[1]!, 'market.db'), Buffer.alloc(8192, 7));
    const notDb = await runCli([...other, 'health', '--json']);
    expect(notDb.exitCode).toBe(2);
    const snapshot = JSON.parse(notDb.stdout) as HealthSnapshot;
    expect(snapshot.probes.find((p) => p.id === 'integrity')).toMatchObject({ status: 'critical', detail: expect.stringMatching(/not a SQLite database/) });
  });

  it('exits 2 on an unknown --only id, naming it and the valid ids', async () => {
    const run = await runCli(['--data-dir', tempDir(), 'health', '--only', 'freshness,backups']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/unknown probe id "backups" in --only; valid ids: freshness, coverage, integrity, size, backup, logs, continuity, disk, last-sync, daemon/);
    expect(run.stdout).toBe('');
  });
});
