import type { JobDefinition } from '../src/engine/job-definition.js';
import type { DigestOptions } from '../src/cli/alert-commands.js';

/** The daily digest: the last 24 h of alerts, job results and freshness, one message per channel, at 04:00 UTC. */
export const alertDigestJob: JobDefinition = {
  name: 'alert-digest',
  summary: 'send the daily digest of alerts, job results and freshness to the alert channels',
  schedule: '0 4 * * *',
  timeout: '5m',
  catchUpWindow: '6h',
  options: (command) => command
    .option('--dry-run', 'print the digest instead of sending it')
    .option('--wait <duration>', 'how long to keep delivering before leaving the rest to the engine', '2m'),
  // Loaded on use, like every job: the console and the engine read only this declaration.
  run: async (options, context) => (await import('../src/cli/alert-commands.js')).digestCommand(options as DigestOptions, context),
};
