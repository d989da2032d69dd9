import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import type { Db } from '../store/sqlite.js';
import { lockHolder } from './job-lock.js';
import { isAlive, processGroupAlive } from './process-identity.js';
import {
  finishRun, jobLogPath, recordSkipped, setRunLogPath, startRun,
  type FinalStatus, type RunTrigger,
} from './run-history.js';

export interface RunRequest {
  job: string;
  trigger: RunTrigger;
  slot?: number | null;
  /** The operation's typed options (JSON), handed to the job's process whole. */
  options?: Record<string, unknown>;
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL, on timeout or cancel. */
  killGraceMs: number;
}

export interface RunnerDeps {
  db: Db;
  dataDir: string;
  /** argv that runs the CLI, e.g. [node, '/abs/dist/src/cli.js', '--data-dir', dir]; never through a shell. */
  cliCommand: string[];
  onStart?(runId: number, logPath: string): void;
  onProgress?(runId: number, event: Record<string, unknown>): void;
  /** Aborting cancels the run; a reason with a numeric `killGraceMs` overrides the request's grace. */
  signal?: AbortSignal;
  /**
   * Asked last before a run starts (the leader's fenced write in PostgreSQL: pg-leadership.ts):
   * a reason refuses it, and the run is recorded skipped with that reason. Absent: no question.
   */
  admit?(request: RunRequest): Promise<string | null>;
  /**
   * After the run history changed for a run: it started, ended, or was recorded skipped (the
   * shared history's mirror copies it: run-mirror.ts). Must not throw.
   */
  onRecorded?(runId: number, job: string, change: 'start' | 'finish' | 'skip'): void;
}

export interface RunOutcome {
  runId: number;
  status: FinalStatus;
  exitCode: number | null;
  durationMs: number;
  summary: Record<string, unknown> | null;
  /** Null when nothing was spawned. */
  logPath: string | null;
}

const TIMEOUT_EXIT = 124;
const STDERR_TAIL_LINES = 20;

/** Runs one job as a child process, records it in the run history, and never throws for the child's sake. */
export async function runJob(request: RunRequest, deps: RunnerDeps): Promise<RunOutcome> {
  const { db } = deps;
  const { job } = request;
  const skip = (reason: string): RunOutcome => {
    const runId = recordSkipped(db, { job, trigger: request.trigger, slot: request.slot ?? null, reason });
    deps.onRecorded?.(runId, job, 'skip');
    return { runId, status: 'skipped', exitCode: null, durationMs: 0, summary: { reason }, logPath: null };
  };
  // A pre-check only: the job takes its lock itself, and a lost race is recognised from its exit below.
  const holder = lockHolder(db, job);
  if (holder && (holder.host !== os.hostname() || isAlive(holder))) {
    return skip(`already running: PID ${holder.pid}${holder.host === os.hostname() ? '' : ` on ${holder.host}`}`);
  }
  if (deps.signal?.aborted) return skip('engine stopping');
  if (deps.admit) {
    const refused = await deps.admit(request).catch((error: unknown) => `not admitted: ${(error as Error).message}`);
    if (refused !== null) return skip(refused);
    if (deps.signal?.aborted) return skip('engine stopping');
  }

  const startedAt = Date.now();
  const runId = startRun(db, { job, trigger: request.trigger, slot: request.slot ?? null, startedAt });
  const logPath = jobLogPath(deps.dataDir, job, runId);
  setRunLogPath(db, runId, logPath);
  deps.onRecorded?.(runId, job, 'start');
  const log = new RunLog(logPath);
  const t0 = performance.now();
  let result: Execution;
  try {
    deps.onStart?.(runId, logPath);
    result = await execute(request, deps, runId, log);
  } catch (error) {
    // Our own bug must still end the row; a `running` row of a live runner is never repaired.
    result = { status: 'failed', exitCode: null, summary: { error: `runner error: ${(error as Error).message}` } };
  }
  const durationMs = Math.round(performance.now() - t0);
  log.note(`${result.status}, exit code ${result.exitCode ?? 'none'}, ${durationMs} ms`);
  log.close();
  const summary = log.error ? { ...result.summary, logError: log.error } : result.summary;
  finishRun(db, runId, { status: result.status, exitCode: result.exitCode, durationMs, summary, endedAt: startedAt + durationMs });
  deps.onRecorded?.(runId, job, 'finish');
  return { runId, status: result.status, exitCode: result.exitCode, durationMs, summary, logPath };
}

