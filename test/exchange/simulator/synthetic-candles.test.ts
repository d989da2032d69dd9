import { describe, expect, it } from 'vitest';
import { rowToCandle } from '../../../src/exchange/candle.js';
import { INTERVAL_MS, type Interval } from '../../../src/exchange/intervals.js';
import {
  DEFAULT_SYMBOLS, resolveSymbols, syntheticCandle, syntheticCandleAt, syntheticRow, syntheticRowJson,
} from '../../../src/exchange/simulator/index.js';

const START = Date.UTC(2021, 4, 1);
const DECIMAL = /^\d+(\.\d+)?$/;

describe('syntheticCandle', () => {
  const symbols = ['BTCUSDT', 'DOGEUSDT', 'SHIBUSDT', '1INCHUSDT', 'SIM061USDT', 'ZZZUSDT'];
  const intervals: Interval[] = ['1m', '15m', '1h', '4h', '1d'];

  it('keeps OHLC sane, volumes consistent and candles contiguous over thousands of candles', () => {
    let checked = 0;
    for (const symbol of symbols) {
      for (const interval of intervals) {
        const ms = INTERVAL_MS[interval];
        let prevClose: number | undefined;
        for (let i = 0; i < 1000; i++) {
          const openTime = START + i * ms;
          const c = syntheticCandle(symbol, interval, openTime);
          const bad = [
            c.openTime % ms !== 0 && 'openTime off grid',
            c.closeTime !== openTime + ms - 1 && 'closeTime',
            !(c.low > 0) && 'low <= 0',
            !(c.low <= Math.min(c.open, c.close)) && 'low above body',
            !(c.high >= Math.max(c.open, c.close)) && 'high below body',
            !(c.volume >= 0) && 'negative volume',
            !(c.takerBuyBase >= 0 && c.takerBuyBase <= c.volume) && 'takerBuyBase',
            !(c.takerBuyQuote >= 0 && c.takerBuyQuote <= c.quoteVolume) && 'takerBuyQuote',
            !(Number.isInteger(c.trades) && c.trades > 0 === c.volume > 0) && 'trades',
            prevClose !== undefined && c.open !== prevClose && 'open is not the previous close',
          ].filter(Boolean);
          if (bad.length > 0) expect.fail(`${symbol} ${interval} ${openTime}: ${bad.join(', ')} in ${JSON.stringify(c)}`);
          prevClose = c.close;
          checked++;
        }
      }
    }
    expect(checked).toBe(30_000);
  });

  it('is a pure function of symbol, interval and open time', () => {
    const t = START + 12_344 * INTERVAL_MS['15m'];
    expect(syntheticCandle('ETHUSDT', '15m', t)).toEqual(syntheticCandle('ETHUSDT', '15m', t));
    // Computed out of order, the same candle comes out.
    const later = syntheticCandle('ETHUSDT', '15m', t + 1_000 * INTERVAL_MS['15m']);
    expect(syntheticCandle('ETHUSDT', '15m', t + 1_000 * INTERVAL_MS['15m'])).toEqual(later);
    expect(syntheticCandle('SOLUSDT', '15m', t).close).not.toBe(syntheticCandle('ETHUSDT', '15m', t).close);
    expect(syntheticCandle('ETHUSDT', '1h', t).close).not.toBe(syntheticCandle('ETHUSDT', '15m', t).close);
  });

  it('serialises decimals as plain strings that parse back to the candle', () => {
    for (const symbol of symbols) {
      for (let i = 0; i < 200; i++) {
        const openTime = START + i * HOUR_MS;
        const row = syntheticRow(symbol, '1h', openTime);
        expect(row).toHaveLength(12);
        for (const i of [1, 2, 3, 4, 5, 7, 9, 10, 11]) expect(row[i]).toMatch(DECIMAL);
        expect(rowToCandle(symbol, '1h', row)).toEqual(syntheticCandle(symbol, '1h', openTime));
        expect(JSON.parse(syntheticRowJson(symbol, '1h', openTime))).toEqual(row);
      }
    }
  });

  it('uses a tick that fits the price level', () => {
    const btc = syntheticRow('BTCUSDT', '1h', START);
    expect(btc[1].split('.')[1]).toHaveLength(2);
    const doge = syntheticRow('DOGEUSDT', '1h', START);
    expect(doge[1].split('.')[1]!.length).toBeGreaterThanOrEqual(5);
  });

  it('rejects open times off the interval grid', () => {
    expect(() => syntheticCandle('BTCUSDT', '1h', START + 1)).toThrow(/grid/);
  });

  it('shows the open candle partially filled, converging to the closed one', () => {
    const ms = INTERVAL_MS['4h'];
    const full = syntheticCandle('BTCUSDT', '4h', START);
    const early = syntheticCandleAt('BTCUSDT', '4h', START, START + ms / 10);
    expect(early.open).toBe(full.open);
    expect(early.volume).toBeLessThan(full.volume);
    expect(early.low).toBeLessThanOrEqual(Math.min(early.open, early.close));
    expect(early.high).toBeGreaterThanOrEqual(Math.max(early.open, early.close));
    expect(early.takerBuyBase).toBeLessThanOrEqual(early.volume);
    expect(syntheticCandleAt('BTCUSDT', '4h', START, START + ms)).toEqual(full);
  });
});

const HOUR_MS = INTERVAL_MS['1h'];

describe('symbols', () => {
  it('lists the 60 default symbols, then generated ones', () => {
    expect(DEFAULT_SYMBOLS).toHaveLength(60);
    expect(new Set(DEFAULT_SYMBOLS).size).toBe(60);
    expect(DEFAULT_SYMBOLS[0]).toBe('BTCUSDT');
    expect(DEFAULT_SYMBOLS[59]).toBe('IMXUSDT');
    expect(resolveSymbols(3)).toEqual(['BTCUSDT', 'ETHUSDT', 'BNBUSDT']);
    const many = resolveSymbols(62);
    expect(many.slice(60)).toEqual(['SIM061USDT', 'SIM062USDT']);
    expect(resolveSymbols(undefined)).toHaveLength(60);
    expect(resolveSymbols(['ETHUSDT', 'BTCUSDT'])).toEqual(['ETHUSDT', 'BTCUSDT']);
    expect(() => resolveSymbols(['btcusdt'])).toThrow(/BTCUSDT/);
  });
});
