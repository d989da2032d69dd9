import { BinanceClient } from '../exchange/binance-client.js';
import { WeightLimiter } from '../exchange/weight-limiter.js';
import type { Config } from '../config/schema.js';
import type { SentimentSource } from '../config/sections/sentiment.js';
import { clientFromConfig } from '../sync/exchange-client.js';
import { fetchBinanceSentiment } from './binance-sources.js';
import { fetchFearGreed } from './fear-greed.js';
import { fetchFred } from './fred.js';
import type { SentimentJobStore } from './sentiment-job-store.js';
import { emptyResult, type SourceResult } from './source-result.js';

/** One run of the sentiment job: each source on its own, none able to take the others down. */

export interface SentimentRequest {
  sources: readonly SentimentSource[];
  symbols: readonly string[];
}

export interface SentimentSummary {
  status: 'ok' | 'partial' | 'failed';
  sources: SourceResult[];
  /** Sources (or their series) that failed, named. */
  failed: string[];
  stored: number;
  /** Requests to Binance, weight spent there, its 429s and 418s. */
  binance: { requests: number; weightUsed: number; rateLimited429: number; banned418: number };
  requests: number;
  durationMs: number;
  /** Why the whole run stopped early (its job lock was lost to another host): status `failed` then. */
  error?: string;
}

export interface SentimentDeps {
  config: Config;
  store: SentimentJobStore;
  /** CFA_FRED_API_KEY: a secret, never logged. */
  fredApiKey: string | undefined;
  signal?: AbortSignal;
  now?: () => number;
  onSource?(result: SourceResult): void;
  onSeries?(e: { series: string; stored: number; error?: string }): void;
}

/** A client for a third-party JSON API with the pipeline's retry policy and its own request limit. */
export function thirdPartyClient(config: Config, baseUrl: string, requests: number, windowMs: number): BinanceClient {
  return new BinanceClient({
    baseUrl,
    limiter: new WeightLimiter({ budget: requests, ipLimit: requests, ipHeadroom: 0, windowMs }),
    retry: config.exchange.retry,
    requestTimeoutMs: config.sentiment.requestTimeoutMs,
    maxSockets: 4,
  });
}

export async function runSentiment(request: SentimentRequest, deps: SentimentDeps): Promise<SentimentSummary> {
  const started = Date.now();
  const { config, store } = deps;
  const s = config.sentiment;
  const now = deps.now ?? Date.now;
  const binance = clientFromConfig(config);
  const fng = thirdPartyClient(config, s.fearGreed.url, 30, 60_000);
  const fred = thirdPartyClient(config, s.fred.url, s.fred.requestsPerMinute, s.fred.windowMs);
  const guard = async (name: SentimentSource, work: () => Promise<SourceResult>): Promise<SourceResult> => {
    let result: SourceResult;
    try {
      result = await work();
    } catch (error) {
      result = { ...emptyResult(name), status: 'failed', failures: [{ item: name, error: (error as Error).message }] };
    }
    deps.onSource?.(result);
    return result;
  };
  try {
    const runs: Promise<SourceResult>[] = [];
    if (request.sources.includes('binance')) {
      runs.push(guard('binance', () => fetchBinanceSentiment(
        { symbols: request.symbols, period: s.binance.period, backfillDays: s.binance.backfillDays, fundingBackfillDays: s.binance.fundingBackfillDays, concurrency: s.binance.concurrency },
        {
          client: binance, store, signal: deps.signal, onSeries: deps.onSeries,
          fundingQuota: new WeightLimiter({ budget: s.binance.fundingRequests, ipLimit: 500, ipHeadroom: 0, windowMs: s.binance.quotaWindowMs }),
          dataQuota: new WeightLimiter({ budget: s.binance.futuresDataRequests, ipLimit: 1000, ipHeadroom: 0, windowMs: s.binance.quotaWindowMs }),
        },
      )));
    }
    if (request.sources.includes('fng')) {
      runs.push(guard('fng', () => fetchFearGreed({ backfillDays: s.fearGreed.backfillDays, now: now() }, fng, store)));
    }
    if (request.sources.includes('fred')) {
      runs.push(guard('fred', () => fetchFred(
        { series: s.fred.series, apiKey: deps.fredApiKey, backfillDays: s.fred.backfillDays, overlapDays: s.fred.overlapDays, now: now() }, fred, store)));
    }
    const sources = await Promise.all(runs);
    const failed = sources.flatMap((r) => r.failures.map((f) => (f.item === r.source ? r.source : `${r.source}: ${f.item}`)));
    const ok = sources.filter((r) => r.status === 'ok').length;
    const st = binance.stats();
    return {
      status: ok === sources.length ? 'ok' : sources.every((r) => r.status === 'failed') ? 'failed' : 'partial',
      sources,
      failed,
      stored: sources.reduce((n, r) => n + r.stored, 0),
      binance: { requests: st.requests, weightUsed: st.weightUsed, rateLimited429: st.rateLimited429, banned418: st.banned418 },
      requests: sources.reduce((n, r) => n + r.requests, 0),
      durationMs: Date.now() - started,
    };
  } finally {
    binance.close();
    fng.close();
    fred.close();
  }
}
