/**
 * Limiter and retry arithmetic for the delivery worker: pure functions over send times, so the
 * channel limits can be proven without a clock.
 */

/** At most `count` sends in any window of `windowMs` (1/s is `{ count: 1, windowMs: 1000 }`). */
export interface RateLimit {
  count: number;
  windowMs: number;
}

/**
 * The earliest time at or after `now` when one more send keeps every limit, given the times of
 * the sends so far (any order). Several limits are settled together: moving later for one may
 * meet another, so it repeats until all agree.
 */
export function nextAllowedAt(sent: readonly number[], limits: readonly RateLimit[], now: number): number {
  const times = [...sent].sort((a, b) => a - b);
  let at = now;
  for (let guard = 0; guard < 100; guard++) {
    let moved = false;
    for (const limit of limits) {
      if (limit.count <= 0) continue;
      const inWindow = times.filter((t) => t > at - limit.windowMs && t <= at);
      if (inWindow.length >= limit.count) {
        // The send that must leave the window before one more fits.
        const blocking = inWindow[inWindow.length - limit.count]!;
        const free = blocking + limit.windowMs;
        if (free > at) {
          at = free;
          moved = true;
        }
      }
    }
    if (!moved) return at;
  }
  return at;
}

/** Forgets sends that no limit can see any more. */
export function pruneSends(sent: readonly number[], limits: readonly RateLimit[], now: number): number[] {
  const longest = Math.max(0, ...limits.map((l) => l.windowMs));
  return sent.filter((t) => t > now - longest);
}
