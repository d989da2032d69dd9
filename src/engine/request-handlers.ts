import type { RunOutcome } from './job-runner.js';
import type { RequestHandlers, RequestOutcome } from './request-poller.js';
import type { Supervisor, SupervisorStatus } from './supervisor/supervisor.js';

export interface LeaderActions {
  /** The leader's supervisor, or null when no daemon is configured. */
  supervisor(name?: string): Supervisor | null;
  runJob(job: string, options: Record<string, unknown> | undefined, trigger: 'manual' | 'runbook'): Promise<RunOutcome>;
}

function daemonResult(before: SupervisorStatus, after: SupervisorStatus): RequestOutcome {
  return {
    ok: true,
    result: { daemon: after.name, state: after.state, pid: after.pid, previousPid: before.pid, previousState: before.state, restarts24h: after.restarts24h },
  };
}

function need(actions: LeaderActions, name?: string): Supervisor {
  const supervisor = actions.supervisor(name);
  if (!supervisor) {
    throw new Error(name && name !== 'backtest' ? `the leader supervises no ${name} process (for litestream: replication.replicas is empty in its config)` : 'the leader supervises no daemon: daemon.command is not set in its config');
  }
  return supervisor;
}

function describe(reason: string | undefined, fallback: string, by: { pid: number; host: string; user: string | null }): string {
  return `${reason ?? fallback} (asked by ${by.user ?? 'PID'} ${by.user ? `PID ${by.pid}` : by.pid} on ${by.host})`;
}

/** What the leader does for each kind of request: the supervisor's actions and a manual job run. */
export function leaderRequestHandlers(actions: LeaderActions): RequestHandlers {
  return {
    'daemon.restart': async (args, request) => {
      const supervisor = need(actions, args.name);
      const before = supervisor.status();
      return daemonResult(before, await supervisor.restart(describe(args.reason, 'restart requested', request.requestedBy)));
    },
    'daemon.pause': async (args, request) => {
      const supervisor = need(actions, args.name);
      const before = supervisor.status();
      return daemonResult(before, await supervisor.pause(describe(args.reason, 'pause requested', request.requestedBy)));
    },
    'daemon.resume': async (args, request) => {
      const supervisor = need(actions, args.name);
      const before = supervisor.status();
      return daemonResult(before, await supervisor.resume(describe(args.reason, 'resume requested', request.requestedBy)));
    },
    'job.run': async (args) => {
      const outcome = await actions.runJob(args.job, args.options, args.trigger ?? 'manual');
      const ok = outcome.status === 'success' || outcome.status === 'partial';
      return {
        ok,
        result: { job: args.job, ...outcome, ...(ok ? {} : { error: outcome.status === 'skipped' ? `${args.job} is already running` : `${args.job} ended ${outcome.status}${outcome.exitCode === null ? '' : ` (exit ${outcome.exitCode})`}` }) },
      };
    },
  };
}
