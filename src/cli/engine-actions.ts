import { execa } from 'execa';
import { JOBS } from '../../jobs/index.js';
import { CLI_PATH } from '../common/entry-points.js';
import { runJob } from '../engine/job-runner.js';
import { holderIsGone, readLease, type LeaseHolder } from '../engine/leadership.js';
import { sharedLeader } from '../ops/leader.js';
import { hostName } from '../common/host-name.js';
import { daemonElsewhereLine } from './daemon-actions.js';
import { listRuns, jobStates, type JobRun, type JobState } from '../engine/run-history.js';
import { mergeJobStates, mergeRuns, openRunMirror, openSharedRuns, within } from '../engine/run-mirror.js';
import type { SharedRun } from '../store/postgres/run-history.js';
import { nextSlot } from '../engine/schedule-math.js';
import { resolveSchedule } from '../engine/scheduler.js';
import { DaemonStore } from '../engine/supervisor/daemon-store.js';
import { durationMs } from '../config/schema.js';
import { openOpsDb } from '../store/ops-db.js';
import { createContext, prepareDataDir, type GlobalOptions } from './context.js';
import { EXIT } from './exit-codes.js';
import { durationOrDash, isoOrDash, relative, statusMark, table } from './format.js';
import { printJsonLine } from './progress.js';
import { parseJobArgs } from './job-commands.js';

async function openOps(globals: GlobalOptions, json: boolean) {
  const ctx = await createContext(globals, json);
  const db = openOpsDb(prepareDataDir(ctx));
  return { ctx, db };
}

type Ctx = Awaited<ReturnType<typeof createContext>>;

function jobViews(ctx: Ctx, jobStates: readonly JobState[], now: number) {
  const states = new Map(jobStates.map((s) => [s.job, s]));
  return resolveSchedule(JOBS, ctx.loaded.config.jobs).map((j) => ({
    name: j.name,
    schedule: j.cron,
    enabled: j.enabled,
    timeoutMs: j.timeoutMs,
    nextRunAt: j.enabled && j.cron ? nextSlot(j.cron, now) : null,
    lastStatus: states.get(j.name)?.lastStatus ?? null,
    lastRunAt: states.get(j.name)?.lastRunAt ?? null,
    lastDurationMs: states.get(j.name)?.lastDurationMs ?? null,
    lastSuccessAt: states.get(j.name)?.lastSuccessAt ?? null,
  }));
}

async function jobRows(globals: GlobalOptions, json: boolean, now: number) {
  const { ctx, db } = await openOps(globals, json);
  try {
    return { ctx, db, jobs: jobViews(ctx, jobStates(db), now) };
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * `jobs`, `run` and `status` as they run (engine-commands.ts declares them): loaded when one of
 * them runs, with the engine's modules, SQLite and execa.
 */

/** `jobs`: the schedule, next run, last result and duration of each job, as a table or JSON. */
export async function printJobs(globals: GlobalOptions, json: boolean): Promise<void> {
  const now = Date.now();
  const { ctx, db, jobs: ownJobs } = await jobRows(globals, json, now);
  let jobs = ownJobs;
  try {
    // store.backend postgres: each job's last result on any host.
    const shared = await readShared(ctx, db, now, 0);
    if (shared?.error && !json) process.stderr.write(`▲ last results of this host only: ${shared.error}\n`);
    jobs = shared?.jobs ?? ownJobs;
  } finally {
    db.close();
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(jobs)}\n`);
    return;
  }
  process.stdout.write(table(['JOB', 'SCHEDULE (UTC)', 'NEXT RUN', 'LAST RESULT', 'LAST RUN', 'DURATION'], jobs.map((j) => [
    j.name, j.enabled ? j.schedule ?? 'on demand' : 'disabled',
    j.nextRunAt ? `${isoOrDash(j.nextRunAt)} (${relative(j.nextRunAt, now)})` : '-',
    statusMark(j.lastStatus), relative(j.lastRunAt, now), durationOrDash(j.lastDurationMs),
  ])));
}

/** `run <job> [-- args]`: in the background, or with --wait to its end; resolves with the exit code. */
export async function runJobCommand(globals: GlobalOptions, job: string, args: string[], o: { wait?: boolean; json?: boolean }): Promise<number> {
  const { ctx, db, jobs } = await jobRows(globals, !!o.json, Date.now());
  const target = jobs.find((j) => j.name === job);
  if (!target) {
    db.close();
    throw Object.assign(new Error(`no such job ${JSON.stringify(job)} (known: ${jobs.map((j) => j.name).join(', ')})`), { exitCode: EXIT.usage });
  }
  let options: Record<string, unknown>;
  try {
    // Checked here, before anything starts: a bad argument is a usage error now, not a failed run later.
    options = await parseJobArgs(JOBS.find((j) => j.name === job)!, args, ctx.loaded.config);
  } catch (error) {
    db.close();
    throw error;
  }
  if (!o.wait) {
    db.close();
    const { config } = ctx.loaded;
    const argv = ['--data-dir', config.dataDir, '--config', ctx.loaded.path, '--exchange-url', config.exchange.url, 'run', job, '--wait', '--', ...args];
    const child = execa(process.execPath, [CLI_PATH, ...argv], {
      detached: true, stdio: 'ignore', cleanup: false,
    });
    child.unref();
    child.catch(() => {});
    const message = { event: 'started', job, runnerPid: child.pid, hint: 'follow with `cfa-console status` or `cfa-console jobs`' };
    if (o.json) printJsonLine(process.stdout, message);
    else process.stdout.write(`started ${job} in the background (runner PID ${child.pid}); follow with \`cfa-console status\`\n`);
    return EXIT.ok;
  }
  const { config } = ctx.loaded;
  // store.backend postgres: the run is copied to the shared history as it starts and ends.
  const shared = openRunMirror(config, db);
  try {
    const outcome = await runJob({
      job, trigger: 'manual', options, timeoutMs: target.timeoutMs, killGraceMs: durationMs(config.engine.stopGrace),
    }, {
      db, dataDir: config.dataDir,
      cliCommand: [process.execPath, CLI_PATH, '--data-dir', config.dataDir, '--config', ctx.loaded.path, '--exchange-url', config.exchange.url],
      onProgress: (_runId, event) => { if (o.json) printJsonLine(process.stdout, event); },
      ...(shared ? { onRecorded: () => void shared.mirror.sync() } : {}),
    });
    if (o.json) printJsonLine(process.stdout, { event: 'run', ...outcome });
    else process.stdout.write(`${statusMark(outcome.status)}: ${job} run ${outcome.runId}, exit ${outcome.exitCode ?? '-'}, ${durationOrDash(outcome.durationMs)}${outcome.logPath ? `, log ${outcome.logPath}` : ''}\n`);
    return outcome.exitCode ?? (outcome.status === 'success' ? EXIT.ok : EXIT.failure);
  } finally {
    if (shared) {
      await within(shared.mirror.sync(), RUN_MIRROR_WAIT_MS, null);
      await shared.close();
    }
    db.close();
  }
}

