/**
 * What a job does when the PostgreSQL connection that holds its shared lock ends mid-run (a
 * server restart, a network blip, pg_terminate_backend): it takes the same lock again on a new
 * connection, about every RETAKE_EVERY_MS for up to RETAKE_WINDOW_MS, while the run goes on. Pure
 * decisions over the outcome of each attempt; src/engine/job-lock.ts makes the attempts.
 */

/** How long a lost lock is tried for before the run stops: a server restart takes a few seconds. */
export const RETAKE_WINDOW_MS = 30_000;
/** How often it is tried meanwhile. */
export const RETAKE_EVERY_MS = 1_000;

/** Who holds the lock as its row says (null: somebody took it a moment ago and has not said who yet). */
export interface RetakeHolder {
  holderId: string;
  host: string;
  pid: number;
}

/** What one attempt to take the lock again came to. */
export type RetakeAttempt =
  | { kind: 'taken' }
  | { kind: 'held'; holder: RetakeHolder | null }
  /** PostgreSQL did not answer (still restarting, the network still down). */
  | { kind: 'error'; message: string };

export type RetakeStep =
  | { do: 'retaken' }
  | { do: 'retry'; inMs: number }
  /** Another process holds it now: this run is no longer the only one. */
  | { do: 'stop'; why: 'other-holder'; holder: RetakeHolder }
  /** Not taken again within the window: nobody can say who runs the job now. */
  | { do: 'stop'; why: 'gave-up'; lastProblem: string };

/**
 * The next step after an attempt made `elapsedMs` after the loss. Our own session still listed as
 * the holder (its holder ID is ours: the server has not ended that backend yet) and a holder that
 * has not written its name yet are waited out like an unreachable server, within the window.
 */
export function nextRetakeStep(attempt: RetakeAttempt, elapsedMs: number, myHolderId: string, windowMs = RETAKE_WINDOW_MS, everyMs = RETAKE_EVERY_MS): RetakeStep {
  if (attempt.kind === 'taken') return { do: 'retaken' };
  if (attempt.kind === 'held' && attempt.holder && attempt.holder.holderId !== myHolderId) {
    return { do: 'stop', why: 'other-holder', holder: attempt.holder };
  }
  if (elapsedMs + everyMs > windowMs) {
    const lastProblem = attempt.kind === 'error' ? attempt.message
      : attempt.holder ? 'the server still listed the lost connection as its holder'
        : 'another process held it without saying who';
    return { do: 'stop', why: 'gave-up', lastProblem };
  }
  return { do: 'retry', inMs: everyMs };
}

/** The error a run stops with once its lock is lost for good, naming the other holder when known. */
export function lockLostMessage(name: string, step: Extract<RetakeStep, { do: 'stop' }>, windowMs = RETAKE_WINDOW_MS): string {
  const why = step.why === 'other-holder'
    ? `host ${step.holder.host} (PID ${step.holder.pid}) took it while PostgreSQL was away`
    : `it could not be taken again within ${Math.round(windowMs / 1000)} s of its connection ending (${step.lastProblem})`;
  return `lost the ${name} lock: ${why}; this run stopped so that two hosts never run ${name} at once`;
}
