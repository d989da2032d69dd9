import type { RunbookDecl } from '../src/runbook/types.js';
import { actions, checks } from '../src/runbook/library/index.js';
import * as faults from '../src/runbook/drill/faults.js';
import { escalation, pageStep, resolvedStep, storeSoundStep, waitHeartbeatStep } from './shared.js';

const TITLE = 'Backtest daemon died';

/** Scenario 1 of the seeds ("Daemon Crashed", 2 min): confirm, read why, check the store, restart only onto a sound store. */
export const daemonDead: RunbookDecl = {
  id: 'daemon-dead',
  title: TITLE,
  summary: 'The supervised backtest daemon is not running and has not come back by itself. Confirm it is really down, read why it stopped, check that market.db is sound, and restart it through the engine\'s leader; a damaged store goes to db-corruption first, since a restart onto it would only crash again.',
  opensOn: ['daemon-dead'],
  steadyState: [checks.rulesClear(['daemon-dead'])],
  steps: [
    {
      id: 'confirm-down', kind: 'probe', title: 'Is it really down?',
      why: 'The recorded PID is checked against /proc with its start time (a recycled PID is not our daemon); the last exit code and events say how it ended.',
      call: checks.daemonStatus(),
      publishes: ['state', 'pid', 'lastExitCode', 'lastExitSignal', 'crashesInWindow'],
      causes: [{ when: 'it is down', test: (r) => !r.ok && r.data.configured !== false, cause: 'Process crash' }],
      next: [{ when: 'it is running again (the supervisor brought it back)', test: (r) => r.ok, goto: 'wait-heartbeat' }],
    },
    {
      id: 'log-errors', kind: 'probe', title: 'Last error lines of its log',
      why: 'Why it stopped, in its own words, before anything is restarted.',
      call: checks.daemonLog({ lines: 20, errorsOnly: true }),
      publishes: ['lastError'],
    },
    storeSoundStep('A daemon reading a damaged store crashes again: integrity_check first (read-only).', { lines: 20, publishes: ['state', 'problems'] }),
    {
      id: 'restart', kind: 'action', title: 'Restart it through the leader', risk: 'mutate',
      why: 'The engine that holds the lease owns the daemon: it restarts it (a deliberate restart, no crash counted).',
      call: actions.restartDaemon({ reason: 'runbook daemon-dead' }),
      alreadyDone: checks.heartbeatFresh(),
      onFail: { retry: 1, goto: 'page' },
    },
    waitHeartbeatStep('Running is not enough: it must beat (write its heartbeat file) after it started.'),
    pageStep(TITLE),
    resolvedStep,
  ],
  escalation: escalation('if the restart fails 3 times', 'investigate the root cause', { l2: '5m', l3: '30m' }),
  automatic: true,
  targetTime: '2m',
  drill: {
    summary: 'kill -9 of the backtest daemon; the supervisor waits 30 min before a restart',
    expects: 'daemon-dead',
    inject: faults.killDaemon(),
  },
  rootCauses: ['Process crash', 'DB corruption', 'Out of memory', 'Other'],
};
