import { defineJob } from '../src/ops/define-job.js';

/** Monthly on the 1st at 04:00 UTC: prove the newest backup of each tier restores. */
export const backupDrillJob = defineJob({
  name: 'backup-drill',
  summary: 'restore drill: the newest backup of each tier restored into a scratch dir and verified; recorded for the SLA audit (same as `backup drill`)',
  schedule: '0 4 1 * *',
  timeout: '2h',
  catchUpWindow: '7d',
  // A new data dir has nothing to work on before this; its due runs wait for the first success.
  after: ['backup'],
  operation: 'backup-drill',
  options: {},
});
