import pLimit from 'p-limit';
import type { BinanceClient } from '../exchange/binance-client.js';
import { BadDataError } from '../exchange/exchange-errors.js';
import type { WeightLimiter } from '../exchange/weight-limiter.js';
import type { FundingRow, FuturesDataSource, FuturesDataRows, PremiumRow, SentimentJobStore } from './sentiment-job-store.js';
import { DAY_MS, FUTURES_DATA_LIMIT, planFuturesData, type Page } from './windows.js';
import { emptyResult, finish, num, type SourceResult } from './source-result.js';

/**
 * Binance USD-M sentiment: funding rate history, open interest, the three long/short ratios,
 * taker volume (the `/futures/data` statistics) and the premium index snapshot. Every request
 * goes through the client of src/exchange (weight limiter, 429/418 handling, retry policy); the
 * funding and `/futures/data` endpoints are also held to their own requests per 5 minutes.
 * Each series is written in its own transaction (one store call) once fully fetched.
 */

export const FUNDING_LIMIT = 1000;

export interface BinanceSentimentOptions {
  symbols: readonly string[];
  period: string;
  backfillDays: number;
  fundingBackfillDays: number;
  concurrency: number;
}

export interface BinanceSentimentDeps {
  client: BinanceClient;
  /** Our share of 500 funding requests per 5 minutes. */
  fundingQuota: WeightLimiter;
  /** Our share of 1000 `/futures/data` requests per 5 minutes. */
  dataQuota: WeightLimiter;
  store: SentimentJobStore;
  signal?: AbortSignal;
  onSeries?(e: { series: string; stored: number; error?: string }): void;
}

type DataSource = FuturesDataSource;

const DATA_PATHS: Record<DataSource, string> = {
  open_interest: '/futures/data/openInterestHist',
  global_account: '/futures/data/globalLongShortAccountRatio',
  top_account: '/futures/data/topLongShortAccountRatio',
  top_position: '/futures/data/topLongShortPositionRatio',
  taker_volume: '/futures/data/takerlongshortRatio',
};

export const DATA_SOURCES = Object.keys(DATA_PATHS) as DataSource[];

function field(row: unknown, name: string, url: string): number {
  const value = num((row as Record<string, unknown> | null)?.[name]);
  if (value === undefined) throw new BadDataError({ url, detail: `field ${name} is not a number in ${JSON.stringify(row).slice(0, 120)}` });
  return value;
}

function rows(body: unknown, url: string): unknown[] {
  if (!Array.isArray(body)) throw new BadDataError({ url, detail: `expected an array, got ${JSON.stringify(body).slice(0, 120)}` });
  return body;
}

