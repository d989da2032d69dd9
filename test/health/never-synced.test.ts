import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateRules } from '../../src/alerts/rules.js';
import { ruleSettings } from '../../src/alerts/settings.js';
import { finishRun, startRun } from '../../src/engine/run-history.js';
import { collectHealth } from '../../src/health/collect-health.js';
import { isNeverSynced, markNeverSynced, type StoreHistory } from '../../src/health/never-synced.js';
import { healthExitCode, worstStatus } from '../../src/health/status.js';
import { MarketStore } from '../../src/store/market-db.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { statusMark } from '../../src/status/vocabulary.js';
import { tempDir } from '../helpers/temp-dir.js';
import { HOUR, MIN, newestOpenFor, QUIET_LIMITS, recordBackup, testConfig, writeSeries } from './helpers.js';

const NOW = Math.floor(Date.now() / (15 * MIN)) * 15 * MIN + 7 * MIN;
const config = testConfig({ symbols: ['BTCUSDT', 'ETHUSDT'], intervals: ['15m', '1h'], health: QUIET_LIMITS });

/** A data dir as a first start leaves it: ops.db made by the engine, no market.db yet. */
function freshDataDir(): string {
  const dataDir = path.join(tempDir(), 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  openOpsDb(dataDir).close();
  return dataDir;
}

function recordSync(dataDir: string, status: 'success' | 'failed' | 'running'): void {
  const ops = openOpsDb(dataDir);
  const id = startRun(ops, { job: 'sync', trigger: 'manual' });
  if (status !== 'running') finishRun(ops, id, { status, exitCode: status === 'success' ? 0 : 1, durationMs: 1000, summary: null });
  ops.close();
}

const history = (over: Partial<StoreHistory> = {}): StoreHistory => ({
  marketMissing: true, storeEmpty: true, lastSyncSuccessAt: null, verifiedBackups: 0, syncRunning: false, ...over,
});

describe('never synced yet', () => {
  it('is a store with no candle, no successful sync and no backup on record, and nothing else', () => {
    expect(isNeverSynced(history())).toBe(true);
    expect(isNeverSynced(history({ marketMissing: false }))).toBe(true);
    expect(isNeverSynced(history({ storeEmpty: false, marketMissing: false }))).toBe(false);
    // The first sync has written some candles and not finished yet.
    expect(isNeverSynced(history({ storeEmpty: false, marketMissing: false, syncRunning: true }))).toBe(true);
    expect(isNeverSynced(history({ lastSyncSuccessAt: NOW - HOUR }))).toBe(false);
    expect(isNeverSynced(history({ verifiedBackups: 1 }))).toBe(false);
  });

  it('ranks above unknown and below warn, exits 1 like unknown, and is shown quietly by its own words', () => {
    expect(worstStatus(['ok', 'unknown', 'never-synced'])).toBe('never-synced');
    expect(worstStatus(['never-synced', 'warn'])).toBe('warn');
    expect(healthExitCode('never-synced')).toBe(1);
    expect(statusMark('never-synced')).toBe('· never-synced');
  });

  it('a fresh data dir: the store probes say never-synced with why, nothing is critical, empty series are unknown', () => {
    const dataDir = freshDataDir();
    const snapshot = collectHealth({ config, dataDir, now: NOW });
    expect(snapshot.overall).toBe('never-synced');
    expect(snapshot.probes.filter((p) => p.status === 'critical')).toEqual([]);
    const byId = Object.fromEntries(snapshot.probes.map((p) => [p.id, p]));
    for (const id of ['freshness', 'coverage', 'integrity', 'size', 'continuity', 'last-sync', 'backup']) {
      expect(byId[id], id).toMatchObject({ status: 'never-synced', detail: expect.stringMatching(/^never synced yet: the first sync fills the store \(.+\)$/) });
    }
    expect(snapshot.freshness.map((s) => s.status)).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);
    expect(snapshot.coverage.map((c) => c.status)).toEqual(['unknown', 'unknown']);
    expect(fs.existsSync(path.join(dataDir, 'market.db'))).toBe(false);
  });

  it('raises no alert on a fresh data dir: no critical, no warning, nothing to page about', () => {
    const snapshot = collectHealth({ config, dataDir: freshDataDir(), now: NOW });
    const result = evaluateRules({ now: NOW, snapshot, runs: [], daemon: null }, ruleSettings({ ...config, dataDir: '/x' }));
    expect(result.alerts.map((a) => a.rule)).toEqual([]);
  });

  it('says when the first sync is running', () => {
    const dataDir = freshDataDir();
    recordSync(dataDir, 'running');
    const snapshot = collectHealth({ config, dataDir, now: NOW });
    expect(snapshot.probes.find((p) => p.id === 'integrity')?.detail).toMatch(/^never synced yet: the first sync is running/);
  });

  it('a failed first sync is still reported as one (last-sync critical), the store probes stay never-synced', () => {
    const dataDir = freshDataDir();
    recordSync(dataDir, 'failed');
    const snapshot = collectHealth({ config, dataDir, now: NOW });
    expect(snapshot.probes.find((p) => p.id === 'last-sync')?.status).toBe('critical');
    expect(snapshot.probes.find((p) => p.id === 'integrity')?.status).toBe('never-synced');
    expect(snapshot.overall).toBe('critical');
  });

  it('a store that lost market.db after a successful sync, or that had a backup, is critical as before', () => {
    const synced = freshDataDir();
    recordSync(synced, 'success');
    expect(collectHealth({ config, dataDir: synced, now: NOW }).probes.find((p) => p.id === 'integrity')?.status).toBe('critical');

    const backedUp = freshDataDir();
    recordBackup(backedUp, 'hot', NOW - HOUR);
    expect(collectHealth({ config, dataDir: backedUp, now: NOW }).probes.find((p) => p.id === 'integrity')?.status).toBe('critical');
  });

  it('a store with candles is judged as measured, even with no sync on record', () => {
    const dataDir = freshDataDir();
    const store = MarketStore.open(dataDir);
    const newest = newestOpenFor(NOW, '1h', 0);
    writeSeries(store, 'BTCUSDT', '1h', newest - 5 * HOUR, newest);
    store.close();
    const snapshot = collectHealth({ config, dataDir, now: NOW });
    expect(snapshot.probes.some((p) => p.status === 'never-synced')).toBe(false);
    expect(snapshot.probes.find((p) => p.id === 'coverage')?.status).not.toBe('ok');
  });

  it('leaves a snapshot of a store with a history as it is', () => {
    const snapshot = collectHealth({ config, dataDir: freshDataDir(), now: NOW });
    const measured = { ...snapshot, overall: 'critical' as const };
    expect(markNeverSynced(measured, history({ lastSyncSuccessAt: NOW }))).toBe(measured);
  });
});
