import { durationMs, type Config } from '../config/schema.js';
import type { Db } from '../store/sqlite.js';
import { AlertStore, dedupKey } from './alert-state.js';
import { createChannels, routeFor } from './channels/resolve.js';
import { DeliveryWorker } from './delivery-worker.js';
import { Outbox } from './outbox.js';
import { instanceName } from './settings.js';
import type { AlertNotification, ChannelName, MessageNotification } from './types.js';

/**
 * What a runbook tells people through the alert outbox: a note to the incident channel (the
 * warning route, never PagerDuty) or a page (the critical route, PagerDuty included) with the
 * incident's summary. Each message has a dedup key of its own (`key`), so a step re-run after a
 * crash finds it already written and never sends it twice.
 *
 * A page about an alert goes out as a `repeat` of that alert (critical, under the alert's
 * PagerDuty dedup key, with the incident's summary); a page without an alert (a runbook started by
 * hand) as an `escalation` message (critical on PagerDuty; ops.db migration 7); a note to the
 * incident channel as a standalone `digest`-kind message.
 */
export interface IncidentMessage {
  /** Stable per incident and purpose, e.g. `incident/12/page`. */
  key: string;
  title: string;
  text: string;
  /** A page goes to the critical route; a note to the warning route without PagerDuty. */
  page: boolean;
  /** The alert that opened the incident, when one did. */
  alertId?: number | null;
}

export interface IncidentMessageResult {
  channels: ChannelName[];
  outboxIds: number[];
  /** True when the message had been written before (nothing new was queued). */
  already: boolean;
  delivered: ChannelName[];
  waiting: { channel: ChannelName; error: string | null }[];
}

/** The channels a message would go to. */
export function incidentChannels(config: Config, page: boolean, env: NodeJS.ProcessEnv = process.env): ChannelName[] {
  const { channels } = createChannels(config.alerts, env);
  const route = routeFor(config.alerts, channels, page ? 'critical' : 'warning');
  return page ? route : route.filter((c) => c !== 'pagerduty');
}

/** Rows already written under this message's key. */
export function incidentMessageSent(db: Db, config: Config, key: string): number[] {
  return new Outbox(db).byDedupKey(`cfa-console/${instanceName(config)}/${key}`).map((r) => r.id);
}

/** Writes the message to the outbox (once per key) and delivers it for up to `waitMs`. */
export async function sendIncidentMessage(db: Db, config: Config, message: IncidentMessage, options: { waitMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<IncidentMessageResult> {
  const env = options.env ?? process.env;
  const instance = instanceName(config);
  const key = `cfa-console/${instance}/${message.key}`;
  const outbox = new Outbox(db);
  const { channels } = createChannels(config.alerts, env);
  const targets = incidentChannels(config, message.page, env);
  const now = Date.now();
  const existing = outbox.byDedupKey(key);
  let ids = existing.map((r) => r.id);
  if (existing.length === 0 && targets.length > 0) {
    const alert = message.page && message.alertId != null ? new AlertStore(db).get(message.alertId) : null;
    ids = db.transaction(() => outbox.enqueue(targets.map((channel) => {
      if (alert) {
        const payload: AlertNotification = {
          kind: 'repeat', alertId: alert.id, rule: alert.rule, severity: 'critical', labels: alert.labels,
          summary: `${message.title}: ${message.text}`, runbook: alert.runbook,
          dedupKey: dedupKey(instance, alert.rule, alert.fingerprint), firedAt: alert.firedAt, resolvedAt: null, at: now, instance,
        };
        return { channel, alertId: alert.id, kind: 'repeat' as const, dedupKey: key, payload, at: now };
      }
      const payload: MessageNotification = { kind: message.page ? 'escalation' : 'digest', title: message.title, text: message.text, at: now, instance };
      return { channel, kind: payload.kind, dedupKey: key, payload, at: now };
    })))();
  }
  if (ids.length && (options.waitMs ?? 0) > 0) {
    const { delivery } = config.alerts;
    const worker = new DeliveryWorker({
      db, channels, groupWaitMs: 0, maxAttempts: delivery.maxAttempts, backoffBaseMs: durationMs(delivery.backoffBase),
      backoffMaxMs: durationMs(delivery.backoffMax), claimTtlMs: 2 * durationMs(delivery.requestTimeout) + 30_000,
    });
    await worker.drain({ maxWaitMs: options.waitMs });
  }
  const rows = ids.map((id) => outbox.get(id)).filter((r) => r !== null);
  return {
    channels: targets, outboxIds: ids, already: existing.length > 0,
    delivered: rows.filter((r) => r.deliveredAt !== null).map((r) => r.channel),
    waiting: rows.filter((r) => r.deliveredAt === null).map((r) => ({ channel: r.channel, error: r.lastError })),
  };
}
