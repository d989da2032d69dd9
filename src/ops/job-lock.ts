import { acquireJobLock, sharedLocks } from '../engine/job-lock.js';
import type { Db } from '../store/sqlite.js';
import type { RunContext } from './context.js';

/**
 * An operation's job lock: in this host's ops.db, and with store.backend postgres also in
 * PostgreSQL, where every host sees it (a run by hand on one host and the leader's scheduled run
 * on another exclude each other). A shared lock lost mid-run (its connection ended) is reported as
 * a `lock-lost` event and a warning: the run goes on, but another host may now start the same job.
 */
export function takeOpLock(ctx: RunContext, ops: Db, name: string): Promise<() => Promise<void>> {
  return acquireJobLock(ops, name, sharedLocks(ctx.loaded.config), {
    onLost: (message) => {
      ctx.logger?.warn({ lock: name }, message);
      ctx.emit({ event: 'lock-lost', lock: name, message });
    },
  });
}
