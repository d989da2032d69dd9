import { defineJob } from '../src/ops/define-job.js';

/** The candle sync: 60 symbols x 4 intervals, daily at 00:30 UTC, 30 minutes at most. */
export const syncJob = defineJob({
  name: 'sync',
  summary: 'fetch closed candles from the exchange into market.db (incremental, resumable)',
  schedule: '30 0 * * *',
  timeout: '30m',
  catchUpWindow: '6h',
  operation: 'sync',
  // Everything from the config: every symbol and interval, incremental.
  options: {},
});
