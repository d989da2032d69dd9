import type { RunbookDecl, StepResult } from '../src/runbook/types.js';
import { actions, checks } from '../src/runbook/library/index.js';
import * as faults from '../src/runbook/drill/faults.js';
import { escalation, pageStep, resolvedStep, waitHeartbeatStep } from './shared.js';

const TITLE = 'Backtest daemon hung';

const firing = (r: StepResult, rule: string): boolean => ((r.data.findings ?? []) as { rule: string }[]).some((f) => f.rule === rule);

/** Scenario 4 of the seeds ("CPU Spike / Process Hang", 5 min): capture diagnostics, kill, restart, wait for a heartbeat. */
export const daemonHung: RunbookDecl = {
  id: 'daemon-hung',
  title: TITLE,
  summary: 'The daemon runs but its heartbeat is stale, or it burns CPU or memory past the limits. Capture what it is doing (process state, wchan, kernel stack, CPU/RSS history, last log lines) into the incident, then restart it (SIGTERM, SIGKILL after the grace) and wait for a fresh heartbeat.',
  opensOn: ['daemon-heartbeat-stale', 'daemon-cpu-high', 'daemon-rss-high'],
  steadyState: [checks.rulesClear(['daemon-heartbeat-stale', 'daemon-cpu-high', 'daemon-rss-high'])],
  steps: [
    {
      id: 'symptom', kind: 'probe', title: 'Which symptom: a stale heartbeat, CPU or memory',
      why: 'The three alerts that open this runbook, judged now: which of them holds says what the process is doing.',
      call: checks.rulesClear(['daemon-heartbeat-stale', 'daemon-cpu-high', 'daemon-rss-high']),
      causes: [
        { when: 'the heartbeat is stale', test: (r) => firing(r, 'daemon-heartbeat-stale'), cause: 'Process hang' },
        { when: 'it burns CPU', test: (r) => firing(r, 'daemon-cpu-high'), cause: 'CPU spike' },
        { when: 'its memory grows past the limit', test: (r) => firing(r, 'daemon-rss-high'), cause: 'Memory leak' },
      ],
    },
    {
      id: 'status', kind: 'probe', title: 'Daemon state and heartbeat',
      why: 'Which process, since when, how old its heartbeat is.',
      call: checks.daemonStatus(),
      publishes: ['pid', 'state', 'heartbeatAgeMs'],
    },
    {
      id: 'diagnostics', kind: 'probe', title: 'Capture what it is doing',
      why: 'Before it is killed: /proc state and wchan, the kernel stack where readable, CPU/RSS history, last log lines; kept with the incident.',
      call: checks.hangDiagnostics(),
      publishes: ['diagnostics', 'procState', 'wchan'],
    },
    {
      id: 'restart', kind: 'action', title: 'Kill and restart it', risk: 'mutate',
      why: 'The leader sends SIGTERM to its process group, SIGKILL after daemon.killGrace, and starts it again.',
      call: actions.restartDaemon({ reason: 'runbook daemon-hung' }),
      alreadyDone: checks.daemonReplaced({ fact: 'status.pid' }),
      onFail: { retry: 1, goto: 'page' },
    },
    waitHeartbeatStep('The new process must beat within the limit.'),
    pageStep(TITLE),
    resolvedStep,
  ],
  escalation: escalation('if it hangs again after a restart', 'investigate the root cause', { l2: '10m', l3: '1h' }),
  automatic: true,
  targetTime: '5m',
  drill: {
    summary: 'the backtest daemon frozen (SIGSTOP): no heartbeat, and SIGTERM does not stop it',
    expects: 'daemon-heartbeat-stale',
    inject: faults.freezeDaemon(),
    revert: faults.thawDaemon(),
    // The alert's limit below the supervisor's own hang timeout, so the runbook (not the supervisor) fixes it.
    config: { alerts: { thresholds: { heartbeatStale: '15s' } } },
  },
  rootCauses: ['Process hang', 'CPU spike', 'Memory leak', 'Other'],
};
