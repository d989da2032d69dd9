import type { JobDefinition } from '../src/engine/job-definition.js';

/** Sundays at 03:00 UTC: VACUUM, ANALYZE and a truncating checkpoint while syncs and backups wait. */
export const compactJob: JobDefinition = {
  name: 'compact',
  summary: 'VACUUM, ANALYZE and wal_checkpoint(TRUNCATE) of market.db while writers are paused; reports bytes before and after',
  schedule: '0 3 * * 0',
  timeout: '1h',
  catchUpWindow: '24h',
  options: (command) => command,
  run: async (_options, context) => (await import('../src/backup/commands.js')).compactCommand(context),
};
