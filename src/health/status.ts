import { statusMark } from '../status/vocabulary.js';
import { STATUS_RANK, type HealthStatus } from './types.js';

/**
 * The overall status is the worst of the probes by STATUS_RANK (ok < unknown < warn < critical):
 * a probe that could not measure never makes the whole look healthy, yet it does not outrank a
 * measured warning. No probe at all is ok.
 */
export function worstStatus(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = 'ok';
  for (const s of statuses) if (STATUS_RANK[s] > STATUS_RANK[worst]) worst = s;
  return worst;
}

/** `health` exits 0 ok, 1 warning, 2 critical; unknown is not ok, so it exits 1 like a warning. */
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
export function judgeAbove(value: number, limits: Limits): HealthStatus {
  if (value > limits.critical) return 'critical';
  if (value > limits.warn) return 'warn';
  return 'ok';
}

/** For figures where less is worse (free disk, coverage): under critical is critical, under warn is warn. */
export function judgeBelow(value: number, limits: Limits): HealthStatus {
  if (value < limits.critical) return 'critical';
  if (value < limits.warn) return 'warn';
  return 'ok';
}
