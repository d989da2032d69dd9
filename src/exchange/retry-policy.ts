/**
 * How the client classifies a failed request and how long it waits before trying again. Pure.
 *
 * No installed package fits: p-retry and axios-retry are not dependencies, and es-toolkit's
 * `retry` (pulled in by ink) has one retry count for every error and its own timers. The pipeline
 * needs a separate count per fault kind, the server's Retry-After / ban end to win over the
 * policy, and an injectable clock so tests run instantly; that is this one small function.
 */

/**
 * - `transport`: network error, reset, socket hang up, timeout or stall, truncated or unparseable body
 * - `rateLimit`: HTTP 429
 * - `server`: HTTP 5xx
 * - `ban`: HTTP 418 (the IP is banned until a given time); retried against the rateLimit count
 * - `client`: any other 4xx (Binance `{code, msg}`); never retried
 * - `badData`: valid JSON that is not the expected shape; never retried
 */
export type FaultKind = 'transport' | 'rateLimit' | 'server' | 'ban' | 'client' | 'badData';

/** The per-kind retry budgets: a 418 ban spends from `rateLimit`. */
export type RetryKind = 'transport' | 'rateLimit' | 'server';

export interface RetryPolicy {
  transport: { retries: number; delaysMs: number[] };
  rateLimit: { retries: number; delayMs: number; jitterMs: number };
  server: { retries: number; delaysMs: number[] };
}

/** The pipeline's policy: timeouts 3 tries (1 s, 2 s, 4 s); 429 2 tries (60 s + 0-30 s); 5xx 2 tries (2 s, 4 s). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  transport: { retries: 3, delaysMs: [1000, 2000, 4000] },
  rateLimit: { retries: 2, delayMs: 60000, jitterMs: 30000 },
  server: { retries: 2, delaysMs: [2000, 4000] },
};

/** The budget a fault of this kind spends, or null when the kind is never retried. */
export function retryKindOf(kind: FaultKind): RetryKind | null {
  switch (kind) {
    case 'transport':
    case 'rateLimit':
    case 'server':
      return kind;
    case 'ban':
      return 'rateLimit';
    case 'client':
    case 'badData':
      return null;
  }
}

/**
 * Milliseconds to wait before the next try, or null to give up.
 * @param attemptOfThisKind how many faults of this kind's budget this request has had, this one
 *   included (1 for the first).
 * @param retryAfterMs what the server asked for (Retry-After, or the time left of a ban); for
 *   429 and 418 it wins over the policy's delay.
 */
export function nextRetryDelay(
  policy: RetryPolicy,
  kind: FaultKind,
  attemptOfThisKind: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number | null {
  const budget = retryKindOf(kind);
  if (budget === null) return null;
  if (attemptOfThisKind < 1 || attemptOfThisKind > policy[budget].retries) return null;
  if (budget === 'rateLimit') {
    if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs)) return Math.max(0, retryAfterMs);
    return policy.rateLimit.delayMs + Math.floor(random() * policy.rateLimit.jitterMs);
  }
  const delays = policy[budget].delaysMs;
  // A policy with more retries than delays repeats its last delay rather than retrying at once.
  return delays[Math.min(attemptOfThisKind, delays.length) - 1] ?? 0;
}

/** The fault an HTTP status means, or null for a success. */
export function faultKindOfStatus(status: number): FaultKind | null {
  if (status >= 200 && status < 300) return null;
  if (status === 429) return 'rateLimit';
  if (status === 418) return 'ban';
  if (status >= 500) return 'server';
  return 'client';
}

/** The end of a 418 ban from Binance's message: "... IP(1.2.3.4) banned until 1700000000000. ..." */
export function parseBanUntil(msg: string | undefined): number | undefined {
  const match = msg?.match(/banned until (\d{10,})/i);
  if (match?.[1] === undefined) return undefined;
  const until = Number(match[1]);
  // Binance sends milliseconds; a 10-digit value can only be seconds.
  return until < 1e12 ? until * 1000 : until;
}
