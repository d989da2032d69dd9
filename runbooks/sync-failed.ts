import type { RunbookDecl } from '../src/runbook/types.js';
import { actions, checks } from '../src/runbook/library/index.js';
import * as faults from '../src/runbook/drill/faults.js';
import { escalation, pageStep, resolvedStep, storeSoundStep } from './shared.js';

const TITLE = 'Sync failed';

/** The seeds' "Sync failed 1x" / "Sync timeout" rows: find why, clear what is in the way, retry once. */
export const syncFailed: RunbookDecl = {
  id: 'sync-failed',
  title: TITLE,
  summary: 'The last sync failed or ran past its timeout. Check its outcome, whether the exchange answers, the rate-limit state, the disk and the store; hand over to the runbook of whatever is in the way, else retry the sync once.',
  opensOn: ['sync-failed', 'sync-timeout', 'script-errors'],
  steadyState: [checks.rulesClear(['sync-failed', 'sync-timeout'])],
  steps: [
    {
      id: 'last-sync', kind: 'probe', title: 'The last sync\'s outcome',
      why: 'Its status and when it ended.',
      call: checks.lastSync(),
      publishes: ['runId', 'status', 'error'],
      causes: [
        { when: 'it met 429s or a 418 ban', test: (r) => !r.ok && (Number(r.data.rateLimited429 ?? 0) > 0 || Number(r.data.banned418 ?? 0) > 0), cause: 'API throttle' },
        { when: 'the exchange answered with server errors', test: (r) => !r.ok && /\b5\d\d\b|server error|HTTP 5/i.test(String(r.data.error ?? '')), cause: 'Exchange outage' },
        { when: 'the connection failed or timed out', test: (r) => !r.ok && /ECONN|ETIMEDOUT|timed? ?out|socket|network|fetch failed/i.test(String(r.data.error ?? '')), cause: 'Network' },
        { when: 'no space left on the disk', test: (r) => !r.ok && /ENOSPC|no space left|SQLITE_FULL|disk is full/i.test(String(r.data.error ?? '')), cause: 'Disk full' },
        { when: 'the store is damaged', test: (r) => !r.ok && /SQLITE_CORRUPT|malformed|not a database/i.test(String(r.data.error ?? '')), cause: 'DB corruption' },
      ],
      next: [{ when: 'the last sync succeeded', test: (r) => r.ok, goto: 'resolved' }],
    },
    {
      id: 'exchange', kind: 'probe', title: 'Does the exchange answer?',
      why: 'GET /fapi/v1/time once: reachable, latency, or a 418 ban.',
      call: checks.exchangeReachable(),
      causes: [
        { when: 'banned (418)', test: (r) => r.data.banned === true, cause: 'API throttle' },
        { when: 'the exchange does not answer', test: (r) => !r.ok, cause: 'Exchange outage' },
      ],
      next: [
        { when: 'banned (418)', test: (r) => r.data.banned === true, goto: 'runbook:rate-limited' },
        { when: 'the exchange does not answer', test: (r) => !r.ok, goto: 'page' },
      ],
    },
    {
      id: 'rate-limit', kind: 'probe', title: 'Rate-limit state',
      why: 'Weight used, recent 429s, a ban.',
      call: checks.rateLimit(),
      causes: [{ when: 'rate-limited', test: (r) => !r.ok, cause: 'API throttle' }],
      next: [{ when: 'rate-limited', test: (r) => !r.ok, goto: 'runbook:rate-limited' }],
    },
    {
      id: 'disk', kind: 'probe', title: 'Disk space',
      why: 'A full disk fails every write.',
      call: checks.diskSpace(),
      causes: [{ when: 'the disk is critically full', test: (r) => r.data.status === 'critical', cause: 'Disk full' }],
      next: [{ when: 'the disk is critically full', test: (r) => r.data.status === 'critical', goto: 'runbook:disk-low' }],
    },
    storeSoundStep('A damaged store fails the sync\'s writes.'),
    {
      id: 'retry-sync', kind: 'action', title: 'Retry the sync', risk: 'mutate',
      why: 'Nothing is in the way: the whole sync once more (incremental: it fetches only what is missing).',
      call: actions.syncSeries({ all: true }),
      alreadyDone: checks.lastSync(),
      onFail: { retry: 1, goto: 'page' },
      next: [{ when: 'it succeeded', test: (r) => r.ok, goto: 'resolved' }],
    },
    pageStep(TITLE),
    resolvedStep,
  ],
  escalation: escalation('review logs and DB performance', 'escalate if persistent', { l2: '30m', l3: '2h' }),
  automatic: false,
  targetTime: '30m',
  drill: {
    summary: 'a 5xx storm on the exchange during a sync: the sync fails, then the storm passes',
    expects: 'sync-failed',
    inject: faults.stormDuringSync(),
    revert: faults.exchangeHealthy(),
    checksCandles: true,
  },
  rootCauses: ['API throttle', 'Exchange outage', 'Network', 'Disk full', 'DB corruption', 'Other'],
};
