import { durationMs } from '../config/schema.js';
import type { Config } from '../config/schema.js';
import type { LeaseHolder } from '../engine/leadership.js';
import { liveLeader, NoLeaderError, RequestTimeoutError, type LeaderRequest } from '../engine/requests.js';
import { hostName } from '../common/host-name.js';
import type { LeaderAction } from '../store/postgres/lease.js';
import type { Db } from '../store/sqlite.js';
import type { RunContext } from '../ops/context.js';
import { pauseDaemon, restartDaemon, resumeDaemon, sharedLeader } from '../ops/leader.js';
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
      const { leader, elsewhere } = await whoLeads(ctx.loaded.config, db);
      printDaemonStatus(db, leader, elsewhere, Boolean(o.json), Boolean(ctx.loaded.config.daemon.command?.length), durationMs(ctx.loaded.config.daemon.crashWindow), ctx.loaded.config.daemon.maxCrashes);
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

/** How long `daemon status` waits for the lease in PostgreSQL. */
const LEASE_READ_MS = 10_000;

/** The supervised daemon as seen from a host that does not lead it (store.backend postgres). */
interface DaemonElsewhere {
  /** The leader's host, where the daemon runs and its state is kept. */
  host: string;
  /** The newest start of the daemon any leader recorded in PostgreSQL, or null. */
  lastStart: LeaderAction | null;
}

/**
 * The live leader: from the lease in PostgreSQL on store.backend postgres (it may lead from
 * another host: then the daemon is that host's, `elsewhere`), else from ops.db.
 */
async function whoLeads(config: Config, db: Db): Promise<{ leader: LeaseHolder | null; elsewhere: DaemonElsewhere | null }> {
  const seen = await sharedLeader(config, LEASE_READ_MS, DAEMON);
  if (!seen) return { leader: liveLeader(db), elsewhere: null };
  const leader = seen.live ? seen.holder : null;
  const elsewhere = leader && leader.host !== hostName(config.engine.host) ? { host: leader.host, lastStart: seen.daemonStart ?? null } : null;
  return { leader, elsewhere };
}

/** Pure: the daemon line of `daemon status` and `status` on a host whose daemon runs with the leader on `host`. */
export function daemonElsewhereLine(host: string): string {
  return `daemon    runs on ${host} with the leader: see \`cfa-console daemon status\` there`;
}

/** Pure: the lines of `daemon status` on a host whose daemon runs with the leader on another host. */
export function elsewhereLines(elsewhere: DaemonElsewhere, now: number): string[] {
  const start = elsewhere.lastStart;
  return [
    daemonElsewhereLine(elsewhere.host),
    `started   ${start ? `by the leader on ${start.host} (epoch ${start.epoch}), ${isoOrDash(start.at).slice(0, 19).replace('T', ' ')} UTC (${relative(start.at, now)})` : '- no start recorded in PostgreSQL'}`,
  ];
}

function printDaemonStatus(db: Db, leader: LeaseHolder | null, elsewhere: DaemonElsewhere | null, json: boolean, configured: boolean, crashWindowMs: number, maxCrashes: number): void {
  const now = Date.now();
  const leaderLine = `leader    ${leader ? `✔ PID ${leader.pid} on ${leader.host}` : '✖ none: restart, pause and resume need one (start `cfa-console --daemon` or open the console)'}`;
  if (elsewhere) {
    // This host's ops.db holds no state of that daemon (or an old one, from when this host led): none of it is shown.
    if (json) {
      const { host, lastStart } = elsewhere;
      printJsonLine(process.stdout, { name: DAEMON, configured, daemon: null, daemonHost: host, lastStart, restarts24h: null, crashesInWindow: null, maxCrashes, leader });
    } else {
      process.stdout.write(`${[...elsewhereLines(elsewhere, now), leaderLine].join('\n')}\n`);
    }
    return;
  }
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
    leaderLine,
  ];
  if (state?.state === 'paused') lines.push('paused    not restarted until `cfa-console daemon resume`');
  process.stdout.write(`${lines.join('\n')}\n`);
}
