import { parseRetryAfterMs } from '../../common/retry-after.js';
import { maskSecret } from '../../config/redact.js';
import type { RateLimit } from '../rate-limit.js';
import type { Notification } from '../types.js';
import type { Channel, SendResult } from './channel.js';
import { interpret, postJson } from './http.js';
import { fitCount, renderText, truncate } from './render.js';

export interface TelegramSettings {
  botToken: string;
  chatId: string;
  apiUrl: string;
}

/** Groups and channels have negative ids ("-100...") or a public "@name". */
export function isGroupChat(chatId: string): boolean {
  return chatId.startsWith('-') || chatId.startsWith('@');
}

/**
 * Telegram Bot API `sendMessage`, plain text (no parse mode, so nothing in a summary can break
 * the markup). Limits: one message a second per chat, twenty a minute per group; a 429 says how
 * long to wait in `parameters.retry_after`.
 */
export function telegramChannel(settings: TelegramSettings, options: { timeoutMs: number }): Channel {
  const secrets = [settings.botToken];
  const limits: RateLimit[] = [{ count: 1, windowMs: 1000 }];
  if (isGroupChat(settings.chatId)) limits.push({ count: 20, windowMs: 60_000 });
  const url = `${settings.apiUrl.replace(/\/+$/, '')}/bot${settings.botToken}/sendMessage`;
  return {
    name: 'telegram',
    limits,
    groups: true,
    secrets,
    batchSize: (queue: readonly Notification[]) => fitCount(queue, 30, 4000),
    async send(batch): Promise<SendResult> {
      const text = truncate(renderText(batch), 4096);
      const answer = await postJson(url, { chat_id: settings.chatId, text, disable_web_page_preview: true }, { timeoutMs: options.timeoutMs, secrets });
      const now = Date.now();
      const result = interpret(answer, secrets, now);
      if (result.ok || 'error' in answer) return result;
      // The Bot API says how long to wait in the body rather than (only) in a header.
      const retry = (answer.data as { parameters?: { retry_after?: unknown } } | null)?.parameters?.retry_after;
      const retryAfterMs = typeof retry === 'number' ? parseRetryAfterMs(retry, now) : undefined;
      if (retryAfterMs !== undefined) return { ...result, retryAfterMs };
      return result;
    },
    describe: () => ({ botToken: maskSecret(settings.botToken), chatId: settings.chatId, apiUrl: settings.apiUrl }),
  };
}
