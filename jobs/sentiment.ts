import { defineJob } from '../src/ops/define-job.js';

/** Sentiment and macro data: Binance funding/OI/ratios/taker volume, Fear & Greed, FRED; daily at 02:00 UTC. */
export const sentimentJob = defineJob({
  name: 'sentiment',
  summary: 'fetch funding, open interest, long/short ratios, taker volume, Fear & Greed and FRED series into the market store (market.db or PostgreSQL)',
  schedule: '0 2 * * *',
  timeout: '20m',
  catchUpWindow: '6h',
  // The original day orders it after the candles; on a first start it must not fetch half its
  // sources while the first sync runs (a half-filled source reads as stale).
  after: ['sync'],
  operation: 'sentiment',
  // Everything from the config: every source and symbol, incremental.
  options: {},
});
