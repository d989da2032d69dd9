import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SYMBOLS } from '../../src/config/default-symbols.js';
import { collectHealth } from '../../src/health/collect-health.js';
import { KnownGapsStore } from '../../src/health/continuity/known-gaps-store.js';
import { MarketStore } from '../../src/store/market-db.js';
import { tempDir } from '../helpers/temp-dir.js';
import { corruptMiddlePage, HOUR, MIN, newestOpenFor, QUIET_LIMITS, testConfig, writeSeries } from './helpers.js';

const SYMBOLS = DEFAULT_SYMBOLS.slice(0, 20);
const NOW = Math.floor(Date.now() / (15 * MIN)) * 15 * MIN + 7 * MIN;
const config = testConfig({ symbols: [...SYMBOLS], intervals: ['15m', '1h'], health: QUIET_LIMITS });

/**
 * 20 symbols x 15m/1h over two days, fresh, with the defects the tests name: ETHUSDT stale,
 * XRPUSDT missing in 1h, BTCUSDT holes of 1 (1h) and 3 (15m) candles, a 4-candle SOLUSDT 1h
 * hole the exchange does not have either (a known gap).
 */
function defectiveStore(dataDir: string) {
  const store = MarketStore.open(dataDir);
  const holes = {
    btc1h: newestOpenFor(NOW, '1h', 10 * HOUR),
    btc15m: newestOpenFor(NOW, '15m', 6 * HOUR),
    sol1h: newestOpenFor(NOW, '1h', 20 * HOUR),
  };
  for (const symbol of SYMBOLS) {
    for (const interval of ['15m', '1h'] as const) {
      if (symbol === 'XRPUSDT' && interval === '1h') continue;
      const stale = symbol === 'ETHUSDT' ? (interval === '1h' ? 8 * HOUR : 40 * MIN) : 0;
      const newest = newestOpenFor(NOW, interval, stale);
      const step = interval === '1h' ? HOUR : 15 * MIN;
      writeSeries(store, symbol, interval, newest - 2 * 24 * HOUR, newest, (t) =>
        (symbol === 'BTCUSDT' && interval === '1h' && t === holes.btc1h)
        || (symbol === 'BTCUSDT' && interval === '15m' && t >= holes.btc15m && t < holes.btc15m + 3 * step)
        || (symbol === 'SOLUSDT' && interval === '1h' && t >= holes.sol1h && t < holes.sol1h + 4 * step));
    }
  }
  new KnownGapsStore(store.db).record({ symbol: 'SOLUSDT', interval: '1h', fromOpenTime: holes.sol1h, toOpenTime: holes.sol1h + 3 * HOUR, confirmedAt: NOW - HOUR });
  store.close();
  return holes;
}

