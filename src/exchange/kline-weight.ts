/**
 * Request weight of `GET /fapi/v1/klines` and the cheapest `limit` for a given number of candles.
 * Pure: no I/O.
 */

/** What the exchange uses when `limit` is left out. */
export const KLINE_LIMIT_DEFAULT = 500;
/** The exchange rejects anything above this. */
export const KLINE_LIMIT_MAX = 1500;
/** The largest limit that still costs weight 1: a small (e.g. daily) increment fits in it. */
export const KLINE_LIMIT_SMALL = 99;
/** The largest limit at weight 2: the cheapest weight per candle of all limits (2/499). */
export const KLINE_LIMIT_BULK = 499;

/** Weight of one klines request by its `limit`: 1 below 100, 2 below 500, 5 up to 1000, 10 above. */
export function klineWeight(limit: number = KLINE_LIMIT_DEFAULT): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > KLINE_LIMIT_MAX) {
    throw new RangeError(`klines limit must be an integer from 1 to ${KLINE_LIMIT_MAX}, got ${limit}`);
  }
  if (limit < 100) return 1;
  if (limit < 500) return 2;
  if (limit <= 1000) return 5;
  return 10;
}

/**
 * The `limit` that fetches `candlesWanted` rows at the lowest weight per candle. The caller counts
 * the still-open candle the exchange returns last, since it occupies a row of the limit too.
 * Up to 99 rows cost weight 1 in one request; beyond that 499 per request (weight 2) is cheaper
 * per candle than any larger limit, so a backfill pages with 499.
 */
export function chooseKlineLimit(candlesWanted: number): number {
  if (!Number.isFinite(candlesWanted) || candlesWanted <= 1) return 1;
  const wanted = Math.ceil(candlesWanted);
  return wanted <= KLINE_LIMIT_SMALL ? wanted : KLINE_LIMIT_BULK;
}
