import type { JobDefinition } from '../src/engine/job-definition.js';
import type { RawSyncOptions } from '../src/sync/sync-options.js';

/** The candle sync: 60 symbols x 4 intervals, daily at 00:30 UTC, 30 minutes at most. */
export const syncJob: JobDefinition = {
  name: 'sync',
  summary: 'fetch closed candles from the exchange into market.db (incremental, resumable)',
  schedule: '30 0 * * *',
  timeout: '30m',
  catchUpWindow: '6h',
  options: (command) => command
    .option('--symbols <list>', 'all, or a comma list such as BTCUSDT,ETHUSDT', 'all')
    .option('--intervals <list>', 'comma list of intervals (default: from config, 15m,1h,4h,1d)')
    .option('--lookback <n>', 're-fetch the newest N stored candles of each series')
    .option('--backfill-days <d>', 'how far back an empty series is filled (default: from config)')
    .option('--weight-budget <n>', 'request weight per minute for this run (default: from config, 480)')
    .option('--timeout <duration>', 'stop after this long and exit 124 (default: from config, 30m)'),
  // Loaded on use: the console and the engine read this declaration without the HTTP client.
  run: async (options, context) => (await import('../src/sync/sync-command.js')).syncCommand(options as RawSyncOptions, context),
};
