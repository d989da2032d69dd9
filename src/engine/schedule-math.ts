import { cronSlots } from '../common/cron.js';

/**
 * Schedule arithmetic in UTC, pure over epoch milliseconds. Every decision the scheduler takes is
 * "the newest due slot, once", so a wall-clock jump or a long downtime yields one run, not a
 * backlog. The cron dialect (and its validation, shared with the config) is src/common/cron.ts.
 */

export { validateCron } from '../common/cron.js';

function parse(cron: string, currentDate: number) {
  return cronSlots(cron, currentDate);
}

/** The first slot strictly after `after`. */
export function nextSlot(cron: string, after: number): number {
  return parse(cron, after).next().getTime();
}

/** The newest slot at or before `atOrBefore`, or null when the expression has none. */
export function latestSlot(cron: string, atOrBefore: number): number | null {
  try {
    // cron-parser's prev() is strict: start 1 ms later so a slot exactly at `atOrBefore` counts.
    return parse(cron, Math.floor(atOrBefore) + 1).prev().getTime();
  } catch {
    return null;
  }
}

export interface CatchUpInput {
  cron: string;
  /** The newest slot already claimed, null or 0 when none ever was. */
  lastSlot: number | null;
  now: number;
  windowMs: number;
}

/**
 * The one slot to make up on start: the newest slot due by `now` that no leader has claimed and
 * that is at most `windowMs` old. Older missed slots are dropped, not queued.
 */
export function catchUpSlot({ cron, lastSlot, now, windowMs }: CatchUpInput): number | null {
  const slot = latestSlot(cron, now);
  if (slot === null) return null;
  if (lastSlot !== null && slot <= lastSlot) return null;
  if (slot < now - windowMs) return null;
  return slot;
}
