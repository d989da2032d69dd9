import type { Branch, EscalationLevel, StepContext, StepDecl, StepResult } from '../src/runbook/types.js';
import { checks, notify, waits } from '../src/runbook/library/index.js';

/** The incident in one paragraph for a page: what opened it and what the runbook could not fix. */
export function incidentSummary(title: string, ctx: StepContext): string {
  const alert = ctx.alert ? `alert #${ctx.alert.id} ${ctx.alert.rule}: ${ctx.alert.summary}` : 'opened by hand';
  const incident = ctx.incidentId !== null ? `incident #${ctx.incidentId}` : 'no incident recorded';
  return `${title}: the runbook could not reach its steady state (${incident}; ${alert}). See \`cfa-console incident show ${ctx.incidentId ?? ''}\` for the timeline.`;
}

/** After a restart of the daemon: running is not enough, it must beat within two minutes; else page. */
export function waitHeartbeatStep(why: string): StepDecl {
  return {
    id: 'wait-heartbeat', kind: 'wait-until', title: 'Wait for a fresh heartbeat',
    why,
    call: waits.freshHeartbeat(),
    wait: { timeoutMs: 120_000, everyMs: 2_000 },
    onFail: { goto: 'page' },
    next: [{ when: 'it beats', test: (r) => r.ok, goto: 'resolved' }],
  };
}

/**
 * checks.integrity found damage (a cure's job): a state other than sound or unreachable. A store
 * it could not reach (PostgreSQL down) or not check at all (the call threw) is not damage.
 */
export const storeDamaged = (r: StepResult): boolean => typeof r.data.state === 'string' && r.data.state !== 'healthy' && r.data.state !== 'unreachable';

/** The branch after storeDamaged's: the store neither sound nor found damaged: page, never cure. */
export const storeNotChecked: Branch = {
  when: 'the store cannot be reached (PostgreSQL down, refused, wrong credentials) or checked: a person looks, nothing is restored',
  test: (r) => !r.ok,
  goto: 'page',
};

/**
 * "Is the candle store sound?" before a runbook acts on it: damage hands over to db-corruption; a
 * store that cannot be reached (PostgreSQL down, refused, wrong credentials) or not checked pages:
 * the seeds' escalation for what L1 cannot fix, never a restore over a database that may be whole.
 */
export function storeSoundStep(why: string, options: { lines?: number; publishes?: string[] } = {}): StepDecl {
  return {
    id: 'integrity', kind: 'probe', title: 'Is the candle store sound?',
    why,
    call: checks.integrity(options.lines !== undefined ? { lines: options.lines } : {}),
    ...(options.publishes ? { publishes: options.publishes } : {}),
    causes: [{ when: 'the store is damaged', test: storeDamaged, cause: 'DB corruption' }],
    next: [{ when: 'the store is damaged', test: storeDamaged, goto: 'runbook:db-corruption' }, storeNotChecked],
  };
}

/** The last step of every runbook's failure path: a page through the alert outbox (the seeds' escalation). */
export function pageStep(title: string): StepDecl {
  return {
    id: 'page',
    kind: 'escalate',
    title: 'Page the next level',
    why: 'The fix did not hold or could not be applied: the next level of the escalation path is paged with the incident\'s summary.',
    risk: 'mutate',
    call: notify.page((ctx) => incidentSummary(title, ctx)),
    alreadyDone: checks.notified('page'),
  };
}

/** Where a successful path ends; the runner then checks the steady state. */
export const resolvedStep: StepDecl = {
  id: 'resolved',
  kind: 'note',
  title: 'Fixed: check the steady state',
  why: 'The alert\'s own probe, with its own threshold, decides whether this is really fixed.',
};

/** The seeds' escalation path (003, "Escalation Path"): you, then DevOps, then the lead. */
export function escalation(l2: string, l3: string, after: { l2: string; l3: string }): EscalationLevel[] {
  return [
    { level: 'L1', who: 'on-call engineer (you)', after: '0m' },
    { level: 'L2', who: `DevOps: ${l2}`, after: after.l2 },
    { level: 'L3', who: `lead: ${l3}`, after: after.l3 },
  ];
}
