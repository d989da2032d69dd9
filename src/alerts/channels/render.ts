import { alertName } from '../rules.js';
import { isAlertNotification, type AlertNotification, type Notification } from '../types.js';

/**
 * Message text shared by the chat and mail channels. Every line carries the severity and the
 * state as words (not only an emoji or a colour), the alert's name with its labels, its id for
 * `cfa-console alerts ack`, and the runbook that handles it.
 */

const MARK: Record<string, string> = { critical: '🔴', warning: '🟠', info: '🔵' };

function verb(n: AlertNotification): string {
  if (n.kind === 'resolved') return 'RESOLVED';
  if (n.kind === 'repeat') return 'STILL FIRING';
  return 'FIRING';
}

export function alertLine(n: AlertNotification): string {
  const mark = n.kind === 'resolved' ? '✅' : MARK[n.severity] ?? '•';
  const runbook = n.runbook ? `, runbook ${n.runbook}` : '';
  return `${mark} [${n.severity.toUpperCase()}] ${verb(n)} ${alertName(n.rule, n.labels)}: ${n.summary} (alert #${n.alertId}${runbook})`;
}

function count(items: readonly AlertNotification[], pred: (n: AlertNotification) => boolean, word: string): string | null {
  const n = items.filter(pred).length;
  return n ? `${n} ${word}` : null;
}

/** A one-line title: a single alert's name, or the counts of a grouped message. */
export function renderTitle(batch: readonly Notification[]): string {
  const first = batch[0];
  if (!first) return 'cfa-console';
  if (batch.length === 1) {
    if (!isAlertNotification(first)) return `cfa-console on ${first.instance}: ${first.title}`;
    return `[${first.severity.toUpperCase()}] ${verb(first)} ${alertName(first.rule, first.labels)} on ${first.instance}`;
  }
  const alerts = batch.filter(isAlertNotification);
  const parts = [
    count(alerts, (n) => n.kind !== 'resolved' && n.severity === 'critical', 'critical'),
    count(alerts, (n) => n.kind !== 'resolved' && n.severity === 'warning', 'warning'),
    count(alerts, (n) => n.kind !== 'resolved' && n.severity === 'info', 'info'),
    count(alerts, (n) => n.kind === 'resolved', 'resolved'),
  ].filter(Boolean);
  const others = batch.length - alerts.length;
  if (others) parts.push(`${others} message${others > 1 ? 's' : ''}`);
  return `cfa-console on ${first.instance}: ${parts.join(', ')}`;
}

/** The body: one line per alert, or the text of a test or digest message. */
export function renderLines(batch: readonly Notification[]): string[] {
  return batch.map((n) => (isAlertNotification(n) ? alertLine(n) : `${n.title}\n${n.text}`));
}

export function renderText(batch: readonly Notification[]): string {
  if (batch.length === 1) {
    const only = batch[0]!;
    return isAlertNotification(only) ? `${alertLine(only)}\n(${only.instance})` : `${renderTitle(batch)}\n${only.text}`;
  }
  return [renderTitle(batch), ...renderLines(batch)].join('\n');
}

/**
 * How many of the first items fit in one message of at most `maxChars` (at least one: a single
 * oversized item is cut by the channel, never dropped from the queue).
 */
export function fitCount(batch: readonly Notification[], maxItems: number, maxChars: number): number {
  let n = Math.min(batch.length, maxItems);
  while (n > 1 && renderText(batch.slice(0, n)).length > maxChars) n = Math.max(1, Math.floor(n * 0.8));
  return Math.max(1, n);
}

export function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}
