/**
 * Calls for `wait-until` steps: the step repeats one every `wait.everyMs` until it is ok or
 * `wait.timeoutMs` has passed. Read-only, like checks.
 */
import { banLifted, heartbeatFresh, rulesClear, seriesFresh } from './checks.js';
import type { StepCall } from '../types.js';
import type { RuleId } from '../../alerts/types.js';

/** The daemon runs and has beaten since it (re)started, within the heartbeat limit. */
export const freshHeartbeat = (): StepCall => heartbeatFresh();
/** The series found stale (fact `stale`) are fresh again. */
export const fresh = (options: { fact?: string } = {}): StepCall => seriesFresh(options);
/** A 418 ban is over and the exchange answers (never asks before the recorded end). */
export const banOver = (): StepCall => banLifted();
/** The alert rules find nothing. */
export const rulesQuiet = (rules: readonly RuleId[]): StepCall => rulesClear(rules);
