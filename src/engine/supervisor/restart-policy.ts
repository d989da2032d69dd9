import { exponentialBackoffMs } from '../../common/backoff.js';
import { durationMs } from '../../config/schema.js';

export interface RestartPolicy {
  maxCrashes: number;
  crashWindowMs: number;
  restartBackoffMs: number;
  restartBackoffMaxMs: number;
}

export type RestartDecision = { action: 'restart'; delayMs: number } | { action: 'crash-loop' };

export function restartPolicyFromConfig(daemon: {
  maxCrashes: number; crashWindow: string; restartBackoff: string; restartBackoffMax: string;
}): RestartPolicy {
  return {
    maxCrashes: daemon.maxCrashes,
    crashWindowMs: durationMs(daemon.crashWindow),
    restartBackoffMs: durationMs(daemon.restartBackoff),
    restartBackoffMaxMs: durationMs(daemon.restartBackoffMax),
  };
}

/**
 * What to do after a crash, given the times of the crashes so far (the one just seen included).
 * Only crashes inside the window count: the n-th of them waits restartBackoff * 2^(n-1), capped,
 * and the maxCrashes-th ends in crash-loop, so a daemon that crashed three times today is left
 * for a human instead of burning CPU and log space forever.
 */
export function decideRestart(crashTimes: readonly number[], now: number, policy: RestartPolicy): RestartDecision {
  const since = now - policy.crashWindowMs;
  const recent = crashTimes.filter((t) => t > since && t <= now).length;
  if (recent >= policy.maxCrashes) return { action: 'crash-loop' };
  return { action: 'restart', delayMs: exponentialBackoffMs(recent, policy.restartBackoffMs, policy.restartBackoffMaxMs) };
}
