import pLimit from 'p-limit';
import { ConfigError } from '../config/config-error.js';
import type { Interval } from '../exchange/intervals.js';
import type { CandleStore } from '../store/candle-store.js';
import { syncSeries, type KlineSource, type SeriesProgress } from './sync-series.js';

/** The per-job lock of the candle sync in ops.db: restores and compaction pause it by this name. */
export const SYNC_LOCK = 'sync';

export interface ExchangeSymbolInfo {
  symbol: string;
  status: string;
  contractType?: string;
  quoteAsset?: string;
}

export interface SyncExchange extends KlineSource {
  serverTime(): Promise<number>;
  exchangeInfo(): Promise<{ symbols: ExchangeSymbolInfo[] }>;
}

export interface ExchangeCounters {
  requests: number;
  weightUsed: number;
  rateLimited429: number;
  banned418: number;
  retries: Record<string, number>;
}

export interface SyncRequest {
  symbols: readonly string[];
  intervals: readonly Interval[];
  backfillDays: number;
  lookback?: number;
  concurrency: number;
  /** Symbols named by a person: one the exchange does not list is a usage error, not a failure. */
  refuseUnlisted?: boolean;
}

export type SeriesStatus = 'ok' | 'failed' | 'cancelled';

export interface SeriesOutcome {
  symbol: string;
  interval: Interval;
  status: SeriesStatus;
  pages: number;
  stored: number;
  rejected: number;
  /** Newest stored open time after this run, ISO, or null when the series is still empty. */
  newest: string | null;
  error?: string;
}

export interface SyncSummary {
  status: 'success' | 'failed' | 'timeout';
  series: { total: number; ok: number; failed: number; cancelled: number };
  candlesStored: number;
  candlesRejected: number;
  pages: number;
  requests: number;
  weightUsed: number;
  rateLimited429: number;
  banned418: number;
  retries: Record<string, number>;
  durationMs: number;
  failures: { symbol: string; interval: Interval; error: string }[];
  /** Why the whole run stopped early, when not a timeout (its job lock was lost to another host). */
  error?: string;
}

export interface SyncDeps {
  /** market.db or PostgreSQL (src/store/open-candle-store.ts). */
  store: Pick<CandleStore, 'lastOpenTime' | 'upsertCandles'>;
  exchange: SyncExchange;
  counters: () => ExchangeCounters;
  signal?: AbortSignal;
  onSeries?: (outcome: SeriesOutcome) => void;
  onStart?: (totalSeries: number) => void;
}

/** Symbols that the exchange does not list as a trading USDT perpetual. */
export function unlistedSymbols(symbols: readonly string[], listed: readonly ExchangeSymbolInfo[]): string[] {
  const trading = new Set(
    listed.filter((s) => s.status === 'TRADING' && (s.contractType ?? 'PERPETUAL') === 'PERPETUAL').map((s) => s.symbol),
  );
  return symbols.filter((s) => !trading.has(s));
}

function isoOrNull(t: number | null): string | null {
  return t === null ? null : new Date(t).toISOString();
}

function describeRejected(p: SeriesProgress): string {
  const first = p.rejected[0]!;
  const more = p.rejected.length > 1 ? ` (and ${p.rejected.length - 1} more)` : '';
  return `rejected candle at ${new Date(first.candle.openTime).toISOString()}: ${first.reason}${more}`;
}

/**
 * Syncs every (symbol, interval) series with bounded concurrency. A failing series fails alone;
 * the summary names it and why, and the next run picks up where this one stopped.
 */
