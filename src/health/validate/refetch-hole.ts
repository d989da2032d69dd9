import type { Candle } from '../../exchange/candle.js';
import { intervalMs, type Interval } from '../../exchange/intervals.js';
import { chooseKlineLimit } from '../../exchange/kline-weight.js';
import type { CandleStore } from '../../store/candle-store.js';
import { candlesBetween, findHoles } from '../continuity/holes.js';
import type { ContinuityGap } from '../types.js';

export interface KlineRangeSource {
  klines(q: { symbol: string; interval: Interval; startTime: number; endTime: number; limit: number }): Promise<Candle[]>;
}

export interface RefetchOutcome {
  hole: ContinuityGap;
  stored: number;
  /** Still missing after a refetch that succeeded: the exchange has no candles there. */
  exchangeGaps: ContinuityGap[];
  /** Still missing for another reason (the refetch failed, or a candle was rejected). */
  stillOpen: ContinuityGap[];
  error?: string;
}

/** What of `hole` the store still lacks (a hole's candles are few: read whole, on either backend). */
async function missingParts(store: Pick<CandleStore, 'candles'>, hole: ContinuityGap): Promise<ContinuityGap[]> {
  const step = intervalMs(hole.interval);
  const inside = (await store.candles(hole.symbol, hole.interval, hole.fromOpenTime, hole.toOpenTime + 1)).map((c) => c.openTime);
  return findHoles(hole.symbol, hole.interval, [...inside, hole.toOpenTime + step], hole.fromOpenTime - step);
}

/**
 * Refetches exactly the candles of one hole (startTime..endTime, paged at the cheapest weight)
 * and stores them, in market.db or PostgreSQL. Whatever a successful refetch did not return is what the exchange itself
 * lacks; a failed request or a rejected candle confirms nothing, so that part stays open.
 */
export async function refetchHole(
  hole: ContinuityGap, deps: { store: Pick<CandleStore, 'candles' | 'upsertCandles'>; source: KlineRangeSource; serverTime: () => number },
): Promise<RefetchOutcome> {
  const step = intervalMs(hole.interval);
  let stored = 0;
  let rejected = 0;
  let error: string | undefined;
  try {
    let start = hole.fromOpenTime;
    while (start <= hole.toOpenTime) {
      const limit = chooseKlineLimit(candlesBetween(start, hole.toOpenTime, hole.interval));
      const page = await deps.source.klines({ symbol: hole.symbol, interval: hole.interval, startTime: start, endTime: hole.toOpenTime, limit });
      const inRange = page.filter((c) => c.openTime >= start && c.openTime <= hole.toOpenTime);
      if (inRange.length === 0) break;
      const result = await deps.store.upsertCandles(inRange, deps.serverTime());
      stored += result.stored;
      rejected += result.rejected.length;
      start = inRange[inRange.length - 1]!.openTime + step;
      if (page.length < limit) break;
    }
  } catch (e) {
    error = (e as Error).message;
  }
  const missing = await missingParts(deps.store, hole);
  const confirmed = error === undefined && rejected === 0;
  return {
    hole, stored,
    exchangeGaps: confirmed ? missing : [],
    stillOpen: confirmed ? [] : missing,
    ...(error !== undefined ? { error } : rejected > 0 ? { error: `${rejected} refetched candles failed the sanity checks and were not stored` } : {}),
  };
}
