import type { RunbookDecl } from '../src/runbook/types.js';
import { checks, waits } from '../src/runbook/library/index.js';
import * as faults from '../src/runbook/drill/faults.js';
import { escalation, pageStep, resolvedStep } from './shared.js';

const TITLE = 'Disk space low';

/** The seeds' "Disk full" row: see what takes the space; a person frees it (nothing is deleted automatically). */
export const diskLow: RunbookDecl = {
  id: 'disk-low',
  title: TITLE,
  summary: 'The data dir\'s filesystem is low on free space. Show what takes it (backups, logs, quarantine, the stores); nothing is deleted automatically (quarantine is forensic evidence): a person frees space, and the runbook waits until the disk probe is ok again.',
  opensOn: ['disk-low'],
  steadyState: [checks.rulesClear(['disk-low'])],
  steps: [
    {
      id: 'disk', kind: 'probe', title: 'Free space',
      why: 'The disk probe against its thresholds.',
      call: checks.diskSpace(),
      causes: [{ when: 'the disk is low', test: (r) => !r.ok, cause: 'Disk full' }],
      next: [{ when: 'enough space again', test: (r) => r.ok, goto: 'resolved' }],
    },
    {
      id: 'usage', kind: 'probe', title: 'What takes the space',
      why: 'The data dir\'s entries, biggest first.',
      call: checks.dataDirUsage(),
    },
    {
      id: 'free-space', kind: 'note', title: 'Free space by hand',
      why: 'Old quarantine copies (after forensics), old job logs, backups beyond retention, or a bigger disk. The retention of `cfa-console backup` prunes backups by its own rules.',
    },
    {
      id: 'wait-space', kind: 'wait-until', title: 'Wait until the disk probe is ok',
      why: 'Checked every 5 s (a statfs, nothing more), so the person freeing space sees it count at once.',
      call: waits.rulesQuiet(['disk-low']),
      wait: { timeoutMs: 30 * 60_000, everyMs: 5_000 },
      onFail: { goto: 'page' },
      next: [{ when: 'enough space', test: (r) => r.ok, goto: 'resolved' }],
    },
    pageStep(TITLE),
    resolvedStep,
  ],
  escalation: escalation('investigate the growth', 'resize the disk', { l2: '4h', l3: '1d' }),
  automatic: false,
  targetTime: '4h',
  drill: {
    summary: 'the data dir\'s small disk (a tmpfs) filled by a stray file to 4% free; the drill\'s script plays the person who frees it',
    expects: 'disk-low',
    inject: faults.fillDisk({ leavePercent: 4 }),
    revert: faults.freeDisk(),
    // Nothing is deleted automatically: the runbook shows what takes the space and waits for a person.
    person: { atStep: 'free-space', does: faults.freeDisk() },
    sandbox: { smallDisk: '128m' },
    checksCandles: true,
  },
  rootCauses: ['Disk full', 'Backups not pruned', 'Log growth', 'Other'],
};
