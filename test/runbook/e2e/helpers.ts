import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect } from 'vitest';
import { JOBS } from '../../../jobs/index.js';
import { RUNBOOKS } from '../../../runbooks/index.js';
import type { SimulatorHandle, SimulatorOptions } from '../../../src/exchange/simulator/index.js';
import type { Interval } from '../../../src/exchange/intervals.js';
import type { IncidentReport } from '../../../src/runbook/report.js';
import { Recorder } from '../../alerts/helpers.js';
import { runCli, startCli, writeTestConfig, type CliRun } from '../../helpers/cli.js';
import { startDaemon, type RunningDaemon } from '../../helpers/daemon.js';
import { simulator, storeDifferences } from '../../helpers/simulated-exchange.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';

/**
 * End-to-end runbook tests: the built binary (`runbook run <id> --yes --json`) on a real data dir,
 * against the simulator, with a real `--daemon` leader where the runbook drives the daemon, and a
 * local recording server as the alert channel (the incident channel and the pages land there).
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Runs `fn` after the test, last registered first (leaders stop before their data dir goes). */
export function after(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const BEATING = path.resolve('test/fixtures/daemons/beating-daemon.mjs');
export const CRASHING = path.resolve('test/fixtures/daemons/crashing-daemon.mjs');
export const HANG_ONCE = path.resolve('test/fixtures/daemons/hang-once-daemon.mjs');

export interface E2eOptions {
  /** How many simulator symbols (default 2). */
  symbols?: number;
  /** The configured symbols (default: the simulator's). */
  configured?: string[];
  intervals?: Interval[];
  backfillDays?: number;
  /** More config (deep-merged). */
  settings?: Record<string, unknown>;
  sim?: SimulatorOptions;
  /** The simulator's clock starts this far behind now (the store synced then); `advance` moves it on. */
  behindMs?: number;
  env?: Record<string, string>;
}

export interface E2e {
  dir: string;
  dataDir: string;
  configFile: string;
  sim: SimulatorHandle;
  /** Now when the test began: the simulator's clock stands still there (minus `behindMs`), so no candle closes during a test and freshness is judged against now. */
  t0: number;
  /** Moves the simulator's clock forward (never past now: the exchange has no future candles). */
  advance(ms: number): void;
  symbols: string[];
  intervals: Interval[];
  backfillDays: number;
  /** The alert channel (a webhook): every incident message and page is a request here. */
  hook: Recorder;
  cli(args: string[]): Promise<CliRun>;
  /** `runbook run <id> --yes --json`. */
  run(id: string, more?: string[]): Promise<CliRun>;
  start(args: string[]): ReturnType<typeof startCli>;
  /** `incident report <id> --format json`. */
  report(incident: number): Promise<IncidentReport>;
  /** The engine (`--daemon`), the leader, once it leads. */
  leader(): Promise<RunningDaemon>;
  /** Differences between the store and the simulator's closed candles of these series. */
  differences(symbols?: readonly string[]): string[];
}

export async function e2e(options: E2eOptions = {}): Promise<E2e> {
  const t0 = Date.now();
  let behind = options.behindMs ?? 0;
  const anchor = t0 - behind;
  const sim = await simulator({ symbols: options.symbols ?? 2, now: () => t0 - behind, weightClock: Date.now, ...options.sim });
  const hook = await new Recorder().start();
  after(() => hook.stop());
  const dir = tempDir('cfa-rb-e2e-');
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir);
  const symbols = options.configured ?? [...sim.symbols];
  const intervals = options.intervals ?? ['1h', '4h'];
  const backfillDays = options.backfillDays ?? 3;
  const configFile = writeTestConfig(dir, {
    symbols, intervals,
    sync: { backfillDays },
    engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms', monitorEvery: '1s' },
    alerts: { channels: { webhook: { url: hook.url } }, groupWait: '0s' },
    // Only what a test asks for runs on the leader: no scheduled job, no automatic runbook (the
    // runbook under test is run by hand, with the binary).
    runbooks: { auto: Object.fromEntries(RUNBOOKS.map((r) => [r.id, false])) },
    jobs: Object.fromEntries(JOBS.map((j) => [j.name, { enabled: false }])),
    ...options.settings,
  });
  const argv = ['--data-dir', dataDir, '--config', configFile, '--exchange-url', sim.url];
  const env = options.env ?? {};
  const cli = (args: string[]) => runCli([...argv, ...args], { env: { NO_COLOR: '1', ...env } });
  return {
    dir, dataDir, configFile, sim, t0, symbols,
    advance: (ms) => { behind = Math.max(0, behind - ms); }, intervals, backfillDays, hook, cli,
    run: (id, more = []) => cli(['runbook', 'run', id, '--yes', '--json', ...more]),
    start: (args) => startCli([...argv, ...args], { env: { NO_COLOR: '1', ...env }, buffer: false }),
    async report(incident) {
      const r = await cli(['incident', 'report', String(incident), '--format', 'json']);
      expect(r.exitCode, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as IncidentReport;
    },
    async leader() {
      const engine = startDaemon(argv, { env: { NO_COLOR: '1', ...env } });
      after(async () => {
        engine.child.kill('SIGTERM');
        await engine.child.catch(() => {});
      });
      await engine.waitFor((l) => l.msg === 'became leader');
      return engine;
    },
    differences: (only = symbols) => storeDifferences(dataDir, sim, only, intervals, backfillDays, anchor),
  };
}

/** The summary line of a `runbook run --json`, failing with the whole output when there is none. */
export function summaryOf(run: CliRun): Record<string, any> {
  const summary = run.events.find((e) => e.event === 'summary');
  if (!summary) throw new Error(`no summary line (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}`);
  return summary as Record<string, any>;
}

/** `step:outcome` of every step line, in order. */
export function stepsOf(run: CliRun): string[] {
  return run.events.filter((e) => e.event === 'runbook-step').map((e) => `${String(e.step)}:${String(e.outcome)}`);
}

/** Why a run did not end as expected: its lines, for an assertion's message. */
export function explain(run: CliRun): string {
  return `exit ${run.exitCode}\n${run.events.map((e) => JSON.stringify(e).slice(0, 600)).join('\n')}\n${run.stderr}`;
}

/** The steady state after the run passed: the alert's own probe and threshold. */
export function expectSteady(run: CliRun): void {
  const after = run.events.find((e) => e.event === 'steady-state' && e.phase === 'after');
  expect(after?.passed, explain(run)).toBe(true);
  expect(run.exitCode, explain(run)).toBe(0);
  expect(summaryOf(run)).toMatchObject({ outcome: 'resolved', steadyAfter: true });
}

/** The root causes the report ticked. */
export function ticked(report: IncidentReport): string[] {
  return report.rootCause.options.filter((o) => o.ticked).map((o) => o.cause);
}

/** The report's actions as `step:outcome` (steps only, not the notes of resumes or handovers). */
export function actionsOf(report: IncidentReport): string[] {
  return report.actions.filter((a) => a.step !== null && (a.kind === 'step' || a.kind === 'escalation' || a.kind === 'already-done')).map((a) => `${a.step}:${a.outcome}`);
}

/** waitFor with the probe first (as these tests read), and a longer default. */
export function until<T>(probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000): Promise<T> {
  return waitFor(what, probe, timeoutMs);
}
