import type { RunbookDecl, StepContext } from '../src/runbook/types.js';
import { actions, checks, notify } from '../src/runbook/library/index.js';
import * as faults from '../src/runbook/drill/faults.js';
import { escalation, pageStep, resolvedStep } from './shared.js';

const TITLE = 'Backtest daemon crash-loop';
const H48 = 48 * 3_600_000;

function rollbackNote(ctx: StepContext): string {
  const where = ctx.facts['diagnostics'] ?? 'the incident timeline';
  const backup = ctx.facts['rollback.backupId'] ?? ctx.facts['backupId'];
  return `ROLLBACK COMPLETE: market.db rolled back to backup #${String(backup ?? '?')} (taken at least 48 h ago), validated; the data jobs run again, the backtest daemon stays PAUSED for investigation. Diagnostics: ${String(where)}${ctx.incidentId !== null ? `; incident #${ctx.incidentId}` : ''}.`;
}

/** Scenario 5 of the seeds ("3+ crashes in 24h", 60 min, LAST RESORT, manual): stop, roll back 48 h, validate, resume data jobs only. */
export const daemonCrashLoop: RunbookDecl = {
  id: 'daemon-crash-loop',
  title: TITLE,
  summary: 'The daemon crashed three times or more in 24 h and is no longer restarted. Last resort: keep it stopped, roll market.db back to the newest verified backup at least 48 h old, validate it fully, let the data jobs run again, leave the backtest paused for investigation, and tell the incident channel where the diagnostics are.',
  opensOn: ['daemon-crash-loop'],
  steadyState: [checks.rulesClear(['daemon-crash-loop', 'db-corruption'])],
  steps: [
    {
      id: 'status', kind: 'probe', title: 'Crash history',
      why: 'How often it crashed in the window, its last exit codes and events.',
      call: checks.daemonStatus({ events: 20 }),
      publishes: ['state', 'crashesInWindow', 'lastExitCode'],
      causes: [{ when: 'it crashed in the window', test: (r) => Number(r.data.crashesInWindow ?? 0) > 0, cause: 'Process crash' }],
    },
    {
      id: 'log-errors', kind: 'probe', title: 'Last error lines of its log',
      why: 'What it said before each crash.',
      call: checks.daemonLog({ lines: 40, errorsOnly: true }),
    },
    {
      id: 'diagnostics', kind: 'probe', title: 'Keep the evidence',
      why: 'CPU/RSS history and the log\'s end are saved with the incident before anything changes.',
      call: checks.hangDiagnostics(),
      publishes: ['diagnostics'],
    },
    {
      id: 'stop-daemon', kind: 'action', title: 'Stop the backtest daemon', risk: 'mutate',
      why: 'Paused, not crashed: the supervisor will not start it again until someone resumes it.',
      call: actions.pauseDaemon({ reason: 'runbook daemon-crash-loop: paused for investigation' }),
      alreadyDone: checks.daemonPaused(),
      onFail: { goto: 'page' },
    },
    {
      id: 'rollback', kind: 'action', title: 'Roll market.db back 48 h', risk: 'destructive',
      why: 'The newest verified backup taken at least 48 h ago replaces the store (the live files go to quarantine); the resync brings it up to now.',
      call: actions.restoreBackup({ beforeMs: H48 }),
      alreadyDone: checks.restoredRecently({ withinMs: 6 * 3_600_000, kind: 'restore' }),
      confirmWord: 'rollback',
      publishes: ['backupId', 'quarantine'],
      onFail: { goto: 'page' },
    },
    {
      id: 'validate', kind: 'action', title: 'Full validation', risk: 'mutate',
      why: 'integrity_check, continuity and coverage of the rolled-back store, gaps refetched.',
      call: actions.validate({ heal: true }),
      alreadyDone: checks.probe('coverage'),
      onFail: { retry: 1, goto: 'page' },
    },
    {
      id: 'backtest-paused', kind: 'note', title: 'Data jobs resumed, backtest left paused',
      why: 'The restore released the sync and backup locks: the data jobs run on schedule again. The backtest daemon stays paused until a person has found why it crashed (resume it with `cfa-console daemon resume`).',
    },
    {
      id: 'notify', kind: 'action', title: 'Tell the incident channel', risk: 'mutate',
      why: 'Who is on it needs to know the store was rolled back, the backtest is paused, and where the diagnostics are.',
      call: notify.incidentChannel('rollback', 'Backtest daemon crash-loop: market.db rolled back 48 h', rollbackNote),
      alreadyDone: checks.notified('rollback'),
      onFail: { goto: 'page' },
      next: [{ when: 'told', test: () => true, goto: 'resolved' }],
    },
    pageStep(TITLE),
    resolvedStep,
  ],
  escalation: escalation('post-incident review', 'root cause analysis', { l2: '1h', l3: '4h' }),
  automatic: false,
  targetTime: '60m',
  drill: {
    summary: 'the backtest daemon crashes three times: the supervisor gives up; a fresh sandbox has no backup 48 h old, so the runbook must page',
    expects: 'daemon-crash-loop',
    inject: faults.crashDaemon({ times: 3 }),
    // Restarts a third of a second apart, so three crashes take a second, not the seeds' minutes.
    config: { daemon: { restartBackoff: '300ms', restartBackoffMax: '1s', maxCrashes: 3 } },
    outcome: 'escalated',
  },
  rootCauses: ['Process crash', 'DB corruption', 'Bad data', 'Code defect', 'Other'],
};
