import type { RunbookDecl } from '../src/runbook/types.js';
import { actions, checks } from '../src/runbook/library/index.js';
import * as faults from '../src/runbook/drill/faults.js';
import { escalation, pageStep, resolvedStep, storeSoundStep } from './shared.js';

const TITLE = 'Backup stale';

/** The seeds' "Backup >26h old" row (<4 h to fix): check what stops it, back up now. */
export const backupStale: RunbookDecl = {
  id: 'backup-stale',
  title: TITLE,
  summary: 'The newest verified backup is older than the limit, or the continuous replica lags. Check the disk and the store (a damaged store must not be backed up), then take a verified backup now; a replica that still lags after that is escalated.',
  opensOn: ['backup-stale', 'replication-lag'],
  steadyState: [checks.rulesClear(['backup-stale', 'replication-lag'])],
  steps: [
    {
      id: 'age', kind: 'probe', title: 'Newest verified backup per tier',
      why: 'Which tier is late and by how much.',
      call: checks.backupAge(),
      next: [{ when: 'every tier is fresh', test: (r) => r.ok, goto: 'resolved' }],
    },
    {
      id: 'disk', kind: 'probe', title: 'Disk space where the backups go',
      why: 'A full backup disk is the usual cause: the data dir\'s file system and each local tier\'s (a tier may have a disk of its own).',
      call: checks.backupDisk(),
      causes: [{ when: 'a disk is critically full', test: (r) => !r.ok, cause: 'Disk full' }],
      next: [
        { when: 'the data dir\'s disk is critically full', test: (r) => r.data.dataDirFull === true, goto: 'runbook:disk-low' },
        { when: 'a backup tier\'s own disk is critically full (nothing is deleted automatically: a person frees it)', test: (r) => r.data.tierFull === true, goto: 'page' },
      ],
    },
    storeSoundStep('Backing up a damaged store would replace good copies with a bad one.'),
    {
      id: 'backup', kind: 'action', title: 'Back up now', risk: 'mutate',
      why: 'A snapshot to every configured tier, verified before it counts.',
      call: actions.backupNow(),
      causes: [
        { when: 'the backup fails for want of space', test: (r) => !r.ok && /ENOSPC|no space left|SQLITE_FULL|disk is full/i.test(r.summary), cause: 'Disk full' },
        { when: 'a backup taken now verifies: the scheduled one had failed or not run', test: () => true, cause: 'Backup job failed' },
      ],
      alreadyDone: checks.backupAge(),
      onFail: { retry: 1, goto: 'page' },
      next: [{ when: 'verified', test: (r) => r.ok, goto: 'resolved' }],
    },
    pageStep(TITLE),
    resolvedStep,
  ],
  escalation: escalation('investigate the backup job', 'review the backup design', { l2: '4h', l3: '1d' }),
  automatic: false,
  targetTime: '4h',
  drill: {
    summary: 'backups stop: the hot tier\'s directory is read-only during a backup, which fails; the newest verified backup ages past the limit',
    expects: 'backup-stale',
    inject: faults.backupTargetReadOnlyDuringBackup(),
    // The seeds' 26 h compressed: the sandbox's verified backup, taken as it was made, ages past it within the drill.
    config: { alerts: { thresholds: { backupMaxAge: '60s' } } },
  },
  rootCauses: ['Disk full', 'Backup job failed', 'DB corruption', 'Other'],
};
