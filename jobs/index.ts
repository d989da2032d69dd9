import type { JobDefinition } from '../src/engine/job-definition.js';
import { syncJob } from './sync.js';
import { validateJob } from './validate.js';
import { backupJob } from './backup.js';
import { compactJob } from './compact.js';
import { backupDrillJob } from './backup-drill.js';
import { alertDigestJob } from './alert-digest.js';
import { sentimentJob } from './sentiment.js';
import { backtestJob } from './backtest.js';

/** Every job the engine knows: adding one is a file beside this one and a line here. */
export const JOBS: readonly JobDefinition[] = [syncJob, validateJob, backupJob, compactJob, backupDrillJob, alertDigestJob, sentimentJob, backtestJob];
