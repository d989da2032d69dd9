import type { LoadedConfig } from '../config/load-config.js';
import { durationMs } from '../config/schema.js';
import { isInterval, type Interval } from '../exchange/intervals.js';
import { clientFromConfig, syncCounters } from '../sync/exchange-client.js';
import type { CandleStore } from '../store/candle-store.js';
import { runSync, type SyncSummary } from '../sync/run-sync.js';

/**
 * After a restore the store is as old as its backup: the candles since then are fetched again
 * through the very sync engine that stored them (incremental from each series' newest stored
 * candle, which is the backup's), so nothing written after the backup is lost as long as the
 * exchange still serves it. The caller holds the sync lock; this builds its own client rather
 * than calling `syncCommand`, which would take (and then release) that lock itself.
 *
 * Series: the configured ones plus every series the restored store holds (a symbol synced by
 * hand with --symbols is brought up to date too). Either backend: market.db after a restore of a
 * copy of it, PostgreSQL after a restore of a pg_dump.
 */
export async function resyncStore(store: CandleStore, config: LoadedConfig['config']): Promise<SyncSummary> {
  const extents = await store.seriesExtents();
  const symbols = [...new Set([...config.symbols, ...extents.map((e) => e.symbol)])];
  const intervals = [...new Set<Interval>([...config.intervals, ...extents.map((e) => e.interval).filter(isInterval)])];
  const client = clientFromConfig(config);
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), durationMs(config.sync.timeout));
  try {
    return await runSync(
      { symbols, intervals, backfillDays: config.sync.backfillDays, concurrency: config.sync.concurrency },
      {
        store,
        exchange: client,
        signal: timeout.signal,
        counters: () => syncCounters(client),
      },
    );
  } finally {
    clearTimeout(timer);
  }
}
