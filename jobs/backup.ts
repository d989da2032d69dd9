import { defineJob } from '../src/ops/define-job.js';

/** Daily at 02:00 UTC, after the 00:30 sync: a verified snapshot to each configured tier, then retention. */
export const backupJob = defineJob({
  name: 'backup',
  summary: 'consistent online backup of market.db (with store.backend postgres: a pg_dump of the store), verified and catalogued, to the hot, warm and offsite tiers; then retention',
  schedule: '0 2 * * *',
  // An offsite upload of a large store over a slow link is the long part.
  timeout: '2h',
  catchUpWindow: '12h',
  // A new data dir has nothing to work on before this; its due runs wait for the first success.
  after: ['sync'],
  operation: 'backup',
  options: { tier: 'all' },
});
