import type { Candle } from '../exchange/candle.js';
import { intervalMs } from '../exchange/intervals.js';

/** Why a candle must not be stored, or null when it is sane. */
export function candleDefect(c: Candle): string | null {
  const step = intervalMs(c.interval);
  const fields = [c.open, c.high, c.low, c.close, c.volume, c.quoteVolume, c.trades, c.takerBuyBase, c.takerBuyQuote];
  if (!fields.every(Number.isFinite)) return 'a field is not a finite number';
  if (c.openTime % step !== 0) return `open time ${c.openTime} is not on the ${c.interval} grid`;
  if (c.closeTime !== c.openTime + step - 1) return `close time ${c.closeTime} is not open time + ${c.interval} - 1 (${c.openTime + step - 1})`;
  if (c.open <= 0 || c.close <= 0 || c.low <= 0) return 'a price is not positive';
  if (c.high < Math.max(c.open, c.close)) return `high ${c.high} is below open/close`;
  if (c.low > Math.min(c.open, c.close)) return `low ${c.low} is above open/close`;
  if (c.volume < 0 || c.quoteVolume < 0 || c.takerBuyBase < 0 || c.takerBuyQuote < 0) return 'a volume is negative';
  if (c.trades < 0 || !Number.isInteger(c.trades)) return `trades ${c.trades} is not a whole number >= 0`;
  return null;
}

/** Binance returns the still-open candle last; only candles closed before server time are kept. */
export function isClosed(c: Candle, serverTime: number): boolean {
  return c.closeTime < serverTime;
}
