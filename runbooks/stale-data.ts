import type { RunbookDecl } from '../src/runbook/types.js';
import { actions, checks, waits } from '../src/runbook/library/index.js';
import * as faults from '../src/runbook/drill/faults.js';
import { escalation, pageStep, resolvedStep } from './shared.js';

const TITLE = 'Market data stale';

/** Scenario 2 of the seeds ("Data Staleness Alert", 15 min): which series, is the exchange there, sync those only, wait until fresh. */
export const staleData: RunbookDecl = {
  id: 'stale-data',
  title: TITLE,
  summary: 'Some series have no candle newer than the alert\'s limit. Find which and by how much, check the exchange answers and that we are not rate-limited or banned, sync only the stale series, and wait until they are fresh; a ban goes to rate-limited, a sync that does not help to sync-failed.',
  opensOn: ['data-stale', 'data-stale-early'],
  steadyState: [checks.rulesClear(['data-stale', 'data-stale-early'])],
  steps: [
    {
      id: 'stale-series', kind: 'probe', title: 'Which series are stale, by how much',
      why: 'The alert\'s own limits per interval; the sync below fetches only these.',
      call: checks.staleSeries(),
      publishes: ['stale', 'symbols', 'intervals', 'count'],
      next: [{ when: 'nothing is stale any more', test: (r) => r.ok, goto: 'resolved' }],
    },
    {
      id: 'exchange', kind: 'probe', title: 'Does the exchange answer?',
      why: 'GET /fapi/v1/time once: reachable, latency, clock skew, or a 418 ban.',
      call: checks.exchangeReachable(),
      publishes: ['latencyMs', 'bannedUntil'],
      causes: [
        { when: 'banned (418)', test: (r) => r.data.banned === true, cause: 'API throttle' },
        { when: 'the exchange does not answer', test: (r) => !r.ok, cause: 'Exchange outage' },
      ],
      next: [
        { when: 'the exchange bans this IP (418)', test: (r) => r.data.banned === true, goto: 'runbook:rate-limited' },
        { when: 'the exchange does not answer', test: (r) => !r.ok, goto: 'page' },
      ],
    },
    {
      id: 'rate-limit', kind: 'probe', title: 'Rate-limit state',
      why: 'Weight used, recent 429s, a ban: syncing into a rate limit makes it worse.',
      call: checks.rateLimit(),
      publishes: ['hits429InWindow', 'bannedUntil'],
      causes: [{ when: 'banned or too many 429s', test: (r) => !r.ok, cause: 'API throttle' }],
      next: [{ when: 'banned, or more 429s than the alert allows', test: (r) => !r.ok, goto: 'runbook:rate-limited' }],
    },
    {
      id: 'sync', kind: 'action', title: 'Sync the stale series only', risk: 'mutate',
      why: 'An incremental sync of just these series, under the sync lock, recorded in the run history.',
      call: actions.syncSeries({ fact: 'stale' }),
      alreadyDone: checks.seriesFresh({ fact: 'stale' }),
      publishes: ['runId', 'candlesStored'],
      causes: [{ when: 'the exchange answers, no rate limit, and a sync fills them: the scheduled sync had not', test: (r) => r.ok, cause: 'Sync failure' }],
      onFail: { retry: 1, goto: 'runbook:sync-failed' },
    },
    {
      id: 'wait-fresh', kind: 'wait-until', title: 'Wait until they are fresh',
      why: 'The newest candle of each stale series must be within its limit again.',
      call: waits.fresh({ fact: 'stale' }),
      wait: { timeoutMs: 600_000, everyMs: 10_000 },
      onFail: { goto: 'runbook:sync-failed' },
      next: [{ when: 'fresh', test: (r) => r.ok, goto: 'resolved' }],
    },
    pageStep(TITLE),
    resolvedStep,
  ],
  escalation: escalation('check the Binance API', 'contact Binance', { l2: '15m', l3: '1h' }),
  automatic: true,
  targetTime: '15m',
  drill: {
    summary: 'the newest 3 h of BTCUSDT 15m deleted from the store: the series is stale and candles are missing',
    expects: 'data-stale-early',
    inject: faults.deleteCandles({ symbol: 'BTCUSDT', interval: '15m', hours: 3 }),
    checksCandles: true,
  },
  rootCauses: ['API throttle', 'Exchange outage', 'Sync failure', 'Other'],
};
