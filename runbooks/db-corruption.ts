import type { RunbookDecl } from '../src/runbook/types.js';
import { actions, checks } from '../src/runbook/library/index.js';
import * as faults from '../src/runbook/drill/faults.js';
import { escalation, pageStep, resolvedStep, storeDamaged, storeNotChecked } from './shared.js';

const TITLE = 'market.db corrupted';

/** Scenario 3 of the seeds ("Database Corruption", 30 min): stop, diagnose, REINDEX or restore, resync, validate, resume. */
export const dbCorruption: RunbookDecl = {
  id: 'db-corruption',
  title: TITLE,
  summary: 'integrity_check finds damage in market.db. Pause the daemon, read the first lines of integrity_check, then the least drastic cure: REINDEX when only indexes are damaged, else the newest backup that verifies (the damaged files kept in quarantine), the gap resynced; validate coverage and resume.',
  opensOn: ['db-corruption'],
  steadyState: [checks.rulesClear(['db-corruption'])],
  steps: [
    {
      id: 'integrity', kind: 'probe', title: 'integrity_check: how bad?',
      why: 'Its first lines say whether only indexes are damaged (REINDEX cures that) or table pages (a restore).',
      call: checks.integrity({ lines: 20 }),
      publishes: ['state', 'indexOnly', 'problems'],
      causes: [{ when: 'integrity_check finds damage', test: storeDamaged, cause: 'DB corruption' }],
      next: [
        { when: 'integrity_check says ok (nothing to cure)', test: (r) => r.ok, goto: 'resolved' },
        { when: 'integrity_check finds damage', test: storeDamaged, goto: 'pause-daemon' },
        // Nothing says it is damaged, and a restore would replace a database that may be whole.
        storeNotChecked,
      ],
    },
    {
      id: 'pause-daemon', kind: 'action', title: 'Pause the backtest daemon', risk: 'mutate',
      why: 'Nothing may read or write the store while it is cured; the sync and backup are held off by their locks during the cure.',
      call: actions.pauseDaemon({ reason: 'runbook db-corruption' }),
      alreadyDone: checks.daemonPaused(),
      skippable: true,
      // Without a leader the cure stops the daemon by its PID file itself.
      onFail: { goto: 'recover' },
    },
    {
      id: 'recover', kind: 'action', title: 'REINDEX, or restore the newest backup that verifies', risk: 'destructive',
      why: 'The plan shows the diagnosis and which backup (age, size, newest candle); the damaged files go to quarantine, never deleted.',
      call: actions.recover(),
      alreadyDone: checks.integrity(),
      confirmWord: 'restore',
      publishes: ['backupId', 'quarantine', 'recoveryId'],
      onFail: { goto: 'page' },
    },
    {
      id: 'validate', kind: 'action', title: 'Validate coverage and continuity', risk: 'mutate',
      why: 'The resync filled the gap since the backup; a validation proves every series is whole.',
      call: actions.validate({ heal: true }),
      alreadyDone: checks.probe('coverage'),
      onFail: { retry: 1, goto: 'page' },
    },
    {
      id: 'resume-daemon', kind: 'action', title: 'Resume the backtest daemon', risk: 'mutate',
      why: 'The store is sound again: the daemon may read it.',
      call: actions.resumeDaemon({ reason: 'runbook db-corruption: store cured' }),
      alreadyDone: checks.heartbeatFresh(),
      onFail: { goto: 'page' },
      next: [{ when: 'resumed', test: (r) => r.ok, goto: 'resolved' }],
    },
    pageStep(TITLE),
    resolvedStep,
  ],
  escalation: escalation('manual REINDEX and restore', 'incident review', { l2: '30m', l3: '1h' }),
  automatic: true,
  targetTime: '30m',
  drill: {
    summary: 'a table page of market.db overwritten with garbage (a verified backup exists)',
    expects: 'db-corruption',
    inject: faults.corruptPage(),
    checksCandles: true,
    sandbox: { sqliteOnly: 'the fault is a damaged SQLite file' },
  },
  rootCauses: ['DB corruption', 'Disk failure', 'Unclean shutdown', 'Other'],
};
