import type { SentimentSource } from '../config/sections/sentiment.js';
import { durationMs } from '../config/duration.js';
import { takeOpLock } from './job-lock.js';
import { FRED_KEY_ENV } from '../sentiment/fred.js';
import { runSentiment, type SentimentSummary } from '../sentiment/run-sentiment.js';
import { openSentimentStore } from '../sentiment/open-sentiment-store.js';
import type { SentimentJobStore } from '../sentiment/sentiment-job-store.js';
import { openOpsDb } from '../store/ops-db.js';
import type { RunContext } from './context.js';

export type { SentimentSummary };

export const SENTIMENT_LOCK = 'sentiment';

export interface SentimentOptions {
  /** Default: config sentiment.sources (binance, fng, fred). */
  sources?: SentimentSource[];
  /** Default: the configured symbols. */
  symbols?: string[];
}

/**
 * One run of the sentiment job under its lock: Binance funding, open interest, ratios, taker
 * volume and premium index; Fear & Greed; FRED with vintages. Emits `source` per source (and
 * `series` per Binance series) and returns the summary; status partial names what failed.
 */
export async function sentiment(options: SentimentOptions, ctx: RunContext): Promise<SentimentSummary> {
  const { config } = ctx.loaded;
  const ops = openOpsDb(ctx.dataDir);
  let store: SentimentJobStore | null = null;
  let release: (() => Promise<void>) | null = null;
  const timeout = AbortSignal.timeout(durationMs(config.sentiment.timeout) as number);
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout;
  try {
    release = await takeOpLock(ctx, ops, SENTIMENT_LOCK);
    // market.db in the data dir, or PostgreSQL with store.backend postgres.
    store = await openSentimentStore(config, ctx.dataDir);
    return await runSentiment(
      { sources: options.sources ?? config.sentiment.sources, symbols: options.symbols ?? config.symbols },
      {
        config, store, signal,
        fredApiKey: process.env[FRED_KEY_ENV],
        onSource: (r) => ctx.emit({ event: 'source', ...r }),
        onSeries: (e) => ctx.emit({ event: 'series', ...e }),
      },
    );
  } finally {
    await release?.();
    await store?.close();
    ops.close();
  }
}
