import type { JobDefinition } from '../src/engine/job-definition.js';

/**
 * The nightly validation: after the 00:30 sync, every series scanned fully, integrity_check,
 * and what the exchange still has refetched. Heals by default, so the scheduled run (which
 * passes no arguments) heals; `--no-heal` only reports.
 */
export const validateJob: JobDefinition = {
  name: 'validate',
  summary: 'check market.db fully (gaps, coverage, integrity_check) and backfill what the exchange has',
  schedule: '0 1 * * *',
  timeout: '20m',
  catchUpWindow: '6h',
  options: (command) => command
    .option('--heal', 'refetch gaps and backfill missing series from the exchange (the default)')
    .option('--no-heal', 'only report; write nothing to market.db but the scan checkpoints'),
  // Loaded when the job runs: the binary's every start need not load the validation code.
  run: async (options, context) => {
    const { validateCommand } = await import('../src/health/validate/validate-command.js');
    return validateCommand({ heal: options.heal !== false }, context);
  },
};
