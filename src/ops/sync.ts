import { lockLoss, takeOpLock, withLockSignal, type JobLock } from './job-lock.js';
import type { CandleStore } from '../store/candle-store.js';
import { openCandleStore } from '../store/open-candle-store.js';
import { openOpsDb } from '../store/ops-db.js';
import { clientFromConfig, syncCounters } from '../sync/exchange-client.js';
import { runSync, SYNC_LOCK, type SeriesOutcome, type SyncSummary } from '../sync/run-sync.js';
import { completeSyncOptions, type SyncOpOptions } from '../sync/sync-options.js';
import type { RunContext } from './context.js';

export type { SyncOpOptions };

export interface SyncListener {
  onStart?(total: number): void;
  onSeries?(outcome: SeriesOutcome): void;
}

/**
 * One run of the candle sync under its lock: incremental from each series' newest candle, an
 * empty series backfilled, bounded by its timeout (summary status `timeout`) and by the context's
 * cancellation. Its shared lock lost for good mid-run (store.backend postgres: another host took
 * it): stopped the same way, status `failed` with the lock's `error`; finished pages are kept.
 * Emits `start`, one `series` per series, and returns the summary.
 */
export async function sync(requested: SyncOpOptions, ctx: RunContext, listener: SyncListener = {}): Promise<SyncSummary> {
  const { config } = ctx.loaded;
  const options = completeSyncOptions(requested, config);
  const ops = openOpsDb(ctx.dataDir);
  let release: JobLock | null = null;
  let store: CandleStore | null = null;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  try {
    release = await takeOpLock(ctx, ops, SYNC_LOCK);
    // Its lock lost for good (another host took it), the sync stops as on a timeout, but fails.
    const signal = withLockSignal(release, ctx.signal, timeout);
    store = await openCandleStore(config, ctx.dataDir);
    const client = clientFromConfig(config, options.weightBudget);
    const summary = await runSync(
      { symbols: options.symbols, intervals: options.intervals, backfillDays: options.backfillDays, lookback: options.lookback, concurrency: config.sync.concurrency, refuseUnlisted: options.explicitSymbols },
      {
        store,
        exchange: client,
        counters: () => syncCounters(client),
        signal,
        onStart: (total) => {
          ctx.emit({ event: 'start', total });
          listener.onStart?.(total);
        },
        onSeries: (o) => {
          ctx.emit({ event: 'series', ...o });
          listener.onSeries?.(o);
        },
      },
    );
    const lost = lockLoss(signal);
    return lost ? { ...summary, status: 'failed', error: lost.message } : summary;
  } finally {
    await release?.();
    await store?.close();
    ops.close();
  }
}