export async function fetchBinanceSentiment(options: BinanceSentimentOptions, deps: BinanceSentimentDeps): Promise<SourceResult> {
  const { client, store } = deps;
  const result = emptyResult('binance');
  const before = client.stats().requests;
  const now = await client.serverTime();
  const limit = pLimit(options.concurrency);
  let items = 0;

  const series = async (name: string, work: () => Promise<number>): Promise<void> => {
    items++;
    if (deps.signal?.aborted) {
      result.failures.push({ item: name, error: 'cancelled' });
      return;
    }
    try {
      const stored = await work();
      result.stored += stored;
      deps.onSeries?.({ series: name, stored });
    } catch (error) {
      const message = (error as Error).message;
      result.failures.push({ item: name, error: message });
      deps.onSeries?.({ series: name, stored: 0, error: message });
    }
  };

  const funding = async (symbol: string): Promise<number> => {
    const last = await store.lastFundingRaw(symbol);
    let start = last === null ? now - options.fundingBackfillDays * DAY_MS : last + 1;
    const got: FundingRow[] = [];
    for (;;) {
      const page = await client.getJson(
        { path: '/fapi/v1/fundingRate', params: { symbol, startTime: start, limit: FUNDING_LIMIT }, weight: 1, quotas: [deps.fundingQuota], symbol },
        (body, url) => rows(body, url).map((r): FundingRow => ({
          symbol,
          fundingTimeRaw: field(r, 'fundingTime', url),
          fundingRate: field(r, 'fundingRate', url),
          markPrice: num((r as Record<string, unknown>).markPrice) ?? null,
        })),
      );
      got.push(...page);
      if (page.length < FUNDING_LIMIT) break;
      start = Math.max(...page.map((r) => r.fundingTimeRaw)) + 1;
    }
    return got.length === 0 ? 0 : store.storeFunding(got);
  };

  const data = async (symbol: string, source: DataSource): Promise<number> => {
    const plan = planFuturesData(await store.lastFuturesDataTs(source, symbol, options.period), now, options.period, options.backfillDays);
    if (plan.unrecoverable) {
      const u = plan.unrecoverable;
      result.notes.push(`${symbol} ${source} ${options.period}: ${u.points} points from ${iso(u.from)} to ${iso(u.to)} are older than the 30 days Binance keeps and cannot be recovered`);
    }
    const fetched: unknown[][] = [];
    let url = '';
    for (const page of plan.pages) {
      fetched.push(await fetchPage(symbol, source, page, (u) => { url = u; }));
    }
    const all = fetched.flat();
    if (all.length === 0) return 0;
    const p = options.period;
    return store.storeFuturesData(futuresDataRows(symbol, source, p, all, url));
  };

  const fetchPage = (symbol: string, source: DataSource, page: Page, seen: (url: string) => void): Promise<unknown[]> =>
    client.getJson(
      {
        path: DATA_PATHS[source],
        params: { symbol, period: options.period, startTime: page.startTime, endTime: page.endTime, limit: FUTURES_DATA_LIMIT },
        weight: 0, quotas: [deps.dataQuota], symbol,
      },
      (body, url) => {
        seen(url);
        return rows(body, url);
      },
    );

  const jobs: Promise<void>[] = [];
  for (const symbol of options.symbols) {
    jobs.push(limit(() => series(`${symbol} funding`, () => funding(symbol))));
    for (const source of DATA_SOURCES) jobs.push(limit(() => series(`${symbol} ${source}`, () => data(symbol, source))));
  }
  jobs.push(limit(() => series('premium_index', async () => {
    const wanted = new Set(options.symbols);
    const snapshot = await client.getJson({ path: '/fapi/v1/premiumIndex', params: {}, weight: 10 }, (body, url) =>
      rows(body, url).filter((r) => wanted.has(String((r as Record<string, unknown>).symbol))).map((r): PremiumRow => ({
        symbol: String((r as Record<string, unknown>).symbol),
        takenAt: field(r, 'time', url),
        markPrice: field(r, 'markPrice', url),
        indexPrice: field(r, 'indexPrice', url),
        lastFundingRate: field(r, 'lastFundingRate', url),
        interestRate: num((r as Record<string, unknown>).interestRate) ?? null,
        nextFundingTime: num((r as Record<string, unknown>).nextFundingTime) ?? null,
      })));
    return store.storePremium(snapshot);
  })));
  await Promise.all(jobs);
  result.requests = client.stats().requests - before;
  return finish(result, items);
}

/** One `/futures/data` answer as rows of its table; a field that is not a number fails the whole series. */
function futuresDataRows(symbol: string, source: DataSource, period: string, all: readonly unknown[], url: string): FuturesDataRows {
  switch (source) {
    case 'open_interest':
      return { table: 'open_interest', rows: all.map((r) => ({ symbol, period, ts: field(r, 'timestamp', url), oiBase: field(r, 'sumOpenInterest', url), oiUsdt: field(r, 'sumOpenInterestValue', url) })) };
    case 'taker_volume':
      return { table: 'taker_volume', rows: all.map((r) => ({ symbol, period, ts: field(r, 'timestamp', url), buySellRatio: field(r, 'buySellRatio', url), buyVol: field(r, 'buyVol', url), sellVol: field(r, 'sellVol', url) })) };
    default:
      return {
        table: 'long_short_ratios',
        rows: all.map((r) => ({
          symbol, kind: source, period, ts: field(r, 'timestamp', url),
          ratio: field(r, 'longShortRatio', url), longFrac: field(r, 'longAccount', url), shortFrac: field(r, 'shortAccount', url),
        })),
      };
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(':00.000Z', 'Z');
}