export async function runSync(request: SyncRequest, deps: SyncDeps): Promise<SyncSummary> {
  const started = Date.now();
  const serverTime = await deps.exchange.serverTime();
  const offset = serverTime - Date.now();
  const serverNow = () => Date.now() + offset;

  const { symbols: listed } = await deps.exchange.exchangeInfo();
  const unlisted = new Set(unlistedSymbols(request.symbols, listed));
  if (request.refuseUnlisted && unlisted.size > 0) {
    const names = [...unlisted];
    throw new ConfigError(`--symbols: ${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} not listed on the exchange as a trading USDT perpetual`);
  }

  const outcomes: SeriesOutcome[] = [];
  const cancelled = () => deps.signal?.aborted ?? false;
  const limit = pLimit(request.concurrency);
  const jobs = request.symbols.flatMap((symbol) => request.intervals.map((interval) => ({ symbol, interval })));
  deps.onStart?.(jobs.length);

  const newestOf = async (symbol: string, interval: Interval): Promise<string | null> => isoOrNull(await deps.store.lastOpenTime(symbol, interval));
  let reported = false;
  const finish = (outcome: SeriesOutcome) => {
    // A page still in flight when the timeout struck may end after the summary: not counted.
    if (reported) return;
    outcomes.push(outcome);
    deps.onSeries?.(outcome);
  };

  const work = jobs.map(({ symbol, interval }) => limit(async () => {
    const base = { symbol, interval, pages: 0, stored: 0, rejected: 0 };
    if (cancelled()) {
      finish({ ...base, status: 'cancelled', newest: await newestOf(symbol, interval) });
      return;
    }
    if (unlisted.has(symbol)) {
      finish({ ...base, status: 'failed', newest: await newestOf(symbol, interval), error: `${symbol} is not listed on the exchange as a trading USDT perpetual` });
      return;
    }
    try {
      const p = await syncSeries(
        { symbol, interval, backfillDays: request.backfillDays, lookback: request.lookback },
        { store: deps.store, source: deps.exchange, serverNow, cancelled },
      );
      const newest = await newestOf(symbol, interval);
      const counts = { symbol, interval, pages: p.pages, stored: p.stored, rejected: p.rejected.length, newest };
      if (p.rejected.length > 0) finish({ ...counts, status: 'failed', error: describeRejected(p) });
      else finish({ ...counts, status: cancelled() ? 'cancelled' : 'ok' });
    } catch (error) {
      finish({ ...base, status: cancelled() ? 'cancelled' : 'failed', newest: await newestOf(symbol, interval).catch(() => null), error: (error as Error).message });
    }
  }));

  // On timeout the summary is due now: pages still in flight are whole transactions or nothing.
  const aborted = new Promise<void>((resolve) => {
    if (deps.signal?.aborted) resolve();
    deps.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await Promise.race([Promise.all(work), aborted]);
  limit.clearQueue();
  if (cancelled()) {
    const done = new Set(outcomes.map((o) => `${o.symbol}/${o.interval}`));
    for (const { symbol, interval } of jobs) {
      if (done.has(`${symbol}/${interval}`)) continue;
      const newest = await newestOf(symbol, interval).catch(() => null);
      // A series in flight may have finished while the store answered (PostgreSQL answers later).
      if (outcomes.some((o) => o.symbol === symbol && o.interval === interval)) continue;
      finish({ symbol, interval, status: 'cancelled', pages: 0, stored: 0, rejected: 0, newest });
    }
  }

  reported = true;
  const failed = outcomes.filter((o) => o.status === 'failed');
  const c = deps.counters();
  return {
    status: cancelled() ? 'timeout' : failed.length > 0 ? 'failed' : 'success',
    series: {
      total: jobs.length,
      ok: outcomes.filter((o) => o.status === 'ok').length,
      failed: failed.length,
      cancelled: outcomes.filter((o) => o.status === 'cancelled').length,
    },
    candlesStored: outcomes.reduce((n, o) => n + o.stored, 0),
    candlesRejected: outcomes.reduce((n, o) => n + o.rejected, 0),
    pages: outcomes.reduce((n, o) => n + o.pages, 0),
    requests: c.requests,
    weightUsed: c.weightUsed,
    rateLimited429: c.rateLimited429,
    banned418: c.banned418,
    retries: c.retries,
    durationMs: Date.now() - started,
    failures: failed.map((o) => ({ symbol: o.symbol, interval: o.interval, error: o.error ?? 'unknown error' })),
  };
}
