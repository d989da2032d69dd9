import { defineJob } from '../src/ops/define-job.js';

/** Sundays at 03:00 UTC: VACUUM, ANALYZE and a truncating checkpoint while syncs and backups wait. */
export const compactJob = defineJob({
  name: 'compact',
  summary: 'VACUUM, ANALYZE and wal_checkpoint(TRUNCATE) of market.db while writers are paused; reports bytes before and after',
  schedule: '0 3 * * 0',
  timeout: '1h',
  catchUpWindow: '24h',
  // A new data dir has nothing to compact before a backup (the original day: backup 02:00, compact
  // 03:00), and compacting pauses the backup: its due runs wait for the first backup.
  after: ['backup'],
  operation: 'compact',
  options: {},
});
