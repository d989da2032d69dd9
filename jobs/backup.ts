import type { RawBackupOptions } from '../src/backup/commands.js';
import type { JobDefinition } from '../src/engine/job-definition.js';

/** Daily at 02:00 UTC, after the 00:30 sync: a verified snapshot to each configured tier, then retention. */
export const backupJob: JobDefinition = {
  name: 'backup',
  summary: 'consistent online backup of market.db, verified and catalogued, to the hot, warm and offsite tiers; then retention',
  schedule: '0 2 * * *',
  // An offsite upload of a large store over a slow link is the long part.
  timeout: '2h',
  catchUpWindow: '12h',
  options: (command) => command
    .option('--tier <tier>', 'hot, warm, offsite or all (all: tiers that are not configured are reported, not failed)', 'all'),
  // Loaded on use: the console and the engine read this declaration without SQLite or rclone code.
  run: async (options, context) => (await import('../src/backup/commands.js')).backupCommand(options as RawBackupOptions, context),
};