interface Execution {
  status: FinalStatus;
  exitCode: number | null;
  summary: Record<string, unknown> | null;
}

async function execute(request: RunRequest, deps: RunnerDeps, runId: number, log: RunLog): Promise<Execution> {
  const [file, ...prefix] = deps.cliCommand;
  if (file === undefined) return { status: 'failed', exitCode: null, summary: { error: 'no command to run the job with' } };
  const args = [...prefix, request.job, `--options-json=${JSON.stringify(request.options ?? {})}`, '--json'];
  log.note(`run ${runId} of ${request.job} (${request.trigger}): ${[file, ...args].join(' ')}`);

  // Detached: the child leads its own process group, so a timeout reaches whatever it spawned,
  // and a Ctrl-C at the console's terminal is ours to handle, not delivered to the job.
  const child = execa(file, args, {
    detached: true, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', buffer: false, reject: false,
    env: { CFA_RUN_ID: String(runId) }, forceKillAfterDelay: false,
  });
  if (child.pid === undefined) {
    const failed = await child;
    const error = failed.originalMessage || failed.shortMessage || failed.message || 'spawn failed';
    log.note(`spawn failed: ${error}`);
    return { status: 'failed', exitCode: null, summary: { error } };
  }
  log.note(`pid ${child.pid}`);
  const group = new ProcessGroup(child.pid);

  let summary: Record<string, unknown> | null = null;
  const stderrTail: string[] = [];
  const stdout = readline.createInterface({ input: child.stdout!, crlfDelay: Infinity });
  const stderr = readline.createInterface({ input: child.stderr!, crlfDelay: Infinity });
  const streamsClosed = Promise.all([new Promise((r) => stdout.once('close', r)), new Promise((r) => stderr.once('close', r))]);
  stdout.on('line', (line) => {
    log.line('out', line);
    const event = parseEvent(line);
    if (!event) return;
    if (event.event === 'summary') summary = event;
    try {
      deps.onProgress?.(runId, event);
    } catch {
      // A listener's failure is the listener's: the run goes on.
    }
  });
  stderr.on('line', (line) => {
    log.line('err', line);
    stderrTail.push(line);
    if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
  });

  let stoppedFor: 'timeout' | 'cancelled' | null = null;
  let exited = false;
  const stop = (why: 'timeout' | 'cancelled', graceMs: number) => {
    if (stoppedFor || exited) return;
    stoppedFor = why;
    log.note(`${why}: SIGTERM to process group ${group.pgid}, SIGKILL after ${graceMs} ms`);
    group.terminate(graceMs);
  };
  // Node fires a delay above 2^31-1 ms at once; no job timeout is that long anyway.
  const timer = setTimeout(() => stop('timeout', request.killGraceMs), Math.min(request.timeoutMs, 2 ** 31 - 1));
  const onAbort = () => stop('cancelled', graceOf(deps.signal?.reason) ?? request.killGraceMs);
  deps.signal?.addEventListener('abort', onAbort, { once: true });
  if (deps.signal?.aborted) onAbort();

  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.once('exit', (c, s) => resolve([c, s]));
  });
  exited = true;
  clearTimeout(timer);
  deps.signal?.removeEventListener('abort', onAbort);
  // Whatever the job left behind in its group is an orphan now: it gets the same grace, then SIGKILL.
  if (await group.settle(request.killGraceMs)) log.note(`killed what was left of process group ${group.pgid}`);
  // A process that escaped the group could hold the pipes open forever; stop reading after a grace.
  const drained = await Promise.race([streamsClosed.then(() => true), sleep(request.killGraceMs + 1000).then(() => false)]);
  if (!drained) {
    child.stdout?.destroy();
    child.stderr?.destroy();
  }
  void Promise.resolve(child).catch(() => {});

  const exitCode = code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : null);
  const childSummary = summary ? withoutEvent(summary) : null;
  return classify({ stoppedFor, exitCode, signal, childSummary, stderrTail });
}

