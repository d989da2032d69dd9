import { defineJob } from '../src/ops/define-job.js';

/**
 * The nightly validation: after the 00:30 sync, every series scanned fully, integrity_check,
 * and what the exchange still has refetched.
 */
export const validateJob = defineJob({
  name: 'validate',
  summary: 'check the candle store fully (gaps, coverage, integrity) and backfill what the exchange has',
  schedule: '0 1 * * *',
  timeout: '20m',
  catchUpWindow: '6h',
  // A new data dir has nothing to work on before this; its due runs wait for the first success.
  after: ['sync'],
  operation: 'validate',
  options: { heal: true },
});
