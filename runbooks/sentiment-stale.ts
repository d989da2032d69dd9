import type { RunbookDecl } from '../src/runbook/types.js';
import { actions, checks } from '../src/runbook/library/index.js';
import * as faults from '../src/runbook/drill/faults.js';
import { escalation, pageStep, resolvedStep } from './shared.js';

const TITLE = 'Sentiment or macro data stale';

/** The 02:00 job's data (funding, open interest, ratios, fear & greed, FRED) is late: find the source, fetch again. */
export const sentimentStale: RunbookDecl = {
  id: 'sentiment-stale',
  title: TITLE,
  summary: 'A sentiment or macro source is older than its frequency allows. Find which, check the exchange, run the sentiment job again; a source that stays down is escalated with its error.',
  opensOn: ['sentiment-stale'],
  steadyState: [checks.rulesClear(['sentiment-stale'])],
  steps: [
    {
      id: 'which', kind: 'probe', title: 'Which sources are stale',
      why: 'Each source has its own frequency: funding per interval, fear & greed daily, each FRED series by its release.',
      call: checks.probe('sentiment'),
      next: [{ when: 'every source is fresh', test: (r) => r.ok, goto: 'resolved' }],
    },
    {
      id: 'exchange', kind: 'probe', title: 'Is the exchange reachable?',
      why: 'Funding, open interest and the ratios come from Binance; a ban or an outage is the usual cause.',
      call: checks.exchangeReachable(),
      causes: [{ when: 'the exchange does not answer', test: (r) => !r.ok, cause: 'Exchange outage or ban' }],
      next: [{ when: 'the exchange does not answer', test: (r) => !r.ok, goto: 'page' }],
    },
    {
      id: 'fetch', kind: 'action', title: 'Run the sentiment job now', risk: 'mutate',
      why: 'Every source again, each in its own transaction; what was missed is filled where the sources still have it.',
      call: actions.sentimentNow(),
      causes: [
        { when: 'FRED refuses the API key', test: (r) => /api[_ ]?key|CFA_FRED_API_KEY/i.test(r.summary), cause: 'API key missing or revoked' },
        { when: 'fear & greed or FRED fails', test: (r) => (r.data.sources as { source: string; status: string }[] ?? []).some((x) => (x.source === 'fng' || x.source === 'fred') && x.status !== 'ok'), cause: 'FRED or fear & greed source down' },
        { when: 'the exchange\'s data fails', test: (r) => (r.data.sources as { source: string; status: string }[] ?? []).some((x) => x.source === 'binance' && x.status !== 'ok'), cause: 'Exchange outage or ban' },
      ],
      alreadyDone: checks.rulesClear(['sentiment-stale']),
      onFail: { retry: 1, goto: 'page' },
    },
    {
      id: 'fresh', kind: 'probe', title: 'Fresh again?',
      why: 'The same probe that raised the alert.',
      call: checks.rulesClear(['sentiment-stale']),
      next: [{ when: 'the alert would clear', test: (r) => r.ok, goto: 'resolved' }],
      onFail: { goto: 'page' },
    },
    pageStep(TITLE),
    resolvedStep,
  ],
  escalation: escalation('check the failing source (its error is in the job run)', 'review the source or its API key', { l2: '4h', l3: '1d' }),
  automatic: false,
  targetTime: '4h',
  drill: {
    summary: 'fear & greed down for four days (503; its last days missing): the runbook fetches again, the source still fails, and it pages',
    expects: 'sentiment-stale',
    inject: faults.sentimentSourceDown({ days: 4 }),
    // An outage of a third party only its provider ends: the honest outcome is the page.
    outcome: 'escalated',
    revert: faults.sentimentSourcesBack(),
    sandbox: { sentiment: true },
  },
  rootCauses: ['Exchange outage or ban', 'FRED or fear & greed source down', 'API key missing or revoked', 'Other'],
};
