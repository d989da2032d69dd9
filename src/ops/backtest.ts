import { dailyResultFile, runDailyBacktest, type DailyBacktestResult } from '../backtest/daily-backtest.js';
import { ConfigError } from '../config/config-error.js';
import { durationMs } from '../config/duration.js';
import { lockLoss, takeOpLock, withLockSignal } from './job-lock.js';
import { openOpsDb } from '../store/ops-db.js';
import type { RunContext } from './context.js';

export type { DailyBacktestResult };

/** The scheduled job on a machine with no daily backtest configured: nothing ran, nothing failed. */
export interface BacktestSkipped {
  status: 'skipped';
  reason: string;
}

export type BacktestOutcome = DailyBacktestResult | BacktestSkipped;

export const BACKTEST_LOCK = 'backtest';

export interface BacktestOptions {
  /** Stop the command after this long (run by hand); the job runner enforces the job's timeout itself. */
  timeoutMs?: number;
  /** Without backtest.command: skip (the scheduled job) instead of failing with a configuration error (by hand). */
  skipUnconfigured?: boolean;
}

/** One run of the configured daily backtest command under its lock; emits `output` lines. */
export async function backtest(options: BacktestOptions, ctx: RunContext): Promise<BacktestOutcome> {
  const { config } = ctx.loaded;
  const command = config.backtest.command;
  if (!command) {
    if (options.skipUnconfigured) return { status: 'skipped', reason: 'backtest.command is not configured' };
    throw new ConfigError('backtest.command is not configured: set it to the argv of the daily backtest, e.g. ["python3", "backtest/daily.py"] (run without a shell)');
  }
  const ops = openOpsDb(ctx.dataDir);
  try {
    const release = await takeOpLock(ctx, ops, BACKTEST_LOCK);
    // Lost for good to another host: the command is stopped (SIGTERM) through the signal, and the run fails.
    const signal = withLockSignal(release, ctx.signal);
    try {
      const result = await runDailyBacktest({
        command, cwd: config.backtest.cwd, dataDir: ctx.dataDir, store: config.store,
        resultFile: config.backtest.resultFile ?? dailyResultFile(ctx.dataDir),
        timeoutMs: options.timeoutMs, signal,
        cpuBudgetPercent: config.backtest.cpuBudgetPercent, sampleEveryMs: durationMs(config.backtest.sampleEvery),
        onOutput: (line) => ctx.emit({ event: 'output', line }),
      });
      const lost = lockLoss(signal);
      return lost ? { ...result, status: 'failed', error: lost.message } : result;
    } finally {
      await release();
    }
  } finally {
    ops.close();
  }
}
