import { describe, expect, it } from 'vitest';
import { ContinuityStore } from '../../src/health/continuity/continuity-store.js';
import { scanContinuity } from '../../src/health/continuity/scan.js';
import { MarketStore } from '../../src/store/market-db.js';
import { tempDir } from '../helpers/temp-dir.js';
import { candle, HOUR, writeSeries } from './helpers.js';

const T0 = Date.UTC(2026, 9, 1);
const h = (n: number) => T0 + n * HOUR;
const BTC = [{ symbol: 'BTCUSDT', interval: '1h' as const }];

function storeWith(hours: number, skip: (n: number) => boolean = () => false): MarketStore {
  const store = MarketStore.open(tempDir());
  writeSeries(store, 'BTCUSDT', '1h', h(0), h(hours - 1), (t) => skip((t - T0) / HOUR));
  return store;
}

describe('the incremental continuity scan', () => {
  it('reads only what came after its checkpoint, and finds a hole across the boundary', () => {
    const store = storeWith(100, (n) => n === 40);
    const holes = () => new ContinuityStore(store.db).holes().map((x) => [(x.fromOpenTime - T0) / HOUR, x.missing]);
    expect(scanContinuity(store.db, { series: BTC, full: false, now: T0 })).toEqual({ series: 1, scannedCandles: 99, pendingSeries: [] });
    expect(holes()).toEqual([[40, 1]]);
    expect(scanContinuity(store.db, { series: BTC, full: false, now: T0 }).scannedCandles).toBe(0);
    // Three new hours arrive after a 4-hour hole (100..103): only they are read.
    writeSeries(store, 'BTCUSDT', '1h', h(104), h(106));
    expect(scanContinuity(store.db, { series: BTC, full: false, now: T0 }).scannedCandles).toBe(3);
    expect(holes()).toEqual([[40, 1], [100, 4]]);
    store.close();
  });

  it('drops a recorded hole once it is filled, and keeps the part still missing', () => {
    const store = storeWith(50, (n) => n >= 10 && n < 15);
    scanContinuity(store.db, { series: BTC, full: false, now: T0 });
    store.upsertCandles([candle('BTCUSDT', '1h', h(10)), candle('BTCUSDT', '1h', h(11)), candle('BTCUSDT', '1h', h(13))], Number.MAX_SAFE_INTEGER);
    expect(scanContinuity(store.db, { series: BTC, full: false, now: T0 }).scannedCandles).toBe(0);
    expect(new ContinuityStore(store.db).holes().map((x) => [(x.fromOpenTime - T0) / HOUR, x.missing])).toEqual([[12, 1], [14, 1]]);
    store.upsertCandles([candle('BTCUSDT', '1h', h(12)), candle('BTCUSDT', '1h', h(14))], Number.MAX_SAFE_INTEGER);
    scanContinuity(store.db, { series: BTC, full: false, now: T0 });
    expect(new ContinuityStore(store.db).holes()).toEqual([]);
    store.close();
  });

  it('spreads a long first scan over several checks within its budget, the series pending meanwhile', () => {
    const store = storeWith(1000, (n) => n >= 900 && n < 905);
    const first = scanContinuity(store.db, { series: BTC, full: false, budgetRows: 400, now: T0 });
    expect(first).toEqual({ series: 1, scannedCandles: 400, pendingSeries: ['BTCUSDT 1h'] });
    expect(scanContinuity(store.db, { series: BTC, full: false, budgetRows: 400, now: T0 }).pendingSeries).toEqual(['BTCUSDT 1h']);
    const third = scanContinuity(store.db, { series: BTC, full: false, budgetRows: 400, now: T0 });
    expect(third).toEqual({ series: 1, scannedCandles: 195, pendingSeries: [] });
    expect(new ContinuityStore(store.db).holes().map((x) => x.missing)).toEqual([5]);
    store.close();
  });

  it('sees everything again in full mode, including what changed behind the checkpoint', () => {
    const store = storeWith(100);
    scanContinuity(store.db, { series: BTC, full: false, now: T0 });
    store.db.prepare('DELETE FROM candles WHERE symbol = ? AND interval = ? AND open_time BETWEEN ? AND ?').run('BTCUSDT', '1h', h(20), h(22));
    expect(scanContinuity(store.db, { series: BTC, full: false, now: T0 }).scannedCandles).toBe(0);
    expect(new ContinuityStore(store.db).holes()).toEqual([]);
    expect(scanContinuity(store.db, { series: BTC, full: true, now: T0 }).scannedCandles).toBe(97);
    expect(new ContinuityStore(store.db).holes().map((x) => [(x.fromOpenTime - T0) / HOUR, x.missing])).toEqual([[20, 3]]);
    store.close();
  });
});
