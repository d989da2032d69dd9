/**
 * Binance kline intervals with a fixed length. Weekly and monthly candles are left out on
 * purpose: their open times do not sit on a fixed grid, so grid checks would be wrong for them.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const INTERVAL_MS = {
  '1m': MINUTE,
  '3m': 3 * MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': HOUR,
  '2h': 2 * HOUR,
  '4h': 4 * HOUR,
  '6h': 6 * HOUR,
  '8h': 8 * HOUR,
  '12h': 12 * HOUR,
  '1d': DAY,
} as const;

export type Interval = keyof typeof INTERVAL_MS;

export const INTERVALS = Object.keys(INTERVAL_MS) as Interval[];

export function isInterval(value: string): value is Interval {
  return Object.hasOwn(INTERVAL_MS, value);
}

export function intervalMs(interval: Interval): number {
  return INTERVAL_MS[interval];
}

/** The open time of the candle that contains `time`. */
export function floorToInterval(time: number, interval: Interval): number {
  const step = INTERVAL_MS[interval];
  return Math.floor(time / step) * step;
}