/** How long `run --wait` waits, at its end, for its run to reach the shared history (the engine catches up what it misses). */
const RUN_MIRROR_WAIT_MS = 5_000;
/** How long `status` waits for the shared history before it shows this host's runs only. */
const SHARED_READ_MS = 10_000;
const LAST_RUNS = 10;

interface SharedView {
  /** This host's name among the hosts. */
  host: string;
  /** Every host's newest runs; null when PostgreSQL did not answer. */
  runs: SharedRun[] | null;
  /** The jobs with their last result on any host; null when PostgreSQL did not answer. */
  jobs: ReturnType<typeof jobViews> | null;
  error: string | null;
}

/**
 * store.backend postgres: every host's newest `limit` runs (none asked for with 0) and each job's
 * last result on any host, from the shared history; null on SQLite. Never throws: a server that
 * does not answer within SHARED_READ_MS is reported in `error`.
 */
async function readShared(ctx: Ctx, db: Parameters<typeof jobStates>[0], now: number, limit: number): Promise<SharedView | null> {
  const shared = openSharedRuns(ctx.loaded.config);
  if (!shared) return null;
  try {
    const read = await within(Promise.all([limit > 0 ? shared.list({ limit }) : Promise.resolve([]), shared.jobStates()]), SHARED_READ_MS, null);
    if (!read) throw new Error(`PostgreSQL gave no answer within ${SHARED_READ_MS / 1000} s`);
    const [runs, states] = read;
    return { host: shared.host, runs, jobs: jobViews(ctx, mergeJobStates(jobStates(db), states), now), error: null };
  } catch (error) {
    return { host: shared.host, runs: null, jobs: null, error: (error as Error).message };
  } finally {
    await shared.close();
  }
}

/**
 * The last-runs table of `status`. With `hosts` (store.backend postgres) each run's host leads
 * and the exit code gives way to it (it stays in --json), so the table fits 80 columns.
 */
export function runsTable(runs: readonly (JobRun & { host: string | null })[], hosts: boolean): string {
  if (!hosts) {
    return table(['RUN', 'JOB', 'TRIGGER', 'STARTED', 'RESULT', 'EXIT', 'DURATION'], runs.map((r) => [
      String(r.id), r.job, r.trigger, isoOrDash(r.startedAt), statusMark(r.status), r.exitCode == null ? '-' : String(r.exitCode), durationOrDash(r.durationMs),
    ]));
  }
  return table(['HOST', 'RUN', 'JOB', 'TRIGGER', 'STARTED (UTC)', 'RESULT', 'DURATION'], runs.map((r) => [
    shortHost(r.host ?? '-'), String(r.id), r.job, r.trigger, new Date(r.startedAt).toISOString().slice(5, 19).replace('T', ' '),
    statusMark(r.status), durationOrDash(r.durationMs),
  ]));
}

