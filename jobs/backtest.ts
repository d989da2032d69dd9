import { defineJob } from '../src/ops/define-job.js';

/** The daily backtest (config backtest.command) at 23:30 UTC; the runner stops it after 2 hours. */
export const backtestJob = defineJob({
  name: 'backtest',
  summary: 'run the configured daily backtest command (backtest.command) and record its exit, duration and result file',
  schedule: '30 23 * * *',
  timeout: '2h',
  catchUpWindow: '1h',
  operation: 'backtest',
  // A machine without backtest.command configured skips the slot instead of failing every night.
  options: { skipUnconfigured: true },
});
