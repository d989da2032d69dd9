import type { EscalationLevel, StepContext, StepDecl } from '../src/runbook/types.js';
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
