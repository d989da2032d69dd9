/**
 * Which pages to ask `/futures/data` for: pure. Binance keeps 30 days of these statistics, takes
 * at most 500 points a request, and treats startTime and endTime as inclusive; pages are laid on
 * the period grid so that consecutive pages neither overlap nor leave a point out.
 */

export const DAY_MS = 86_400_000;
export const FUTURES_DATA_HISTORY_DAYS = 30;
export const FUTURES_DATA_LIMIT = 500;

export const PERIOD_MS: Readonly<Record<string, number>> = {
  '5m': 300_000, '15m': 900_000, '30m': 1_800_000, '1h': 3_600_000, '2h': 7_200_000, '4h': 14_400_000,
  '6h': 21_600_000, '12h': 43_200_000, '1d': DAY_MS,
};

export interface Page {
  startTime: number;
  /** Inclusive, on the grid: exactly `limit` points at most. */
  endTime: number;
}

export interface FuturesDataPlan {
  pages: Page[];
  /** Points missed longer ago than Binance keeps: they cannot be fetched any more. */
  unrecoverable: { from: number; to: number; points: number } | null;
}

export function periodMs(period: string): number {
  const ms = PERIOD_MS[period];
  if (ms === undefined) throw new RangeError(`unknown period ${JSON.stringify(period)}: expected one of ${Object.keys(PERIOD_MS).join(', ')}`);
  return ms;
}

/**
 * Pages from the point after the newest stored one (or the backfill start) up to the newest
 * point at `now`. The oldest point planned is one period inside the 30 days, so a page sent a
 * moment later does not ask for a point that has just aged out.
 */
export function planFuturesData(lastTs: number | null, now: number, period: string, backfillDays: number, limit = FUTURES_DATA_LIMIT): FuturesDataPlan {
  const p = periodMs(period);
  const earliest = Math.ceil((now - FUTURES_DATA_HISTORY_DAYS * DAY_MS) / p) * p + p;
  const newest = Math.floor(now / p) * p;
  let start = lastTs === null ? Math.ceil((now - backfillDays * DAY_MS) / p) * p : lastTs + p;
  let unrecoverable: FuturesDataPlan['unrecoverable'] = null;
  if (start < earliest) {
    if (lastTs !== null) unrecoverable = { from: start, to: earliest - p, points: (earliest - start) / p };
    start = earliest;
  }
  const pages: Page[] = [];
  for (let s = start; s <= newest; s += limit * p) pages.push({ startTime: s, endTime: Math.min(s + (limit - 1) * p, newest) });
  return { pages, unrecoverable };
}

/** Days (00:00 UTC, epoch ms) missing between the first and last of `days`. */
export function missingDays(days: readonly number[]): number[] {
  if (days.length === 0) return [];
  const set = new Set(days);
  const lo = Math.min(...days);
  const hi = Math.max(...days);
  const out: number[] = [];
  for (let d = lo; d <= hi; d += DAY_MS) if (!set.has(d)) out.push(d);
  return out;
}
