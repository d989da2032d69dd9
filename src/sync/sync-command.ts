import type { CliContext } from '../cli/context.js';
import { ensureDataDir } from '../cli/context.js';
import { EXIT } from '../cli/exit-codes.js';
import { createProgress, printJsonLine } from '../cli/progress.js';
import { acquireLock } from '../engine/job-lock.js';
import { clientFromConfig, syncCounters } from './exchange-client.js';
import { MarketStore } from '../store/market-db.js';
import { openOpsDb } from '../store/ops-db.js';
import { runSync, type SyncSummary } from './run-sync.js';
import { resolveSyncOptions, type RawSyncOptions } from './sync-options.js';

export const SYNC_LOCK = 'sync';

function formatSummary(s: SyncSummary): string {
  const head = s.status === 'success' ? '✔ sync complete' : s.status === 'timeout' ? '✖ sync timed out' : '✖ sync finished with failures';
  const lines = [
    `${head}: ${s.series.ok}/${s.series.total} series ok, ${s.series.failed} failed, ${s.series.cancelled} not finished`,
    `  ${s.candlesStored} candles stored, ${s.candlesRejected} rejected, ${s.requests} requests, weight ${s.weightUsed}, 429s ${s.rateLimited429}, 418s ${s.banned418}, ${(s.durationMs / 1000).toFixed(1)} s`,
  ];
  for (const f of s.failures.slice(0, 20)) lines.push(`  ✖ ${f.symbol} ${f.interval}: ${f.error}`);
  if (s.failures.length > 20) lines.push(`  … and ${s.failures.length - 20} more (use --json for all)`);
  if (s.status !== 'success') lines.push('  Run `cfa-console sync` again to complete what is missing; each finished page is kept.');
  return `${lines.join('\n')}\n`;
}

/** `cfa-console sync`: one run of the candle sync, with its lock, progress and summary. */
export async function syncCommand(raw: RawSyncOptions, ctx: CliContext): Promise<number> {
  const { config } = ctx.loaded;
  const options = resolveSyncOptions(raw, config);
  const dataDir = ensureDataDir(config.dataDir);

  const ops = openOpsDb(dataDir);
  const release = acquireLock(ops, SYNC_LOCK);
  const store = MarketStore.open(dataDir);
  const client = clientFromConfig(config, options.weightBudget);
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), options.timeoutMs);
  const progress = ctx.json ? undefined : createProgress(ctx.stderr, 'sync');
  try {
    const summary = await runSync(
      { symbols: options.symbols, intervals: options.intervals, backfillDays: options.backfillDays, lookback: options.lookback, concurrency: config.sync.concurrency, refuseUnlisted: options.explicitSymbols },
      {
        store,
        exchange: client,
        counters: () => syncCounters(client),
        signal: timeout.signal,
        onStart: (total) => {
          if (ctx.json) printJsonLine(ctx.stdout, { event: 'start', total });
          progress?.start(total);
        },
        onSeries: (o) => {
          if (ctx.json) printJsonLine(ctx.stdout, { event: 'series', ...o });
          else progress?.tick(`${o.symbol} ${o.interval} ${o.status}`);
        },
      },
    );
    progress?.stop();
    if (ctx.json) printJsonLine(ctx.stdout, { event: 'summary', ...summary });
    else ctx.stdout.write(formatSummary(summary));
    return summary.status === 'success' ? EXIT.ok : summary.status === 'timeout' ? EXIT.timeout : EXIT.failure;
  } finally {
    progress?.stop();
    clearTimeout(timer);
    release();
    store.close();
    ops.close();
  }
}
