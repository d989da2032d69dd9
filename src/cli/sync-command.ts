import type { SyncSummary } from '../sync/run-sync.js';
import { resolveSyncOptions, syncOpOptions, type RawSyncOptions, type SyncOpOptions } from '../sync/sync-options.js';
import type { Config } from '../config/schema.js';
import { sync } from '../ops/sync.js';
import { opContext, type CliContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { createProgress } from './progress-bar.js';
import { printJsonLine } from './progress.js';

function formatSummary(s: SyncSummary): string {
  const head = s.status === 'success' ? '✔ sync complete' : s.status === 'timeout' ? '✖ sync timed out' : s.error ? '✖ sync stopped' : '✖ sync finished with failures';
  const lines = [
    `${head}: ${s.series.ok}/${s.series.total} series ok, ${s.series.failed} failed, ${s.series.cancelled} not finished`,
    `  ${s.candlesStored} candles stored, ${s.candlesRejected} rejected, ${s.requests} requests, weight ${s.weightUsed}, 429s ${s.rateLimited429}, 418s ${s.banned418}, ${(s.durationMs / 1000).toFixed(1)} s`,
  ];
  if (s.error) lines.push(`  ✖ ${s.error}`);
  for (const f of s.failures.slice(0, 20)) lines.push(`  ✖ ${f.symbol} ${f.interval}: ${f.error}`);
  if (s.failures.length > 20) lines.push(`  … and ${s.failures.length - 20} more (use --json for all)`);
  if (s.status !== 'success') lines.push('  Run `cfa-console sync` again to complete what is missing; each finished page is kept.');
  return `${lines.join('\n')}\n`;
}

/** The command line's flags as the sync operation's typed options. */
export function syncFlags(raw: RawSyncOptions, config: Config): SyncOpOptions {
  return syncOpOptions(resolveSyncOptions(raw, config));
}

/** `cfa-console sync`: one run of the candle sync, with its progress and summary. */
export async function syncCommand(options: SyncOpOptions, ctx: CliContext): Promise<number> {
  const progress = ctx.json ? undefined : createProgress(ctx.stderr, 'sync');
  try {
    const summary = await sync(options, opContext(ctx), {
      onStart: (total) => progress?.start(total),
      onSeries: (o) => progress?.tick(`${o.symbol} ${o.interval} ${o.status}`),
    });
    progress?.stop();
    if (ctx.json) printJsonLine(ctx.stdout, { event: 'summary', ...summary });
    else ctx.stdout.write(formatSummary(summary));
    return summary.status === 'success' ? EXIT.ok : summary.status === 'timeout' ? EXIT.timeout : EXIT.failure;
  } finally {
    progress?.stop();
  }
}
