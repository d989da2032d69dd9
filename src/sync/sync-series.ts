import type { Candle } from '../exchange/candle.js';
import { intervalMs, type Interval } from '../exchange/intervals.js';
import { chooseKlineLimit } from '../exchange/kline-weight.js';
import { isClosed } from '../store/candle-rules.js';
import type { CandleStore, RejectedCandle } from '../store/candle-store.js';
import { candlesUntilNow, firstOpenTimeToFetch } from './series-plan.js';

export interface KlineSource {
  klines(q: { symbol: string; interval: Interval; startTime: number; limit: number }): Promise<Candle[]>;
}

export interface SeriesProgress {
  symbol: string;
  interval: Interval;
  pages: number;
  stored: number;
  rejected: RejectedCandle[];
  firstFetched: number | null;
  lastStored: number | null;
}

export interface SeriesJob {
  symbol: string;
  interval: Interval;
  backfillDays: number;
  lookback?: number;
}

/**
 * Brings one series up to the present, one page per request, each page committed before the
 * next is asked for: a killed sync keeps every page it finished and the next run resumes from
 * the newest stored candle.
 */
export async function syncSeries(
  job: SeriesJob,
  deps: { store: Pick<CandleStore, 'lastOpenTime' | 'upsertCandles'>; source: KlineSource; serverNow: () => number; cancelled: () => boolean },
): Promise<SeriesProgress> {
  const { symbol, interval } = job;
  const step = intervalMs(interval);
  const progress: SeriesProgress = { symbol, interval, pages: 0, stored: 0, rejected: [], firstFetched: null, lastStored: null };
  let startTime = firstOpenTimeToFetch({
    interval, lastOpenTime: await deps.store.lastOpenTime(symbol, interval), serverTime: deps.serverNow(),
    backfillDays: job.backfillDays, lookback: job.lookback,
  });
  progress.firstFetched = startTime;

  while (!deps.cancelled()) {
    const wanted = candlesUntilNow(startTime, deps.serverNow(), interval);
    if (wanted <= 0) break;
    const limit = chooseKlineLimit(wanted);
    const page = await deps.source.klines({ symbol, interval, startTime, limit });
    if (deps.cancelled()) break;
    progress.pages++;
    const serverTime = deps.serverNow();
    const result = await deps.store.upsertCandles(page, serverTime);
    progress.stored += result.stored;
    progress.rejected.push(...result.rejected);
    const last = page.at(-1);
    if (!last) break;
    if (result.newestStored !== null) progress.lastStored = result.newestStored;
    // A short page or an open candle means the exchange has nothing newer that is closed.
    if (page.length < limit || !isClosed(last, serverTime)) break;
    startTime = last.openTime + step;
  }
  return progress;
}
