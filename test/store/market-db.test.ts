import fs from 'node:fs';
import path from 'node:path';
import Database from '../../src/store/sqlite-driver.js';
import { describe, expect, it } from 'vitest';
import type { Candle } from '../../src/exchange/candle.js';
import type { Interval } from '../../src/exchange/intervals.js';
import { MARKET_SCHEMA_VERSION, MarketStore, seriesExtentsOf } from '../../src/store/market-db.js';
import { StoreError } from '../../src/store/sqlite.js';
import { syntheticCandle } from '../../src/exchange/simulator/index.js';
import { describeBackends } from '../helpers/backends.js';
import { tempDir } from '../helpers/temp-dir.js';

const H = 3_600_000;
function candle(i: number, patch: Partial<Candle> = {}): Candle {
  return {
    symbol: 'ETHUSDT', interval: '1h', openTime: i * H, open: 10, high: 12, low: 9, close: 11, volume: 5,
    closeTime: (i + 1) * H - 1, quoteVolume: 50, trades: 7, takerBuyBase: 2, takerBuyQuote: 20, ...patch,
  };
}

// Symbols and intervals chosen so that neighbours share prefixes, case and digits sort apart, and one series has a single candle.
const SERIES = [['ETHUSDT', '1h', 5], ['ETHUSDT', '15m', 3], ['ETH', '1d', 1], ['BTCUSDT', '4h', 4], ['1000PEPEUSDT', '1h', 2], ['btcusdt', '1h', 1], ['BTCUSDT', '1h', 2]] as const;
const page = (symbol: string, interval: Interval, n: number) => Array.from({ length: n }, (_, i) => syntheticCandle(symbol, interval, (i + 1) * 24 * H));

describeBackends('the candle store contract', (backend) => {
  it('upserts idempotently, drops the open candle, rejects insane ones with the reason, deletes from a time on; the h1 view shows it', async () => {
    const dir = tempDir();
    const store = await backend.openStore(dir);
    try {
      const serverTime = 3 * H + 10;
      const first = await store.upsertCandles([candle(0), candle(1), candle(2, { high: 1 }), candle(3)], serverTime);
      expect(first.stored).toBe(2);
      expect(first.newestStored).toBe(1 * H);
      expect(first.open).toBe(1);
      expect(first.rejected).toHaveLength(1);
      expect(first.rejected[0]!.reason).toMatch(/high 1 is below open\/close/);
      const again = await store.upsertCandles([candle(0, { close: 11.5, high: 12 })], serverTime);
      expect(again).toEqual({ stored: 1, newestStored: 0, open: 0, rejected: [] });
      const stored = await store.candles('ETHUSDT', '1h');
      expect(stored).toEqual([candle(0, { close: 11.5, high: 12 }), candle(1)]);
      expect(await store.lastOpenTime('ETHUSDT', '1h')).toBe(H);
      expect(await store.lastOpenTime('ETHUSDT', '4h')).toBeNull();
      expect(await backend.rows(dir, 'SELECT symbol, timestamp, close FROM ohlcv_h1 ORDER BY timestamp')).toEqual([
        { symbol: 'ETHUSDT', timestamp: 0, close: 11.5 }, { symbol: 'ETHUSDT', timestamp: H, close: 11 },
      ]);
      expect(await store.deleteCandlesFrom('ETHUSDT', '1h', H)).toBe(1);
      expect(await store.lastOpenTime('ETHUSDT', '1h')).toBe(0);
      expect(await store.candles('ETHUSDT', '1h', H)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('lists every series with its extent, ordered by symbol then interval byte by byte (as SQLite does)', async () => {
    const dir = tempDir();
    const store = await backend.openStore(dir);
    try {
      expect(await store.seriesExtents()).toEqual([]);
      for (const [symbol, interval, n] of SERIES) await store.upsertCandles(page(symbol, interval, n), Number.MAX_SAFE_INTEGER);
      const bytewise = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
      const expected = [...SERIES]
        .sort((a, b) => bytewise(a[0], b[0]) || bytewise(a[1], b[1]))
        .map(([symbol, interval, n]) => ({ symbol, interval, count: n, firstOpenTime: 24 * H, lastOpenTime: n * 24 * H }));
      expect(expected.map((e) => e.symbol)).toEqual(['1000PEPEUSDT', 'BTCUSDT', 'BTCUSDT', 'ETH', 'ETHUSDT', 'ETHUSDT', 'btcusdt']);
      expect(await store.seriesExtents()).toEqual(expected);
    } finally {
      await store.close();
    }
  });
});

// SQLite only: the file's schema and pragmas, a file that is not SQLite, a file's user_version.
describe('MarketStore', () => {
  it('creates the contract schema, views and pragmas', () => {
    const dir = tempDir();
    MarketStore.open(dir).close();
    const db = new Database(path.join(dir, 'market.db'), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(MARKET_SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const cols = (db.pragma('table_info(candles)') as { name: string; pk: number }[]);
    expect(cols.map((c) => c.name)).toEqual([
      'symbol', 'interval', 'open_time', 'open', 'high', 'low', 'close', 'volume', 'close_time',
      'quote_volume', 'trades', 'taker_buy_base', 'taker_buy_quote',
    ]);
    expect(cols.filter((c) => c.pk > 0).map((c) => c.name)).toEqual(['symbol', 'interval', 'open_time']);
    const sql = (db.prepare("SELECT sql FROM sqlite_master WHERE name = 'candles'").pluck().get() as string);
    expect(sql).toMatch(/WITHOUT ROWID/);
    const views = db.prepare("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name").pluck().all();
    expect(views).toEqual(['ohlcv_15m', 'ohlcv_d1', 'ohlcv_h1', 'ohlcv_h4', 'sentimento_mercado']);
    db.close();
  });

  // SQLite only: seriesExtentsOf answers on a read-only handle of the file (the health probes' way).
  it('lists every series with its extent as a GROUP BY would, also on a read-only copy', () => {
    const dir = tempDir();
    const store = MarketStore.open(dir);
    for (const [symbol, interval, n] of SERIES) store.upsertCandles(page(symbol, interval, n), Number.MAX_SAFE_INTEGER);
    const grouped = store.db.prepare(`SELECT symbol, interval, count(*) AS count, min(open_time) AS firstOpenTime, max(open_time) AS lastOpenTime
      FROM candles GROUP BY symbol, interval ORDER BY symbol, interval`).all();
    expect(store.seriesExtents()).toEqual(grouped);
    store.close();
    const readonly = new Database(path.join(dir, 'market.db'), { readonly: true });
    expect(seriesExtentsOf(readonly)).toEqual(grouped);
    readonly.close();
    expect(seriesExtentsOf(MarketStore.open(tempDir()).db)).toEqual([]);
  });

  it('refuses a file that is not a database without writing to it', () => {
    const dir = tempDir();
    const file = path.join(dir, 'market.db');
    fs.writeFileSync(file, 'this is not sqlite, just text '.repeat(200));
    const before = fs.readFileSync(file);
    expect(() => MarketStore.open(dir)).toThrow(StoreError);
    expect(() => MarketStore.open(dir)).toThrow(/is not a SQLite database/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a store written by a newer version', () => {
    const dir = tempDir();
    const db = new Database(path.join(dir, 'market.db'));
    db.pragma('user_version = 99');
    db.close();
    expect(() => MarketStore.open(dir)).toThrow(/schema version 99, newer than this cfa-console knows/);
  });
});
