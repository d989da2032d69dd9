import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candle } from '../../../src/exchange/candle.js';
import { syntheticCandle } from '../../../src/exchange/simulator/index.js';
import { MarketStore } from '../../../src/store/market-db.js';
import { PgMarketStore, UPSERT_CHUNK } from '../../../src/store/postgres/market-store.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from '../../helpers/postgres.js';
import { tempDir } from '../../helpers/temp-dir.js';

const H = 3_600_000;
function candle(i: number, patch: Partial<Candle> = {}): Candle {
  return {
    symbol: 'ETHUSDT', interval: '1h', openTime: i * H, open: 10, high: 12, low: 9, close: 11, volume: 5,
    closeTime: (i + 1) * H - 1, quoteVolume: 50, trades: 7, takerBuyBase: 2, takerBuyQuote: 20, ...patch,
  };
}

describe.skipIf(pgMissing)(`PgMarketStore${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshPgDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('answers as MarketStore does: open candles dropped, insane ones rejected with the reason, re-stores overwrite', async () => {
    const pg = await PgMarketStore.open(db.url, { poolSize: 2 });
    const lite = MarketStore.open(tempDir());
    try {
      const serverTime = 3 * H + 10;
      const page = [candle(0), candle(1), candle(2, { high: 1 }), candle(3)];
      const fix = [candle(0, { close: 11.5, high: 12 })];
      expect(await pg.upsertCandles(page, serverTime)).toEqual(lite.upsertCandles(page, serverTime));
      expect(await pg.upsertCandles(fix, serverTime)).toEqual(lite.upsertCandles(fix, serverTime));
      const stored = await pg.candles('ETHUSDT', '1h');
      expect(stored.map((c) => c.openTime)).toEqual([0, H]);
      expect(stored[0]!.close).toBe(11.5);
      expect(stored).toEqual(lite.candles('ETHUSDT', '1h'));
      expect(await pg.lastOpenTime('ETHUSDT', '1h')).toBe(H);
      expect(await pg.lastOpenTime('ETHUSDT', '4h')).toBeNull();
      expect(await pg.deleteCandlesFrom('ETHUSDT', '1h', H)).toBe(1);
      expect(await pg.lastOpenTime('ETHUSDT', '1h')).toBe(0);
    } finally {
      await pg.close();
      lite.close();
    }
  });

  it('stores pages longer than a chunk, and a page that repeats a candle, whole', async () => {
    const pg = await PgMarketStore.open(db.url, { poolSize: 2 });
    try {
      const n = UPSERT_CHUNK + 500;
      const page = Array.from({ length: n }, (_, i) => syntheticCandle('SOLUSDT', '15m', i * 900_000));
      const repeated = [...page.slice(0, 3), { ...page[1]!, close: page[1]!.close }];
      const result = await pg.upsertCandles(page, Number.MAX_SAFE_INTEGER);
      expect(result.stored).toBe(n);
      expect((await pg.upsertCandles(repeated, Number.MAX_SAFE_INTEGER)).stored).toBe(4);
      expect(await pg.candles('SOLUSDT', '15m')).toEqual(page);
    } finally {
      await pg.close();
    }
  });

  it('lists series extents in the order SQLite does', async () => {
    const fresh = await freshPgDatabase();
    const pg = await PgMarketStore.open(fresh.url, { poolSize: 2 });
    const lite = MarketStore.open(tempDir());
    try {
      for (const [symbol, interval, n] of [['ETHUSDT', '1h', 5], ['ETHUSDT', '15m', 3], ['ETH', '1d', 1], ['BTCUSDT', '4h', 4], ['1000PEPEUSDT', '1h', 2], ['btcusdt', '1h', 1]] as const) {
        const page = Array.from({ length: n }, (_, i) => syntheticCandle(symbol, interval, (i + 1) * 24 * H));
        await pg.upsertCandles(page, Number.MAX_SAFE_INTEGER);
        lite.upsertCandles(page, Number.MAX_SAFE_INTEGER);
      }
      const extents = await pg.seriesExtents();
      expect(extents).toHaveLength(6);
      expect(extents).toEqual(lite.seriesExtents());
    } finally {
      await pg.close();
      lite.close();
      await fresh.drop();
    }
  });

  it('names the server without its password when it cannot reach it', async () => {
    await expect(PgMarketStore.open('postgresql://cfa:hunter2secret@127.0.0.1:1/cfa')).rejects.toThrow(/cannot reach PostgreSQL at postgresql:\/\/cfa:••••••@127\.0\.0\.1:1\/cfa/);
    await PgMarketStore.open('postgresql://cfa:hunter2secret@127.0.0.1:1/cfa').catch((e: Error) => expect(e.message).not.toContain('hunter2secret'));
  });
});
