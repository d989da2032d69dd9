import { maskSecret } from '../../config/redact.js';
import type { Notification } from '../types.js';
import type { Channel, SendResult } from './channel.js';
import { interpret, postJson } from './http.js';
import { fitCount, renderText, truncate } from './render.js';

export interface SlackSettings {
  webhookUrl: string;
}

/** The URL's path is the credential; scrub it alone too, as some errors quote only the path. */
export function urlSecrets(url: string): string[] {
  try {
    const u = new URL(url);
    return [url, `${u.pathname}${u.search}`].filter((s) => s.length >= 8);
  } catch {
    return [url];
  }
}

/** Slack incoming webhook: `{ text }`; Slack allows about one message a second per webhook. */
export function slackChannel(settings: SlackSettings, options: { timeoutMs: number }): Channel {
  const secrets = urlSecrets(settings.webhookUrl);
  return {
    name: 'slack',
    limits: [{ count: 1, windowMs: 1000 }],
    groups: true,
    secrets,
    batchSize: (queue: readonly Notification[]) => fitCount(queue, 50, 35_000),
    async send(batch): Promise<SendResult> {
      const text = truncate(renderText(batch), 39_000);
      return interpret(await postJson(settings.webhookUrl, { text }, { timeoutMs: options.timeoutMs, secrets }), secrets);
    },
    describe: () => ({ webhookUrl: maskSecret(settings.webhookUrl) }),
  };
}