describe('collectHealth over a real store', () => {
  it('gives each data probe its exact verdict on a store with known defects', () => {
    const dataDir = tempDir();
    const holes = defectiveStore(dataDir);
    const snapshot = collectHealth({ config, dataDir, now: NOW, only: ['freshness', 'coverage', 'integrity', 'size', 'continuity'] });
    const probe = (id: string) => snapshot.probes.find((p) => p.id === id)!;

    expect(probe('freshness').status).toBe('critical');
    expect(probe('freshness').offenders.map((o) => [o.name, o.detail?.split(':')[0]])).toEqual([['ETHUSDT 1h', 'critical'], ['ETHUSDT 15m', 'warn']]);
    expect(snapshot.freshness).toHaveLength(40);
    expect(snapshot.freshness.find((f) => f.symbol === 'XRPUSDT' && f.interval === '1h')).toMatchObject({ lastOpenTime: null, status: 'critical' });

    expect(probe('coverage')).toMatchObject({ status: 'warn', value: 95, detail: '1h: 19/20, missing XRPUSDT' });
    expect(snapshot.coverage.find((c) => c.interval === '1h')).toMatchObject({ present: 19, configured: 20, missing: ['XRPUSDT'], status: 'warn' });

    expect(probe('continuity')).toMatchObject({ status: 'warn', value: 1 });
    expect(probe('continuity').offenders).toEqual([{ name: 'BTCUSDT 15m', value: 3, detail: expect.stringMatching(/^3 candles missing/) }]);
    expect(probe('continuity').detail).toMatch(/1 hole of at most 2 candles tolerated, 1 known exchange gap excluded/);
    expect(snapshot.gaps).toEqual([{ symbol: 'BTCUSDT', interval: '15m', fromOpenTime: holes.btc15m, toOpenTime: holes.btc15m + 30 * MIN, missing: 3 }]);
    expect(snapshot.knownGaps).toEqual([{ symbol: 'SOLUSDT', interval: '1h', fromOpenTime: holes.sol1h, toOpenTime: holes.sol1h + 3 * HOUR, missing: 4, confirmedAt: NOW - HOUR }]);

    expect(probe('integrity')).toMatchObject({ status: 'ok', detail: 'quick_check: ok' });
    expect(probe('size').status).toBe('ok');
    expect(snapshot.overall).toBe('critical');
  });

  it('is critical, not a crash, for a corrupted page, and scans nothing then', () => {
    const dataDir = tempDir();
    const store = MarketStore.open(dataDir);
    for (const symbol of SYMBOLS) writeSeries(store, symbol, '15m', newestOpenFor(NOW, '15m', 0) - 20 * 24 * HOUR, newestOpenFor(NOW, '15m', 0));
    store.close();
    corruptMiddlePage(path.join(dataDir, 'market.db'));
    const snapshot = collectHealth({ config: { ...config, intervals: ['15m'] }, dataDir, now: NOW });
    const integrity = snapshot.probes.find((p) => p.id === 'integrity')!;
    expect(integrity.status).toBe('critical');
    // Depending on the page hit, quick_check lists the damage or stops with SQLITE_CORRUPT.
    expect(integrity.detail).toMatch(/^quick_check found .* in .*market\.db|market\.db is corrupt: the check stopped with database disk image is malformed/);
    expect(snapshot.probes.find((p) => p.id === 'continuity')).toMatchObject({ status: 'unknown', detail: expect.stringMatching(/integrity check failed/) });
    expect(snapshot.overall).toBe('critical');
  });

  it('is critical, not a crash, for a market.db that is not a database at all', () => {
    const dataDir = tempDir();
    fs.writeFileSync(path.join(dataDir, 'market.db'), 'these are not the candles you are looking for\n'.repeat(200));
    const snapshot = collectHealth({ config, dataDir, now: NOW });
    expect(snapshot.probes.find((p) => p.id === 'integrity')).toMatchObject({ status: 'critical', detail: expect.stringMatching(/is not a SQLite database/) });
    for (const id of ['freshness', 'coverage', 'continuity']) {
      expect(snapshot.probes.find((p) => p.id === id)).toMatchObject({ status: 'unknown', detail: expect.stringMatching(/cannot read market\.db/) });
    }
    expect(snapshot.overall).toBe('critical');
    expect(fs.readFileSync(path.join(dataDir, 'market.db'), 'utf8')).toMatch(/^these are not/);
  });

  it('never creates market.db, and survives a data dir that does not exist', () => {
    const dataDir = path.join(tempDir(), 'nowhere');
    const snapshot = collectHealth({ config, dataDir, now: NOW });
    expect(snapshot.probes).toHaveLength(12);
    expect(snapshot.probes.find((p) => p.id === 'integrity')!.status).toBe('critical');
    expect(snapshot.probes.find((p) => p.id === 'last-sync')).toMatchObject({ status: 'unknown', detail: expect.stringMatching(/^could not run/) });
    expect(fs.existsSync(path.join(dataDir, 'market.db'))).toBe(false);
  });
});

describe('the sentiment probe with store.backend postgres', () => {
  const pgConfig = testConfig({ symbols: ['BTCUSDT'], intervals: ['1h'], store: { backend: 'postgres', url: 'postgresql://cfa:secret@127.0.0.1:1/cfa' } });
  const read = { state: 'read' as const, url: 'postgresql://cfa:••••••@127.0.0.1:1/cfa', newest: [], bytes: 0, counts: null };

  it('judges the facts read from PostgreSQL, never a market.db in the data dir', () => {
    const dataDir = tempDir();
    const fresh = collectHealth({
      config: pgConfig, dataDir, now: NOW, only: ['sentiment'],
      pgMarket: { ...read, sentiment: { funding: [], futuresData: [], fearGreedDay: Math.floor(NOW / (24 * HOUR)) * 24 * HOUR, fred: [] } },
    });
    expect(fresh.sentiment?.find((s) => s.source === 'fng')).toMatchObject({ status: 'ok' });
    expect(fs.existsSync(path.join(dataDir, 'market.db'))).toBe(false);
  });

  it('says the sentiment tables were not read, rather than that there is no data, when the facts lack them', () => {
    for (const pgMarket of [undefined, read]) {
      const probe = collectHealth({ config: pgConfig, dataDir: tempDir(), now: NOW, only: ['sentiment'], pgMarket }).probes[0]!;
      expect(probe).toMatchObject({ id: 'sentiment', status: 'unknown' });
      expect(probe.detail).toBe('the sentiment tables live in PostgreSQL (store.backend) and this check did not read them');
    }
  });
});
