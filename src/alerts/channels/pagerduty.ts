import { maskSecret } from '../../config/redact.js';
import { isAlertNotification, type Notification } from '../types.js';
import type { Channel, SendResult } from './channel.js';
import { interpret, postJson } from './http.js';
import { renderText, truncate } from './render.js';

export interface PagerDutySettings {
  routingKey: string;
  url: string;
}

/**
 * The Events API v2 body for one notification: `trigger` when an alert fires, `resolve` with the
 * same `dedup_key` when it clears. A runbook's escalation is a critical trigger; a test or digest
 * message is an info-level one, each under a key of its own.
 */
export function pagerDutyEvent(n: Notification, routingKey: string): Record<string, unknown> {
  if (isAlertNotification(n)) {
    if (n.kind === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: n.dedupKey };
    return {
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: n.dedupKey,
      client: 'cfa-console',
      payload: {
        summary: truncate(`${n.rule}: ${n.summary}`, 1024),
        source: n.instance,
        severity: n.severity,
        component: 'cfa-console',
        group: 'data-pipeline',
        class: n.rule,
        custom_details: { alert_id: n.alertId, labels: n.labels, runbook: n.runbook, fired_at: n.firedAt === null ? null : new Date(n.firedAt).toISOString() },
      },
    };
  }
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: `cfa-console/${n.instance}/${n.kind}/${n.at}`,
    client: 'cfa-console',
    // A runbook's escalation is a page; a test or digest is for information.
    payload: { summary: truncate(renderText([n]), 1024), source: n.instance, severity: n.kind === 'escalation' ? 'critical' : 'info', component: 'cfa-console', class: n.kind },
  };
}

/** One event per request and per dedup_key (never grouped); PagerDuty allows 120 a minute. */
export function pagerDutyChannel(settings: PagerDutySettings, options: { timeoutMs: number }): Channel {
  const secrets = [settings.routingKey];
  return {
    name: 'pagerduty',
    limits: [{ count: 120, windowMs: 60_000 }],
    groups: false,
    secrets,
    batchSize: () => 1,
    async send(batch): Promise<SendResult> {
      const n = batch[0];
      if (!n) return { ok: true };
      return interpret(await postJson(settings.url, pagerDutyEvent(n, settings.routingKey), { timeoutMs: options.timeoutMs, secrets }), secrets);
    },
    describe: () => ({ routingKey: maskSecret(settings.routingKey), url: settings.url }),
  };
}
