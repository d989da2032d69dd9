import path from 'node:path';
import Database from '../../src/store/sqlite-driver.js';
import { describe, expect, it } from 'vitest';
import { SentimentStore } from '../../src/sentiment/sentiment-store.js';
import { MARKET_SCHEMA_VERSION, MarketStore } from '../../src/store/market-db.js';
import { tempDir } from '../helpers/temp-dir.js';

const H = 3_600_000;

describe('market.db v3: the sentiment tables', () => {
  it('migrates a v2 store in place: candles kept, tables and the sentimento_mercado view added', () => {
    const dir = tempDir();
    const file = path.join(dir, 'market.db');
    MarketStore.open(dir).close();
    // Back to what a v2 store looks like, with a candle in it.
    const raw = new Database(file);
    for (const t of ['funding_rates', 'open_interest', 'long_short_ratios', 'taker_volume', 'premium_index', 'fear_greed', 'fred_series', 'fred_observations']) raw.exec(`DROP TABLE ${t}`);
    raw.exec('DROP VIEW sentimento_mercado');
    raw.prepare(`INSERT INTO candles VALUES ('BTCUSDT', '1h', 0, 1, 2, 0.5, 1.5, 10, ${H - 1}, 15, 3, 5, 7)`).run();
    raw.pragma('user_version = 2');
    raw.close();

    const store = SentimentStore.open(dir);
    try {
      expect(MARKET_SCHEMA_VERSION).toBe(3);
      expect(store.db.pragma('user_version', { simple: true })).toBe(3);
      expect(store.db.prepare('SELECT count(*) FROM candles').pluck().get()).toBe(1);
      expect(Object.values(store.rowCounts()).every((n) => n === 0)).toBe(true);
      expect(store.db.prepare('SELECT * FROM sentimento_mercado').all()).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('stores funding under its rounded time, one row per settlement even when sent twice', () => {
    const store = SentimentStore.open(tempDir());
    try {
      const t = Date.UTC(2026, 0, 1, 8);
      expect(store.upsertFunding([
        { symbol: 'BTCUSDT', fundingTimeRaw: t - 8 * H + 3, fundingRate: 0.0001, markPrice: null },
        { symbol: 'BTCUSDT', fundingTimeRaw: t + 7, fundingRate: 0.0002, markPrice: 95_000 },
        { symbol: 'BTCUSDT', fundingTimeRaw: t + 9, fundingRate: 0.0002, markPrice: 95_000 },
      ])).toBe(2);
      expect(store.funding('BTCUSDT')).toEqual([
        { symbol: 'BTCUSDT', fundingTime: t - 8 * H, fundingTimeRaw: t - 8 * H + 3, fundingRate: 0.0001, markPrice: null, intervalMs: null },
        { symbol: 'BTCUSDT', fundingTime: t, fundingTimeRaw: t + 7, fundingRate: 0.0002, markPrice: 95_000, intervalMs: 8 * H },
      ]);
      // The next page's first row learns its interval from the stored one before it.
      store.upsertFunding([{ symbol: 'BTCUSDT', fundingTimeRaw: t + 4 * H + 1, fundingRate: 0.0003, markPrice: 95_100 }]);
      expect(store.fundingLatest()).toEqual([{ symbol: 'BTCUSDT', fundingTime: t + 4 * H, intervalMs: 4 * H }]);
    } finally {
      store.close();
    }
  });
});
