import cronParser, { type CronExpression } from 'cron-parser';

/**
 * The one cron dialect of the project: what the config accepts is exactly what the scheduler
 * runs. cron-parser reads it (node-schedule, which fires the jobs, parses with the same library);
 * this module adds the field-count rule cron-parser lacks (it fills missing fields with '*', so a
 * typo would silently become "every minute") and says what is wrong and what is right.
 */

export const CRON_TIMEZONE = 'UTC';

/** What a valid expression looks like, for error messages. */
export const CRON_FORMAT = 'a cron expression has 5 fields (minute hour day-of-month month weekday) or 6 with seconds first, in UTC, e.g. "30 0 * * *"';

export type CronIterator = CronExpression;

function iterator(expr: string, currentDate: number): CronIterator {
  return cronParser.parseExpression(expr, { currentDate: new Date(currentDate), tz: CRON_TIMEZONE });
}

/** Why `expr` is not a cron expression the scheduler can run, or null when it is one. Pure. */
export function cronProblem(expr: string): string | null {
  if (typeof expr !== 'string') return `not a string; ${CRON_FORMAT}`;
  const fields = expr.trim().split(/\s+/).filter(Boolean).length;
  if (fields !== 5 && fields !== 6) return `it has ${fields} field${fields === 1 ? '' : 's'}; ${CRON_FORMAT}`;
  try {
    // next() too: some expressions parse and only fail when a date is sought (31 February).
    iterator(expr, Date.UTC(2000, 0, 1)).next();
    return null;
  } catch (error) {
    return `${(error as Error).message}; ${CRON_FORMAT}`;
  }
}

/** Throws an error naming the expression, what is wrong and what is right, unless it is valid. */
export function validateCron(expr: string): void {
  const problem = cronProblem(expr);
  if (problem !== null) throw new Error(`invalid cron expression ${JSON.stringify(expr)}: ${problem}`);
}

/** The slots of a valid expression, starting from `currentDate` (epoch ms), in UTC. */
export function cronSlots(expr: string, currentDate: number): CronIterator {
  validateCron(expr);
  return iterator(expr, currentDate);
}
