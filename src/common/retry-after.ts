/**
 * The one reader of an HTTP `Retry-After` header (RFC 9110 10.2.3), for the exchange client and
 * the alert channels. Pure.
 */

/** No wait told by a server is taken longer than this unless the caller says otherwise. */
export const DEFAULT_RETRY_AFTER_CAP_MS = 24 * 3_600_000;

/**
 * Milliseconds to wait from a Retry-After value, or undefined when it is absent or unreadable:
 * - delay-seconds: digits, fractions accepted ("3", "1.5"); a negative or signed number is garbage
 * - an HTTP date (it always names its weekday and zone, so text without letters is not a date:
 *   Date.parse would take "-5" for a year); a date already past means 0
 * - the result is capped at `capMs` (default 24 h): a bogus huge value must not park a worker
 *   forever, nor overflow a timer (setTimeout fires at once past 2^31-1 ms).
 */
export function parseRetryAfterMs(value: unknown, now: number, capMs = DEFAULT_RETRY_AFTER_CAP_MS): number | undefined {
  if (typeof value === 'number') value = String(value);
  if (Array.isArray(value)) value = value[0];
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) {
    ms = Math.round(Number(text) * 1000);
  } else {
    const date = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(date)) return undefined;
    ms = Math.max(0, date - now);
  }
  return Math.min(ms, capMs);
}
