import type { Command } from 'commander';
import { execa } from 'execa';
import { JOBS } from '../../jobs/index.js';
import { CLI_PATH } from '../engine/engine.js';
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
import type { ProgramResult } from './context.js';
import { parseJobArgs } from './job-commands.js';

function openOps(globals: GlobalOptions, json: boolean) {
  const ctx = createContext(globals, json);
  const db = openOpsDb(prepareDataDir(ctx));
  return { ctx, db };
}

function jobRows(globals: GlobalOptions, json: boolean, now: number) {
  const { ctx, db } = openOps(globals, json);
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

/** `jobs`, `run` and `status`: the engine's state for people and scripts. */
export function registerEngineCommands(program: Command, globals: () => GlobalOptions, result: ProgramResult): void {
  program.command('jobs').description('list the jobs: schedule (UTC), next run, last result and duration')
    .option('--json', 'JSON instead of a table')
    .action((o: { json?: boolean }) => {
      const now = Date.now();
      const { db, jobs } = jobRows(globals(), !!o.json, now);
      db.close();
      if (o.json) {
        process.stdout.write(`${JSON.stringify(jobs)}\n`);
        return;
      }
      process.stdout.write(table(['JOB', 'SCHEDULE (UTC)', 'NEXT RUN', 'LAST RESULT', 'LAST RUN', 'DURATION'], jobs.map((j) => [
        j.name, j.enabled ? j.schedule ?? 'on demand' : 'disabled',
        j.nextRunAt ? `${isoOrDash(j.nextRunAt)} (${relative(j.nextRunAt, now)})` : '-',
        statusMark(j.lastStatus), relative(j.lastRunAt, now), durationOrDash(j.lastDurationMs),
      ])));
    });

  program.command('run').description('run a job now, through the same lock and history as the scheduler')
    .argument('<job>', `one of: ${JOBS.map((j) => j.name).join(', ')}`)
    .argument('[args...]', 'passed to the job\'s subcommand (after --), e.g. run sync -- --symbols BTCUSDT')
    .option('--wait', 'wait for the run to end and exit with its exit code (default: start it in the background)')
    .option('--json', 'JSON lines: the job\'s progress, then the run')
    .action(async (job: string, args: string[], o: { wait?: boolean; json?: boolean }) => {
      const g = globals();
      const { ctx, db, jobs } = jobRows(g, !!o.json, Date.now());
      const target = jobs.find((j) => j.name === job);
      if (!target) {
        db.close();
        throw Object.assign(new Error(`no such job ${JSON.stringify(job)} (known: ${jobs.map((j) => j.name).join(', ')})`), { exitCode: EXIT.usage });
      }
      let options: Record<string, unknown>;
      try {
        // Checked here, before anything starts: a bad argument is a usage error now, not a failed run later.
        options = parseJobArgs(JOBS.find((j) => j.name === job)!, args, ctx.loaded.config);
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
        return;
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
        result.exitCode = outcome.exitCode ?? (outcome.status === 'success' ? EXIT.ok : EXIT.failure);
      } finally {
        db.close();
      }
    });

  program.command('status').description('who leads, the jobs, the supervised daemon and the last runs')
    .option('--json', 'JSON instead of text')
    .action((o: { json?: boolean }) => printStatus(globals(), !!o.json));
}

/** `status`: leader, jobs, daemon state and the last runs, as text or one JSON line. */
export function printStatus(globals: GlobalOptions, json: boolean): void {
      const now = Date.now();
      const { ctx, db, jobs } = jobRows(globals, json, now);
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
