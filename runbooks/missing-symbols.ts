import type { RunbookDecl } from '../src/runbook/types.js';
import { actions, checks } from '../src/runbook/library/index.js';
import * as faults from '../src/runbook/drill/faults.js';
import { escalation, pageStep, resolvedStep } from './shared.js';

const TITLE = 'Symbols missing';

/** Coverage below the limit: backfill what is listed, offer to drop what the exchange delisted. */
export const missingSymbols: RunbookDecl = {
  id: 'missing-symbols',
  title: TITLE,
  summary: 'Configured symbols have no candles. Find which, and which of them the exchange no longer lists; a delisted symbol is offered for removal from the config (with confirmation), the others are backfilled.',
  opensOn: ['missing-symbols'],
  steadyState: [checks.rulesClear(['missing-symbols'])],
  steps: [
    {
      id: 'symbols', kind: 'probe', title: 'Missing and delisted symbols',
      why: 'Coverage per interval, and exchangeInfo for what is still a trading USDT perpetual.',
      call: checks.symbols(),
      publishes: ['missing', 'unlisted'],
      causes: [
        { when: 'a configured symbol is no longer listed', test: (r) => (r.data.unlisted as string[]).length > 0, cause: 'Symbol delisted' },
        { when: 'a listed symbol has no candles', test: (r) => (r.data.missing as string[]).length > 0, cause: 'New symbol not backfilled' },
      ],
      next: [
        { when: 'nothing is missing', test: (r) => r.ok, goto: 'resolved' },
        { when: 'none is delisted: the missing ones need a backfill', test: (r) => (r.data.unlisted as string[]).length === 0, goto: 'backfill' },
      ],
    },
    {
      id: 'remove-delisted', kind: 'action', title: 'Remove the delisted symbols from the config', risk: 'mutate',
      why: 'The exchange no longer lists them: no sync can fill them. Their stored candles are kept.',
      call: actions.removeSymbols({ fact: 'unlisted' }),
      alreadyDone: checks.symbolsRemoved({ fact: 'unlisted' }),
      skippable: true,
      onFail: { goto: 'page' },
    },
    {
      id: 'backfill', kind: 'action', title: 'Backfill the missing symbols', risk: 'mutate',
      why: 'A sync of the listed missing symbols, every configured interval (an empty series is backfilled).',
      call: actions.syncSeries({ symbolsFact: 'missing' }),
      alreadyDone: checks.probe('coverage'),
      onFail: { retry: 1, goto: 'page' },
      next: [{ when: 'backfilled', test: (r) => r.ok, goto: 'resolved' }],
    },
    pageStep(TITLE),
    resolvedStep,
  ],
  escalation: escalation('check the symbol list with the trading team', 'review the universe', { l2: '1h', l3: '1d' }),
  automatic: false,
  targetTime: '1h',
  drill: {
    summary: 'a symbol the exchange delisted (LUNAUSDT) added to the configured universe and the engine restarted: it has no candles and no sync can fill them',
    expects: 'missing-symbols',
    inject: faults.addDelistedSymbol({ symbol: 'LUNAUSDT' }),
    // The runbook takes it out of the config file; a running engine reads that only at its start.
    revert: faults.dropAddedSymbol(),
    checksCandles: true,
  },
  rootCauses: ['Symbol delisted', 'New symbol not backfilled', 'Sync failure', 'Other'],
};