function classify(x: {
  stoppedFor: 'timeout' | 'cancelled' | null; exitCode: number | null; signal: NodeJS.Signals | null;
  childSummary: Record<string, unknown> | null; stderrTail: string[];
}): Execution {
  const { stoppedFor, exitCode, childSummary } = x;
  if (stoppedFor === 'timeout') return { status: 'timeout', exitCode: TIMEOUT_EXIT, summary: { ...childSummary, reason: 'timeout' } };
  if (stoppedFor === 'cancelled') return { status: 'cancelled', exitCode, summary: { ...childSummary, reason: 'cancelled' } };
  // A job that had nothing to do (a backup of a store not created yet) says so, with its reason.
  if (exitCode === 0 && childSummary?.status === 'skipped') return { status: 'skipped', exitCode, summary: childSummary };
  if (exitCode === 0) return { status: 'success', exitCode, summary: childSummary };
  if (exitCode === TIMEOUT_EXIT) return { status: 'timeout', exitCode, summary: childSummary };
  const tail = x.stderrTail.join('\n');
  const busy = x.stderrTail.find((l) => /is already running: PID \d+/.test(l));
  // The job lost the race for its own lock to a run started elsewhere: nothing ran here.
  if (exitCode === 1 && !childSummary && busy) return { status: 'skipped', exitCode, summary: { reason: busy.trim() } };
  const status = exitCode === 1 && isPartial(childSummary) ? 'partial' : 'failed';
  const error = x.signal ? `killed by ${x.signal}${tail ? `\n${tail}` : ''}` : tail;
  const summary = { ...childSummary };
  if (error && summary.error === undefined) summary.error = error;
  return { status, exitCode, summary: Object.keys(summary).length ? summary : null };
}

/** A job reports partial success by saying so, or, like sync, by counting series that went through. */
function isPartial(summary: Record<string, unknown> | null): boolean {
  if (!summary) return false;
  if (summary.status === 'partial') return true;
  const ok = (summary.series as { ok?: unknown } | undefined)?.ok;
  return typeof ok === 'number' && ok > 0;
}

function parseEvent(line: string): Record<string, unknown> | null {
  if (!line.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function withoutEvent(event: Record<string, unknown>): Record<string, unknown> {
  const { event: _event, ...rest } = event;
  return rest;
}

function graceOf(reason: unknown): number | undefined {
  const grace = (reason as { killGraceMs?: unknown } | null | undefined)?.killGraceMs;
  return typeof grace === 'number' && grace >= 0 ? grace : undefined;
}

/** The child's output, one line per write with its time and stream, plus the runner's own notes. */
class RunLog {
  private fd: number | null = null;
  error: string | null = null;

  constructor(readonly file: string) {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      this.fd = fs.openSync(file, 'a');
    } catch (error) {
      // A full or read-only disk must not stop the job; the run records why it has no log.
      this.error = (error as Error).message;
    }
  }

  line(stream: 'out' | 'err' | 'runner', text: string): void {
    if (this.fd === null) return;
    try {
      fs.writeSync(this.fd, `${new Date().toISOString()} ${stream} ${text}\n`);
    } catch (error) {
      this.error ??= (error as Error).message;
    }
  }

  note(text: string): void {
    this.line('runner', text);
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

const liveGroups = new Set<ProcessGroup>();
let exitHookInstalled = false;

/** The job's process group: the child (detached, so its PID is the group id) and all it spawned. */
class ProcessGroup {
  private killTimer: NodeJS.Timeout | null = null;
  private terminatedAt: number | null = null;
  private graceMs = 0;

  constructor(readonly pgid: number) {
    liveGroups.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      // Last resort if the engine exits without stopping its runs: ask them to stop too.
      process.once('exit', () => { for (const g of liveGroups) g.signal('SIGTERM'); });
    }
  }

  signal(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pgid, sig);
    } catch {
      // ESRCH: nobody left in the group.
    }
  }

  terminate(graceMs: number): void {
    if (this.terminatedAt !== null) return;
    this.terminatedAt = performance.now();
    this.graceMs = graceMs;
    this.signal('SIGTERM');
    this.killTimer = setTimeout(() => this.signal('SIGKILL'), graceMs);
  }

  /** After the child's exit: ends whatever is left of the group. True when something was left. */
  async settle(graceMs: number): Promise<boolean> {
    try {
      if (!groupAlive(this.pgid)) return false;
      this.terminate(graceMs);
      const deadline = (this.terminatedAt ?? performance.now()) + this.graceMs;
      while (groupAlive(this.pgid) && performance.now() < deadline) await sleep(20);
      this.signal('SIGKILL');
      for (let i = 0; i < 250 && groupAlive(this.pgid); i += 1) await sleep(20);
      return true;
    } finally {
      // Once the group is gone its id may be reused: no signal may be sent to it after this.
      if (this.killTimer) clearTimeout(this.killTimer);
      liveGroups.delete(this);
    }
  }
}

