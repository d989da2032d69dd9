import { backtest, type BacktestOptions, type BacktestOutcome } from '../ops/backtest.js';
import { sentiment, type SentimentOptions, type SentimentSummary } from '../ops/sentiment.js';
import { opContext, warnPerson, type CliContext } from './context.js';
import { EXIT } from './exit-codes.js';
import { printJsonLine } from './progress.js';

const MARK = { ok: '✔', partial: '▲', failed: '✖', skipped: '·' } as const;

export function sentimentText(s: SentimentSummary): string {
  const head = s.status === 'ok' ? '✔ sentiment complete' : s.status === 'partial' ? '▲ sentiment partial' : '✖ sentiment failed';
  const lines = [`${head}: ${s.stored} rows stored, ${s.requests} requests (Binance: weight ${s.binance.weightUsed}, 429s ${s.binance.rateLimited429}, 418s ${s.binance.banned418}), ${(s.durationMs / 1000).toFixed(1)} s`];
  if (s.error) lines.push(`  ✖ ${s.error}`);
  for (const r of s.sources) {
    lines.push(`  ${MARK[r.status]} ${r.source.padEnd(8)} ${r.status.padEnd(8)} ${r.stored} rows, ${r.requests} requests`);
    for (const f of r.failures.slice(0, 10)) lines.push(`      ✖ ${f.item}: ${f.error}`);
    if (r.failures.length > 10) lines.push(`      … and ${r.failures.length - 10} more (use --json for all)`);
    for (const n of r.notes.slice(0, 5)) lines.push(`      · ${n}`);
    if (r.notes.length > 5) lines.push(`      … and ${r.notes.length - 5} more notes`);
  }
  if (s.status !== 'ok') lines.push('  The stored data of the other sources is kept; the next run fills in what was missed.');
  return `${lines.join('\n')}\n`;
}

/** `cfa-console sentiment`: exit 0 when every source is complete, 1 when any failed (status partial or failed). */
export async function sentimentCommand(options: SentimentOptions, ctx: CliContext): Promise<number> {
  const base = opContext(ctx);
  const summary = await sentiment(options, base);
  if (ctx.json) printJsonLine(ctx.stdout, { event: 'summary', ...summary });
  else ctx.stdout.write(sentimentText(summary));
  return summary.status === 'ok' ? EXIT.ok : EXIT.failure;
}

export function backtestText(r: BacktestOutcome): string {
  if (r.status === 'skipped') return `· backtest skipped: ${r.reason}\n`;
  const head = r.status === 'success' ? '✔ backtest done' : r.status === 'timeout' ? '✖ backtest timed out' : '✖ backtest failed';
  const exit = r.signal ? `killed by ${r.signal}` : `exit ${r.exitCode}`;
  const lines = [
    `${head}: ${exit}, ${(r.durationMs / 1000).toFixed(1)} s`,
    `  result: ${r.resultFile} (${r.resultWritten ? `${r.resultBytes} bytes written` : 'not written by this run'})`,
  ];
  const u = r.usage;
  if (u.samples > 0) {
    lines.push(`  CPU ${u.cpuPercentMean}% mean, ${u.cpuPercentMax}% peak of the host (budget ${u.cpuBudgetPercent}%${u.overBudget ? `, over it in ${u.overBudget} of ${u.samples} samples` : ''}), RSS ${Math.round((u.rssBytesMax ?? 0) / 1024 / 1024)} MB peak`);
  }
  if (r.error) lines.push(`  ${r.error}`);
  return `${lines.join('\n')}\n`;
}

/** `cfa-console backtest`: the command's exit code becomes ours (0, 1 for any failure, 124 on timeout). */
export async function backtestCommand(options: BacktestOptions, ctx: CliContext): Promise<number> {
  const base = opContext(ctx);
  const result = await backtest(options, ctx.json ? base : { ...base, emit: (e) => { if (e.event === 'output') ctx.stderr.write(`${String(e.line)}\n`); else warnPerson(ctx, e); } });
  if (ctx.json) printJsonLine(ctx.stdout, { event: 'summary', ...result });
  else ctx.stdout.write(backtestText(result));
  if (result.status === 'timeout') return EXIT.timeout;
  if (result.status === 'skipped') return EXIT.ok;
  return result.status === 'success' && !result.error ? EXIT.ok : EXIT.failure;
}
