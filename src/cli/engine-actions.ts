import { execa } from 'execa';
import { JOBS } from '../../jobs/index.js';
import { CLI_PATH } from '../common/entry-points.js';
import { runJob } from '../engine/job-runner.js';
import { holderIsGone, readLease } from '../engine/leadership.js';
import { listRuns, jobStates } from '../engine/run-history.js';
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

async function jobRows(globals: GlobalOptions, json: boolean, now: number) {
  const { ctx, db } = await openOps(globals, json);
  try {
    const states = new Map(jobStates(db).map((s) => [s.job, s]));
    const jobs = resolveSchedule(JOBS, ctx.loaded.config.jobs).map((j) => ({
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
    return { ctx, db, jobs };
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
  const { db, jobs } = await jobRows(globals, json, now);
  db.close();
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
  try {
    const outcome = await runJob({
      job, trigger: 'manual', options, timeoutMs: target.timeoutMs, killGraceMs: durationMs(config.engine.stopGrace),
    }, {
      db, dataDir: config.dataDir,
      cliCommand: [process.execPath, CLI_PATH, '--data-dir', config.dataDir, '--config', ctx.loaded.path, '--exchange-url', config.exchange.url],
      onProgress: (_runId, event) => { if (o.json) printJsonLine(process.stdout, event); },
    });
    if (o.json) printJsonLine(process.stdout, { event: 'run', ...outcome });
    else process.stdout.write(`${statusMark(outcome.status)}: ${job} run ${outcome.runId}, exit ${outcome.exitCode ?? '-'}, ${durationOrDash(outcome.durationMs)}${outcome.logPath ? `, log ${outcome.logPath}` : ''}\n`);
    return outcome.exitCode ?? (outcome.status === 'success' ? EXIT.ok : EXIT.failure);
  } finally {
    db.close();
  }
}

/** `status`: leader, jobs, daemon state and the last runs, as text or one JSON line. */
export async function printStatus(globals: GlobalOptions, json: boolean): Promise<void> {
      const now = Date.now();
      const { ctx, db, jobs } = await jobRows(globals, json, now);
      try {
        const lease = readLease(db);
        const leader = lease ? { ...lease, alive: !holderIsGone(lease, now) } : null;
        const daemon = new DaemonStore(db).readState('backtest');
        const lastRuns = listRuns(db, { limit: 10 });
        if (json) {
          process.stdout.write(`${JSON.stringify({ dataDir: ctx.loaded.config.dataDir, leader, jobs, daemon, lastRuns })}\n`);
          return;
        }
        const lines = [
          `data dir  ${ctx.loaded.config.dataDir}`,
          `leader    ${leader && leader.alive ? `✔ PID ${leader.pid} on ${leader.host}, since ${isoOrDash(leader.acquiredAt)}` : '✖ none (no engine running: start `cfa-console --daemon`)'}`,
          `daemon    ${daemon ? `${statusMark(daemon.state)}${daemon.pid ? ` PID ${daemon.pid}` : ''}` : ctx.loaded.config.daemon.command ? '· not started yet' : '· none configured (daemon.command)'}`,
          '',
        ];
        process.stdout.write(lines.join('\n'));
        process.stdout.write(table(['JOB', 'NEXT RUN', 'LAST RESULT', 'LAST RUN'], jobs.map((j) => [
          j.name, j.nextRunAt ? relative(j.nextRunAt, now) : j.enabled ? 'on demand' : 'disabled', statusMark(j.lastStatus), relative(j.lastRunAt, now),
        ])));
        if (lastRuns.length) {
          process.stdout.write('\n');
          process.stdout.write(table(['RUN', 'JOB', 'TRIGGER', 'STARTED', 'RESULT', 'EXIT', 'DURATION'], lastRuns.map((r) => [
            String(r.id), r.job, r.trigger, isoOrDash(r.startedAt), statusMark(r.status), r.exitCode == null ? '-' : String(r.exitCode), durationOrDash(r.durationMs),
          ])));
        }
      } finally {
        db.close();
      }
}
