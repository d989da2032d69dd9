import fs from 'node:fs';
import path from 'node:path';
import Database from '../../src/store/sqlite-driver.js';
import { describe, expect, it } from 'vitest';
import type { Candle } from '../../src/exchange/candle.js';
import { MARKET_SCHEMA_VERSION, MarketStore, seriesExtentsOf } from '../../src/store/market-db.js';
import { StoreError } from '../../src/store/sqlite.js';
import { syntheticCandle } from '../../src/exchange/simulator/index.js';
import { tempDir } from '../helpers/temp-dir.js';

const H = 3_600_000;
function candle(i: number, patch: Partial<Candle> = {}): Candle {
  return {
    symbol: 'ETHUSDT', interval: '1h', openTime: i * H, open: 10, high: 12, low: 9, close: 11, volume: 5,
    closeTime: (i + 1) * H - 1, quoteVolume: 50, trades: 7, takerBuyBase: 2, takerBuyQuote: 20, ...patch,
  };
}

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

  it('upserts idempotently, drops the open candle and rejects insane ones with the reason', () => {
    const store = MarketStore.open(tempDir());
    const serverTime = 3 * H + 10;
    const page = [candle(0), candle(1), candle(2, { high: 1 }), candle(3)];
    const first = store.upsertCandles(page, serverTime);
    expect(first.stored).toBe(2);
    expect(first.newestStored).toBe(1 * H);
    expect(first.open).toBe(1);
    expect(first.rejected).toHaveLength(1);
    expect(first.rejected[0]!.reason).toMatch(/high 1 is below open\/close/);
    const again = store.upsertCandles([candle(0, { close: 11.5, high: 12 })], serverTime);
    expect(again.stored).toBe(1);
    const stored = store.candles('ETHUSDT', '1h');
    expect(stored.map((c) => c.openTime)).toEqual([0, H]);
    expect(stored[0]!.close).toBe(11.5);
    expect(store.lastOpenTime('ETHUSDT', '1h')).toBe(H);
    expect(store.lastOpenTime('ETHUSDT', '4h')).toBeNull();
    const view = store.db.prepare('SELECT symbol, timestamp, close FROM ohlcv_h1 ORDER BY timestamp').all();
    expect(view).toEqual([{ symbol: 'ETHUSDT', timestamp: 0, close: 11.5 }, { symbol: 'ETHUSDT', timestamp: H, close: 11 }]);
    store.close();
  });

  it('lists every series with its extent, as a GROUP BY would, also on a read-only copy', () => {
    const dir = tempDir();
    const store = MarketStore.open(dir);
    const serverTime = Number.MAX_SAFE_INTEGER;
    // Symbols and intervals chosen so that neighbours share prefixes, and one symbol has a single candle.
    for (const [symbol, interval, n] of [['ETHUSDT', '1h', 5], ['ETHUSDT', '15m', 3], ['ETH', '1d', 1], ['BTCUSDT', '4h', 4], ['BTCUSDT', '1h', 2]] as const) {
      store.upsertCandles(Array.from({ length: n }, (_, i) => syntheticCandle(symbol, interval, (i + 1) * 24 * H)), serverTime);
    }
    const grouped = store.db.prepare(`SELECT symbol, interval, count(*) AS count, min(open_time) AS firstOpenTime, max(open_time) AS lastOpenTime
      FROM candles GROUP BY symbol, interval ORDER BY symbol, interval`).all();
    expect(store.seriesExtents()).toEqual(grouped);
    expect(grouped).toHaveLength(5);
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
