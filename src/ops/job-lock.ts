import { acquireJobLock, sharedLocks, type JobLock } from '../engine/job-lock.js';
import type { Db } from '../store/sqlite.js';
import type { RunContext } from './context.js';

export { lockLoss, LockLostError, type JobLock } from '../engine/job-lock.js';

/**
 * An operation's job lock: in this host's ops.db, and with store.backend postgres also in
 * PostgreSQL, where every host sees it (a run by hand on one host and the leader's scheduled run
 * on another exclude each other). A shared lock whose connection ends mid-run is reported as a
 * `lock-lost` event and a warning, and taken again while the run goes on (`lock-retaken`, with
 * `lostMs`). Lost for good (another host took it, or PostgreSQL stayed away too long): a
 * `lock-lost-for-good` event, an error in the log, and the lock's `lost` signal aborts with a
 * LockLostError: the operation stops its work through it and fails with that error.
 */
export function takeOpLock(ctx: RunContext, ops: Db, name: string): Promise<JobLock> {
  return acquireJobLock(ops, name, sharedLocks(ctx.loaded.config), {
    onLost: (message) => {
      ctx.logger?.warn({ lock: name }, message);
      ctx.emit({ event: 'lock-lost', lock: name, message });
    },
    onRetaken: (lostMs, message) => {
      ctx.logger?.info({ lock: name, lostMs }, message);
      ctx.emit({ event: 'lock-retaken', lock: name, lostMs, message });
    },
    onLostForGood: (error) => {
      ctx.logger?.error({ lock: name, holder: error.holder }, error.message);
      ctx.emit({ event: 'lock-lost-for-good', lock: name, holder: error.holder, message: error.message });
    },
  });
}

/** The operation's signal with its lock's: aborted by whichever comes first (the reason tells which). */
export function withLockSignal(lock: JobLock, ...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any([lock.lost, ...signals.filter((s): s is AbortSignal => s !== undefined)]);
}
