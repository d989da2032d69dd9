import type { RunbookDecl } from '../src/runbook/types.js';
import { actions, checks, waits } from '../src/runbook/library/index.js';
import * as faults from '../src/runbook/drill/faults.js';
import { escalation, pageStep, resolvedStep } from './shared.js';

const TITLE = 'Rate-limited by the exchange';

/** The seeds' "Rate limit abuse" row: wait it out, then sync at a lower share of the weight. */
export const rateLimited: RunbookDecl = {
  id: 'rate-limited',
  title: TITLE,
  summary: 'The exchange answered 429 too often, or banned this IP (418). Read the rate-limit state, wait out a ban without knocking (requests during a ban make it longer), then run the whole sync (incremental) at half the usual weight budget.',
  opensOn: ['rate-limit-abuse'],
  steadyState: [checks.rulesClear(['rate-limit-abuse'])],
  steps: [
    {
      id: 'rate-limit', kind: 'probe', title: 'Rate-limit state',
      why: 'Weight used by the last sync, 429s in the alert\'s window, a ban and its end.',
      call: checks.rateLimit(),
      publishes: ['bannedUntil', 'banned', 'hits429InWindow'],
      causes: [{ when: 'banned, or more 429s than the alert allows', test: (r) => !r.ok, cause: 'API throttle' }],
      next: [{ when: 'a ban is in force', test: (r) => r.data.banned === true, goto: 'wait-ban' }],
    },
    {
      id: 'exchange', kind: 'probe', title: 'Does the exchange answer?',
      why: 'GET /fapi/v1/time once (weight 1).',
      call: checks.exchangeReachable(),
      publishes: ['latencyMs'],
      next: [{ when: 'it answers', test: (r) => r.ok, goto: 'sync-slow' }],
    },
    {
      id: 'wait-ban', kind: 'wait-until', title: 'Wait for the ban to end',
      why: 'Nothing is sent before the ban\'s recorded end; then one request checks it is over.',
      call: waits.banOver(),
      wait: { timeoutMs: 2 * 3_600_000, everyMs: 30_000 },
      onFail: { goto: 'page' },
    },
    {
      id: 'sync-slow', kind: 'action', title: 'Sync at half the weight', risk: 'mutate',
      why: 'The IP\'s weight is shared with the live trader: catch up at half the sync\'s usual share. The whole sync (incremental: it fetches only what is missing), not only the stale series: a sync that failed on the 429s leaves its own alert (sync-failed, whose runbook hands over to this one) until a sync succeeds, even when every series is fresh (found by the chaos soak, which paged for it every time).',
      call: actions.syncSeries({ all: true, weightShare: 0.5 }),
      alreadyDone: checks.lastSync(),
      onFail: { goto: 'page' },
    },
    {
      id: 'wait-quiet', kind: 'wait-until', title: 'Wait until the 429s leave the alert\'s window',
      why: 'The alert counts the 429s of a sliding window: caught up at half the weight, no new ones come, and the old ones must age out before the alert clears (found by the game-day drill: without this wait the run judged its steady state while they were still counted).',
      call: waits.rulesQuiet(['rate-limit-abuse']),
      wait: { timeoutMs: 15 * 60_000, everyMs: 5_000 },
      onFail: { goto: 'page' },
      next: [{ when: 'quiet', test: (r) => r.ok, goto: 'resolved' }],
    },
    pageStep(TITLE),
    resolvedStep,
  ],
  escalation: escalation('check concurrent requests on the IP', 'scale the infrastructure', { l2: '15m', l3: '2h' }),
  automatic: false,
  targetTime: '15m',
  drill: {
    summary: 'the exchange answers 429 to a sync\'s requests: more 429s than the alert allows',
    expects: 'rate-limit-abuse',
    inject: faults.rateLimitStormDuringSync({ count: 24 }),
    // Retries a fifth of a second apart, and a window short enough to pass within the drill.
    config: {
      exchange: { retry: { rateLimit: { retries: 2, delayMs: 200, jitterMs: 50 } } },
      alerts: { thresholds: { rateLimitHits: 5, rateLimitWindow: '2s' } },
    },
  },
  rootCauses: ['API throttle', 'Concurrent requests on the IP', 'Other'],
};
