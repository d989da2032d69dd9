import type { Interval } from './intervals.js';

/** One closed (or, straight from the exchange, possibly still open) futures candle. */
export interface Candle {
  symbol: string;
  interval: Interval;
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  closeTime: number;
  quoteVolume: number;
  trades: number;
  takerBuyBase: number;
  takerBuyQuote: number;
}

/**
 * Binance's 12-field kline row: open time, open, high, low, close, volume, close time, quote
 * volume, trades, taker buy base, taker buy quote, ignore. Decimals come as strings.
 */
export type KlineRow = [
  number, string, string, string, string, string, number, string, number, string, string, string,
];

export function candleToRow(c: Candle): KlineRow {
  return [
    c.openTime, String(c.open), String(c.high), String(c.low), String(c.close), String(c.volume),
    c.closeTime, String(c.quoteVolume), c.trades, String(c.takerBuyBase), String(c.takerBuyQuote), '0',
  ];
}

export class MalformedRowError extends Error {}

/** Parses one kline row; throws MalformedRowError when the row is not a 12-field kline. */
export function rowToCandle(symbol: string, interval: Interval, row: unknown): Candle {
  if (!Array.isArray(row) || row.length < 11) {
    throw new MalformedRowError(`kline row for ${symbol} ${interval} is not a 12-field array: ${JSON.stringify(row)?.slice(0, 120)}`);
  }
  const num = (i: number): number => {
    const v = Number(row[i]);
    if (!Number.isFinite(v)) {
      throw new MalformedRowError(`kline row for ${symbol} ${interval} has a non-numeric field ${i}: ${JSON.stringify(row[i])}`);
    }
    return v;
  };
  return {
    symbol, interval,
    openTime: num(0), open: num(1), high: num(2), low: num(3), close: num(4), volume: num(5),
    closeTime: num(6), quoteVolume: num(7), trades: num(8), takerBuyBase: num(9), takerBuyQuote: num(10),
  };
}
