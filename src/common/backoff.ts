/**
 * Exponential backoff for the `attempt`-th failure (1-based): base, 2 base, 4 base, ... capped at
 * `maxMs`. Pure. An attempt below 1 waits the base; the exponent is bounded so the arithmetic
 * never overflows, and the cap stays exact. Used by the supervisor's restarts and the alert
 * delivery retries.
 */
export function exponentialBackoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const exponent = Math.max(0, Math.min(Math.floor(attempt) - 1, 52));
  return Math.max(0, Math.min(maxMs, baseMs * 2 ** exponent));
}
