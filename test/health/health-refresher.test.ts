import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { HealthRefresher, integrityDue, type IntegrityMemory } from '../../src/health/health-refresher.js';
import { marketFileSignature } from '../../src/health/sources/market-access.js';
import type { ProbeResult } from '../../src/health/types.js';
import { MarketStore } from '../../src/store/market-db.js';
import { tempDir } from '../helpers/temp-dir.js';
import { corruptKeepingMtime, corruptMiddlePage, DAY, writeSeries } from './helpers.js';

const MIN = 60_000;

function storeWithCandles(now: number) {
  const dataDir = tempDir();
  const store = MarketStore.open(dataDir);
  writeSeries(store, 'BTCUSDT', '1d', now - 10 * DAY, now - 2 * DAY);
  store.close();
  const config = { ...configSchema.parse({ symbols: ['BTCUSDT'], intervals: ['1d'], health: { integrityRecheck: '10m' } }), dataDir };
  return { dataDir, config, file: path.join(dataDir, 'market.db') };
}

const integrityOf = (s: { probes: ProbeResult[] }) => s.probes.filter((p) => p.id === 'integrity');

describe('HealthRefresher', () => {
  it('runs the integrity check at most once a window and carries its verdict in between', () => {
    const now = Date.UTC(2026, 6, 1);
    const { config, file } = storeWithCandles(now);
    const refresher = new HealthRefresher(config, MIN);

    const first = refresher.refresh(now);
    expect(first.probes.find((p) => p.id === 'integrity')).toMatchObject({ status: 'ok' });

    // Corrupt the file: a fresh check would see it, the carried verdict does not until the window ends.
    corruptMiddlePage(file);
    const carried = refresher.refresh(now + 30_000);
    expect(integrityOf(carried)).toHaveLength(1);
    expect(integrityOf(carried)[0]!.status).toBe('ok');

    const checked = refresher.refresh(now + 61_000);
    expect(integrityOf(checked)[0]!.status).toBe('critical');
    expect(checked.overall).toBe('critical');
  });

  it('does not re-read an unchanged store every minute, but still every health.integrityRecheck', () => {
    const now = Date.UTC(2026, 6, 1);
    const { config, file } = storeWithCandles(now);
    const refresher = new HealthRefresher(config, MIN);
    refresher.refresh(now);
    // The first refresh wrote the continuity checkpoints: that is a change, checked once more.
    refresher.refresh(now + MIN);
    const lastCheck = now + MIN;
    const idle = marketFileSignature(file);

    corruptKeepingMtime(file);
    expect(marketFileSignature(file)).toBe(idle);
    for (const t of [2, 3, 5, 10]) {
      const s = refresher.refresh(lastCheck + t * MIN - 1);
      expect(integrityOf(s)).toHaveLength(1);
      expect(integrityOf(s)[0]!.status, `${t} min after the last check`).toBe('ok');
    }
    // Our own refreshes read the store and wrote nothing to it.
    expect(marketFileSignature(file)).toBe(idle);
    const rechecked = refresher.refresh(lastCheck + 10 * MIN);
    expect(integrityOf(rechecked)[0]!.status).toBe('critical');
  });

  it('checks a store written since the last check within a minute', () => {
    const now = Date.UTC(2026, 6, 1);
    const { config, dataDir, file } = storeWithCandles(now);
    const refresher = new HealthRefresher(config, MIN);
    refresher.refresh(now);
    refresher.refresh(now + MIN);
    const before = marketFileSignature(file);

    const store = MarketStore.open(dataDir);
    writeSeries(store, 'BTCUSDT', '1d', now - DAY, now - DAY);
    store.close();
    expect(marketFileSignature(file)).not.toBe(before);
    corruptKeepingMtime(file);
    expect(integrityOf(refresher.refresh(now + 2 * MIN))[0]!.status).toBe('critical');
  });
});

describe('HealthRefresher record counts (cfa_db_records)', () => {
  it('counts the candles per interval with the integrity check and carries them until the next one', () => {
    const now = Date.UTC(2026, 6, 1);
    const { config, dataDir } = storeWithCandles(now);
    const refresher = new HealthRefresher({ ...config, intervals: ['1d', '4h'] }, MIN);
    const first = refresher.refresh(now);
    // 9 daily candles (10 to 2 days ago, inclusive) and no 4h one: a configured interval with none says 0.
    expect(first.records).toEqual({ at: now, byInterval: { '1d': 9, '4h': 0 } });

    const store = MarketStore.open(dataDir);
    writeSeries(store, 'BTCUSDT', '1d', now - DAY, now - DAY);
    store.close();
    // Within the minute no check runs: the last count stands, with when it was taken.
    expect(refresher.refresh(now + 30_000).records).toEqual({ at: now, byInterval: { '1d': 9, '4h': 0 } });
    expect(refresher.refresh(now + 2 * MIN).records).toEqual({ at: now + 2 * MIN, byInterval: { '1d': 10, '4h': 0 } });
  });

  it('counts at the first refresh even when a stored verdict stands in for the check', () => {
    const now = Date.UTC(2026, 6, 1);
    const { config } = storeWithCandles(now);
    let saved: IntegrityMemory | null = null;
    const verdicts = { load: () => saved, save: (m: IntegrityMemory) => { saved = m; } };
    new HealthRefresher(config, MIN, { verdicts }).refresh(now);
    expect(saved).not.toBeNull();
    const restarted = new HealthRefresher(config, MIN, { verdicts });
    const s = restarted.refresh(now + 30_000);
    expect(integrityOf(s)[0]!.reusedFrom).toBe(now);
    expect(s.records?.byInterval).toEqual({ '1d': 9 });
  });

  it('does not count a store the check finds damaged', () => {
    const now = Date.UTC(2026, 6, 1);
    const { config, file } = storeWithCandles(now);
    corruptMiddlePage(file);
    const s = new HealthRefresher(config, MIN).refresh(now);
    expect(integrityOf(s)[0]!.status).toBe('critical');
    expect(s.records).toBeUndefined();
  });
});

describe('integrityDue', () => {
  const ok = { id: 'integrity', status: 'ok' } as ProbeResult;
  const last = (status: ProbeResult['status'] = 'ok'): IntegrityMemory => ({ verdict: { ...ok, status }, at: 0, signature: 'a' });
  const due = (memory: IntegrityMemory | null, signature: string, now: number) => integrityDue(memory, signature, now, MIN, 10 * MIN);

  it('checks first of all, then on a change at most once a minute, and every recheck period regardless', () => {
    expect(due(null, 'a', 0)).toBe(true);
    expect(due(last(), 'b', MIN - 1)).toBe(false);
    expect(due(last(), 'b', MIN)).toBe(true);
    expect(due(last(), 'a', MIN)).toBe(false);
    expect(due(last(), 'a', 10 * MIN - 1)).toBe(false);
    expect(due(last(), 'a', 10 * MIN)).toBe(true);
  });

  it('repeats a verdict that was not ok every minute, changed or not', () => {
    expect(due(last('critical'), 'a', MIN)).toBe(true);
    expect(due(last('unknown'), 'a', MIN)).toBe(true);
    expect(due(last('critical'), 'a', MIN - 1)).toBe(false);
  });
});
