import { statusMark } from '../status/vocabulary.js';
import { STATUS_ORDER, type HealthStatus, type MeasuredStatus } from './types.js';

/**
 * The overall status is the worst of the probes by STATUS_ORDER (ok < unknown < never-synced <
 * warn < critical): a probe that could not measure never makes the whole look healthy, yet it
 * does not outrank a measured warning. No probe at all is ok.
 */
export function worstStatus<S extends HealthStatus>(statuses: Iterable<S>): S | 'ok' {
  let worst: S | 'ok' = 'ok';
  for (const s of statuses) if (STATUS_ORDER[s] > STATUS_ORDER[worst]) worst = s;
  return worst;
}

/** `health` exits 0 ok, 1 warning, 2 critical; unknown (or never synced) is not ok, so it exits 1 like a warning. */
export function healthExitCode(overall: HealthStatus): 0 | 1 | 2 {
  switch (overall) {
    case 'ok': return 0;
    case 'critical': return 2;
    default: return 1;
  }
}

/** Symbol and word together, so a monochrome terminal or NO_COLOR loses nothing. */
export function healthMark(status: HealthStatus): string {
  return statusMark(status);
}

export interface Limits {
  warn: number;
  critical: number;
}

/** For figures where more is worse (ages): above critical is critical, above warn is warn. */
export function judgeAbove(value: number, limits: Limits): MeasuredStatus {
  if (value > limits.critical) return 'critical';
  if (value > limits.warn) return 'warn';
  return 'ok';
}

/** For figures where less is worse (free disk, coverage): under critical is critical, under warn is warn. */
export function judgeBelow(value: number, limits: Limits): MeasuredStatus {
  if (value < limits.critical) return 'critical';
  if (value < limits.warn) return 'warn';
  return 'ok';
}
