import { maskSecret } from '../../config/redact.js';
import type { Notification } from '../types.js';
import type { Channel, SendResult } from './channel.js';
import { interpret, postJson } from './http.js';
import { renderText, renderTitle } from './render.js';
import { urlSecrets } from './slack.js';

export interface WebhookSettings {
  url: string;
  headers: Record<string, string>;
}

/**
 * A generic JSON POST for anything else (a ticketing system, an alert router):
 * `{ source, instance, title, text, notifications: [...] }`, the notifications exactly as stored.
 */
export function webhookChannel(settings: WebhookSettings, options: { timeoutMs: number }): Channel {
  // Header values are usually credentials (Authorization, tokens): all of them are secrets.
  const secrets = [...urlSecrets(settings.url), ...Object.values(settings.headers).filter((v) => v.length >= 4)];
  return {
    name: 'webhook',
    limits: [{ count: 1, windowMs: 1000 }],
    groups: true,
    secrets,
    batchSize: (queue: readonly Notification[]) => Math.min(queue.length, 100),
    async send(batch): Promise<SendResult> {
      const body = {
        source: 'cfa-console',
        instance: batch[0]?.instance ?? null,
        title: renderTitle(batch),
        text: renderText(batch),
        notifications: batch,
      };
      return interpret(await postJson(settings.url, body, { timeoutMs: options.timeoutMs, headers: settings.headers, secrets }), secrets);
    },
    describe: () => ({
      url: maskSecret(settings.url),
      headers: Object.keys(settings.headers).map((k) => `${k}: ${maskSecret(settings.headers[k] ?? '')}`).join(', ') || '-',
    }),
  };
}
