import type { SentimentSource } from '../config/sections/sentiment.js';
import { durationMs } from '../config/duration.js';
import { lockLoss, takeOpLock, withLockSignal, type JobLock } from './job-lock.js';
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
  let release: JobLock | null = null;
  const timeout = AbortSignal.timeout(durationMs(config.sentiment.timeout) as number);
  try {
    release = await takeOpLock(ctx, ops, SENTIMENT_LOCK);
    const signal = withLockSignal(release, ctx.signal, timeout);
    // market.db in the data dir, or PostgreSQL with store.backend postgres.
    store = await openSentimentStore(config, ctx.dataDir);
    const summary = await runSentiment(
      { sources: options.sources ?? config.sentiment.sources, symbols: options.symbols ?? config.symbols },
      {
        config, store, signal,
        fredApiKey: process.env[FRED_KEY_ENV],
        onSource: (r) => ctx.emit({ event: 'source', ...r }),
        onSeries: (e) => ctx.emit({ event: 'series', ...e }),
      },
    );
    // Lost for good to another host: stopped through the signal; what was stored is kept.
    const lost = lockLoss(signal);
    return lost ? { ...summary, status: 'failed', error: lost.message } : summary;
  } finally {
    await release?.();
    await store?.close();
    ops.close();
  }
}
