import { durationMs } from '../config/schema.js';
import type { Config } from '../config/schema.js';
import type { LeaseHolder } from '../engine/leadership.js';
import { liveLeader, NoLeaderError, RequestTimeoutError, type LeaderRequest } from '../engine/requests.js';
import { openSharedRequests } from '../engine/shared-requests.js';
import { describePgError } from '../store/postgres/pool.js';
import type { Db } from '../store/sqlite.js';
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
      const leader = await whoLeads(ctx.loaded.config, db);
      printDaemonStatus(db, leader, Boolean(o.json), Boolean(ctx.loaded.config.daemon.command?.length), durationMs(ctx.loaded.config.daemon.crashWindow), ctx.loaded.config.daemon.maxCrashes);
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
  const where = ctx.loaded.config.store.backend === 'postgres' ? 'PostgreSQL' : 'ops.db';
  if (o.json) {
    printJsonLine(process.stdout, { event: 'request', ...request, in: where });
  } else {
    const answer = answerLine(action, request, where);
    (answer.ok ? process.stdout : process.stderr).write(`${answer.text}\n`);
  }
  return request.state === 'done' ? EXIT.ok : EXIT.failure;
}

/**
 * Pure: the leader's answer as one line, naming the host that leads (and the one that asked,
 * when the request crossed hosts: store.backend postgres) and the outcome.
 */
export function answerLine(action: string, request: LeaderRequest, where: string): { ok: boolean; text: string } {
  const r = request.result ?? {};
  const by = request.handledBy;
  const from = by && request.requestedBy.host !== by.host ? `; asked from ${request.requestedBy.host}` : '';
  const leader = `the leader on ${by?.host ?? '?'} (PID ${by?.pid ?? '?'}${from})`;
  const id = `request #${request.id}${where === 'ops.db' ? '' : ` in ${where}`}`;
  if (request.state !== 'done') return { ok: false, text: `cfa-console: error: ${action} failed on ${leader} (${id}): ${String(r.error ?? 'no detail')}` };
  const pid = typeof r.pid === 'number' ? `, PID ${r.pid}` : '';
  const was = typeof r.previousPid === 'number' && r.previousPid !== r.pid ? ` (was PID ${r.previousPid})` : '';
  return { ok: true, text: `✔ ${action}: done by ${leader}, ${id}: the ${String(r.daemon ?? DAEMON)} daemon is ${String(r.state ?? '?')}${pid}${was}` };
}

/** The live leader: from the lease in PostgreSQL on store.backend postgres (it may lead from another host), else from ops.db. */
async function whoLeads(config: Config, db: Db): Promise<LeaseHolder | null> {
  const shared = openSharedRequests(config);
  if (!shared) return liveLeader(db);
  try {
    const { holder, live } = await shared.channel.lease();
    return live ? holder : null;
  } catch (error) {
    throw describePgError(config.store.url ?? '', error, 'reading the lease in PostgreSQL failed');
  } finally {
    await shared.close();
  }
}

function printDaemonStatus(db: Db, leader: LeaseHolder | null, json: boolean, configured: boolean, crashWindowMs: number, maxCrashes: number): void {
  const now = Date.now();
  const store = new DaemonStore(db);
  const state = store.readState(DAEMON);
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