/**
 * True while a process of the group runs. Zombies do not count: an orphan whose reaper (PID 1 in
 * a container) never waits for it would otherwise keep the group "alive" forever.
 */
function groupAlive(pgid: number): boolean {
  return processGroupAlive(pgid);
}

export interface RunningJob {
  job: string;
  runId: number;
  trigger: RunTrigger;
  startedAt: number;
  lastProgress: Record<string, unknown> | null;
}

interface InFlight {
  controller: AbortController;
  info: RunningJob | null;
  done: Promise<RunOutcome>;
}

/**
 * The runs in flight in this process, one per job: a second run of a job already running here
 * is recorded as skipped instead of started.
 */
export class JobRunner {
  readonly #inFlight = new Map<string, InFlight>();

  constructor(private readonly deps: Omit<RunnerDeps, 'signal' | 'onStart'>) {}

  run(request: RunRequest): Promise<RunOutcome> {
    const current = this.#inFlight.get(request.job);
    if (current) {
      const reason = `already running${current.info ? `: run ${current.info.runId}` : ''}`;
      const runId = recordSkipped(this.deps.db, { job: request.job, trigger: request.trigger, slot: request.slot ?? null, reason });
      this.deps.onRecorded?.(runId, request.job, 'skip');
      return Promise.resolve({ runId, status: 'skipped', exitCode: null, durationMs: 0, summary: { reason }, logPath: null });
    }
    // Registered before runJob starts: it reports the run id synchronously, before its first await.
    const entry = { controller: new AbortController(), info: null } as InFlight;
    this.#inFlight.set(request.job, entry);
    entry.done = runJob(request, {
      ...this.deps,
      signal: entry.controller.signal,
      onStart: (runId) => {
        entry.info = { job: request.job, runId, trigger: request.trigger, startedAt: Date.now(), lastProgress: null };
      },
      onProgress: (runId, event) => {
        if (entry.info) entry.info.lastProgress = event;
        this.deps.onProgress?.(runId, event);
      },
    }).finally(() => this.#inFlight.delete(request.job));
    return entry.done;
  }

  running(): RunningJob[] {
    return [...this.#inFlight.values()].flatMap((e) => (e.info ? [{ ...e.info }] : []));
  }

  isRunning(job: string): boolean {
    return this.#inFlight.has(job);
  }

  /** SIGTERM to every run, SIGKILL after `graceMs`; resolves when all have ended and are recorded. */
  async stopAll(graceMs: number): Promise<RunOutcome[]> {
    const runs = [...this.#inFlight.values()];
    for (const r of runs) r.controller.abort({ killGraceMs: graceMs, message: 'engine stopping' });
    return Promise.all(runs.map((r) => r.done));
  }
}
