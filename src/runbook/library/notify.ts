/**
 * Telling people, through the alert outbox: a note to the incident channel and, when a runbook
 * cannot reach its steady state, a page with the incident's summary (the seeds' L1 -> L2 -> L3
 * escalation). Each message is written once per incident and purpose (checks.notified is its
 * alreadyDone); delivery is the outbox's, so a dead channel is retried by the engine's worker.
 */
import { incidentChannels, sendIncidentMessage } from '../../alerts/incident-notify.js';
import { openOpsDb } from '../../store/ops-db.js';
import type { StepCall, StepContext } from '../types.js';
import { stepCall } from './call.js';
import { messageKey } from './notify-state.js';

export type Text = string | ((ctx: StepContext) => string);

const textOf = (t: Text, ctx: StepContext) => (typeof t === 'function' ? t(ctx) : t);

function message(purpose: string, page: boolean, title: Text, text: Text, waitMs: number): StepCall {
  return stepCall(page ? 'notify.page' : 'notify.incidentChannel', { purpose, waitMs }, async (ctx) => {
    const db = openOpsDb(ctx.dataDir);
    try {
      const key = messageKey(ctx, purpose) ?? `adhoc/${purpose}/${Date.now()}`;
      const r = await sendIncidentMessage(db, ctx.loaded.config, {
        key, title: textOf(title, ctx), text: textOf(text, ctx), page, alertId: ctx.alert?.id ?? null,
      }, { waitMs });
      if (r.channels.length === 0) return { ok: false, summary: `no ${page ? 'critical' : 'warning'} route channel is configured: nobody was told`, data: { ...r } };
      return {
        ok: true,
        summary: `${page ? 'paged' : 'notified'} ${r.channels.join(', ')}${r.already ? ' (written before: not sent again)' : ''}; delivered: ${r.delivered.join(', ') || 'not yet (the outbox retries)'}`,
        data: { ...r },
      };
    } finally {
      db.close();
    }
  }, (ctx) => ({
    action: page ? 'page' : 'notify', risk: 'mutate', title: `${page ? 'page' : 'notify'} ${incidentChannels(ctx.loaded.config, page).join(', ') || '(no channel configured)'}`,
    facts: [{ label: 'title', value: textOf(title, ctx) }], effects: [textOf(text, ctx)], data: { purpose },
  }));
}

/** A note to the incident channel (the warning route, never PagerDuty). */
export function incidentChannel(purpose: string, title: Text, text: Text, options: { waitMs?: number } = {}): StepCall {
  return message(purpose, false, title, text, options.waitMs ?? 5_000);
}

/** A page (the critical route, PagerDuty included) with the incident's summary: the last step of a runbook that could not fix it. */
export function page(summary: Text, options: { title?: Text; waitMs?: number } = {}): StepCall {
  const title: Text = options.title ?? ((ctx) => `incident${ctx.incidentId !== null ? ` #${ctx.incidentId}` : ''} needs a person${ctx.alert ? ` (alert #${ctx.alert.id} ${ctx.alert.rule})` : ''}`);
  return message('page', true, title, summary, options.waitMs ?? 5_000);
}
