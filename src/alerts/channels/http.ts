import { parseRetryAfterMs } from '../../common/retry-after.js';
import { scrub } from '../secrets.js';
import type { SendResult } from './channel.js';

export interface HttpAnswer {
  status: number;
  headers: Record<string, unknown>;
  data: unknown;
}

/**
 * POSTs JSON and hands back the answer whatever its status; a transport failure comes back as
 * a safe error. Axios errors carry the request URL and config (the secret itself for a Slack
 * webhook or a Telegram bot), so they are reduced to their code here and never passed on.
 * Axios is loaded on the first notification: a leader or console that never sends one does
 * not carry it (and the HTTP stack under it) for its whole life.
 */
export async function postJson(url: string, body: unknown, options: { timeoutMs: number; headers?: Record<string, string>; secrets: readonly string[] }):
  Promise<HttpAnswer | { error: string }> {
  try {
    const { default: axios } = await import('axios');
    const response = await axios.post(url, body, {
      timeout: options.timeoutMs,
      headers: { 'content-type': 'application/json', 'user-agent': 'cfa-console', ...options.headers },
      validateStatus: () => true,
      maxRedirects: 0,
      // Bodies are small; a huge answer is a misconfigured URL, not something to buffer.
      maxContentLength: 1_000_000,
      proxy: false,
    });
    return { status: response.status, headers: response.headers as Record<string, unknown>, data: response.data };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    const reason = e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT' ? `timed out after ${options.timeoutMs} ms` : e.code ?? 'request failed';
    return { error: scrub(`${reason}${e.code && e.message && !e.message.includes('http') ? ` (${e.message})` : ''}`, options.secrets) };
  }
}

function bodyText(data: unknown): string {
  if (typeof data === 'string') return data.slice(0, 200);
  try {
    return JSON.stringify(data).slice(0, 200);
  } catch {
    return '';
  }
}

/** The usual reading of an answer: 2xx is delivered, 429 waits as told, anything else is retried. */
export function interpret(answer: HttpAnswer | { error: string }, secrets: readonly string[], now = Date.now()): SendResult {
  if ('error' in answer) return { ok: false, error: answer.error };
  if (answer.status >= 200 && answer.status < 300) return { ok: true };
  const error = scrub(`HTTP ${answer.status}${bodyText(answer.data) ? `: ${bodyText(answer.data)}` : ''}`, secrets);
  if (answer.status === 429) {
    const retryAfterMs = parseRetryAfterMs(answer.headers['retry-after'], now);
    return retryAfterMs === undefined ? { ok: false, error } : { ok: false, error, retryAfterMs };
  }
  return { ok: false, error };
}