/** A host name cut to 12 characters, the cut marked: the table's other columns keep their room. */
function shortHost(host: string): string {
  return host.length > 12 ? `${host.slice(0, 11)}…` : host;
}

interface LeaderSeen {
  holder: LeaseHolder | null;
  live: boolean;
  /** Why PostgreSQL's lease could not be read (then the leader is unknown, not absent). */
  error: string | null;
}

/** store.backend postgres: the lease in PostgreSQL (never throws: a server away is in `error`); null on SQLite. */
async function readLeader(ctx: Ctx): Promise<LeaderSeen | null> {
  try {
    const seen = await sharedLeader(ctx.loaded.config, SHARED_READ_MS);
    return seen ? { ...seen, error: null } : null;
  } catch (error) {
    return { holder: null, live: false, error: (error as Error).message };
  }
}

/** The leader line of `status`: on postgres the epoch too, and a lease that could not be read said as such. */
export function leaderLine(leader: (LeaseHolder & { alive: boolean }) | null, seen: LeaderSeen | null): string {
  if (seen?.error) return `▲ unknown: ${seen.error}`;
  if (!leader || !leader.alive) return `✖ none${seen ? ' on any host' : ''} (no engine running: start \`cfa-console --daemon\`)`;
  const epoch = leader.epoch !== undefined ? `, epoch ${leader.epoch}` : '';
  return `✔ PID ${leader.pid} on ${leader.host}${epoch}, since ${isoOrDash(leader.acquiredAt)}`;
}

/** `status`: leader, jobs, daemon state and the last runs, as text or one JSON line. */
export async function printStatus(globals: GlobalOptions, json: boolean): Promise<void> {
      const now = Date.now();
      const { ctx, db, jobs: ownJobs } = await jobRows(globals, json, now);
      try {
        // store.backend postgres: the lease in PostgreSQL, read beside the shared runs (ops.db's is this host's only).
        const [seen, shared] = await Promise.all([readLeader(ctx), readShared(ctx, db, now, LAST_RUNS)]);
        const lease = seen ? seen.holder : readLease(db);
        const leader = seen ? (seen.holder ? { ...seen.holder, alive: seen.live } : null)
          : lease ? { ...lease, alive: !holderIsGone(lease, now) } : null;
        const leaderFrom = seen ? { leaderFrom: 'postgres', ...(seen.error ? { leaderError: seen.error } : {}) } : null;
        // On postgres the daemon runs with the leader: on another host, this host's stored state is not its own.
        const daemonHost = seen && leader?.alive && leader.host !== hostName(ctx.loaded.config.engine.host) ? leader.host : null;
        const daemon = daemonHost ? null : new DaemonStore(db).readState('backtest');
        const own = listRuns(db, { limit: LAST_RUNS });
        const jobs = shared?.jobs ?? ownJobs;
        const lastRuns: (JobRun & { host: string | null })[] = shared?.runs ? mergeRuns(own, shared.host, shared.runs, LAST_RUNS)
          : shared ? own.map((r) => ({ ...r, host: shared.host })) : own;
        const sharedRuns = shared ? { runsFrom: shared.runs ? 'postgres' : 'ops.db', ...(shared.error ? { sharedRunsError: shared.error } : {}) } : null;
        if (json) {
          process.stdout.write(`${JSON.stringify({ dataDir: ctx.loaded.config.dataDir, leader, ...leaderFrom, jobs, daemon, ...(daemonHost ? { daemonHost } : {}), lastRuns, ...sharedRuns })}\n`);
          return;
        }
        const lines = [
          `data dir  ${ctx.loaded.config.dataDir}`,
          `leader    ${leaderLine(leader, seen)}`,
          daemonHost ? daemonElsewhereLine(daemonHost) : `daemon    ${daemon ? `${statusMark(daemon.state)}${daemon.pid ? ` PID ${daemon.pid}` : ''}` : ctx.loaded.config.daemon.command ? '· not started yet' : '· none configured (daemon.command)'}`,
          ...(shared?.error ? [`runs      ▲ this host's only: ${shared.error}`] : []),
          '',
        ];
        process.stdout.write(lines.join('\n'));
        process.stdout.write(table(['JOB', 'NEXT RUN', 'LAST RESULT', 'LAST RUN'], jobs.map((j) => [
          j.name, j.nextRunAt ? relative(j.nextRunAt, now) : j.enabled ? 'on demand' : 'disabled', statusMark(j.lastStatus), relative(j.lastRunAt, now),
        ])));
        if (lastRuns.length) {
          process.stdout.write('\n');
          process.stdout.write(runsTable(lastRuns, sharedRuns !== null));
        }
      } finally {
        db.close();
      }
}
