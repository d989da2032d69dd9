import { durationMs } from '../config/schema.js';
import { holderIsGone, readLease } from '../engine/leadership.js';
import { NoLeaderError, RequestTimeoutError, type LeaderRequest } from '../engine/requests.js';
import type { RunContext } from '../ops/context.js';
import { pauseDaemon, restartDaemon, resumeDaemon } from '../ops/leader.js';
import { DaemonStore } from '../engine/supervisor/daemon-store.js';
import { openOpsDb } from '../store/ops-db.js';
import { createContext, prepareDataDir, opContext, type GlobalOptions } from './context.js';
import { EXIT } from './exit-codes.js';
import { isoOrDash, relative, statusMark } from './format.js';
import { printJsonLine } from './progress.js';

/**
 * `cfa-console daemon` as it runs (daemon-commands.ts declares it): the status from ops.db, or a
 * request to the engine's leader. Loaded when the command runs, with SQLite.
 */

const DAEMON = 'backtest';
const DAY_MS = 86_400_000;

export type DaemonAction = 'status' | 'restart' | 'pause' | 'resume';

export interface DaemonOptions {
  json?: boolean;
  timeout: string;
  reason?: string;
}

/** The status, or the leader's answer to a restart, pause or resume; resolves with the exit code. */
export async function daemonCommand(globals: GlobalOptions, action: DaemonAction, timeoutMs: number, o: DaemonOptions): Promise<number> {
  const ctx = await createContext(globals, Boolean(o.json));
  const db = openOpsDb(prepareDataDir(ctx));
  try {
    if (action === 'status') {
      printDaemonStatus(db, Boolean(o.json), Boolean(ctx.loaded.config.daemon.command?.length), durationMs(ctx.loaded.config.daemon.crashWindow), ctx.loaded.config.daemon.maxCrashes);
      return EXIT.ok;
    }
    return await ask(opContext(ctx), action, timeoutMs, o);
  } finally {
    db.close();
  }
}

const LEADER_ACTIONS = { restart: restartDaemon, pause: pauseDaemon, resume: resumeDaemon } as const;

async function ask(ctx: RunContext, action: 'restart' | 'pause' | 'resume', timeoutMs: number, o: DaemonOptions): Promise<number> {
  const kind = `daemon.${action}` as const;
  let request: LeaderRequest;
  try {
    request = await LEADER_ACTIONS[action](ctx, { reason: o.reason, timeoutMs });
  } catch (error) {
    if (!(error instanceof NoLeaderError || error instanceof RequestTimeoutError)) throw error;
    if (o.json) {
      printJsonLine(process.stdout, {
        event: 'request', kind, state: error instanceof NoLeaderError ? 'no-leader' : error.request.state,
        ...(error instanceof RequestTimeoutError ? { id: error.request.id } : {}), error: error.message,
      });
    }
    throw error;
  }
  const r = request.result ?? {};
  const where = ctx.loaded.config.store.backend === 'postgres' ? 'PostgreSQL' : 'ops.db';
  if (o.json) {
    printJsonLine(process.stdout, { event: 'request', ...request, in: where });
  } else {
    // Which host leads matters when the request crossed hosts (store.backend postgres).
    const by = request.handledBy;
    const from = by && request.requestedBy.host !== by.host ? `; asked from ${request.requestedBy.host}` : '';
    const leader = `the leader on ${by?.host ?? '?'} (PID ${by?.pid ?? '?'}${from})`;
    const id = `request #${request.id}${where === 'PostgreSQL' ? ' in PostgreSQL' : ''}`;
    if (request.state === 'done') {
      const pid = typeof r.pid === 'number' ? `, PID ${r.pid}` : '';
      const was = typeof r.previousPid === 'number' && r.previousPid !== r.pid ? ` (was PID ${r.previousPid})` : '';
      process.stdout.write(`✔ ${action}: done by ${leader}, ${id}: the ${String(r.daemon ?? DAEMON)} daemon is ${String(r.state ?? '?')}${pid}${was}\n`);
    } else {
      process.stderr.write(`cfa-console: error: ${action} failed on ${leader} (${id}): ${String(r.error ?? 'no detail')}\n`);
    }
  }
  return request.state === 'done' ? EXIT.ok : EXIT.failure;
}

function printDaemonStatus(db: ReturnType<typeof openOpsDb>, json: boolean, configured: boolean, crashWindowMs: number, maxCrashes: number): void {
  const now = Date.now();
  const store = new DaemonStore(db);
  const state = store.readState(DAEMON);
  const lease = readLease(db);
  const leader = lease && !holderIsGone(lease, now) ? lease : null;
  const restarts24h = store.countEvents(DAEMON, 'restart', now - DAY_MS);
  const crashesInWindow = store.crashTimes(DAEMON, now - crashWindowMs).length;
  if (json) {
    printJsonLine(process.stdout, { name: DAEMON, configured, daemon: state, restarts24h, crashesInWindow, maxCrashes, leader });
    return;
  }
  const lines = [
    `daemon    ${state ? `${statusMark(state.state)}${state.pid ? ` PID ${state.pid}` : ''}${state.startedAt && state.pid ? `, started ${isoOrDash(state.startedAt)} (${relative(state.startedAt, now)})` : ''}` : configured ? '· not started yet' : '· none configured (daemon.command)'}`,
    `restarts  ${restarts24h} in 24h; crashes ${crashesInWindow} of ${maxCrashes} allowed in the crash window`,
    `leader    ${leader ? `✔ PID ${leader.pid} on ${leader.host}` : '✖ none: restart, pause and resume need one (start `cfa-console --daemon` or open the console)'}`,
  ];
  if (state?.state === 'paused') lines.push('paused    not restarted until `cfa-console daemon resume`');
  process.stdout.write(`${lines.join('\n')}\n`);
}
