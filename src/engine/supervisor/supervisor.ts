import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type Result } from 'execa';
import { durationMs, type Config } from '../../config/schema.js';
import type { Db } from '../../store/sqlite.js';
import { tailLines } from '../../common/log-tail.js';
import { listProcStats } from '../../common/proc-stat.js';
import { processStartTicks, processGroupOf } from '../process-identity.js';
import { ResourceSampler, sustainedAbove } from '../resource-sampler.js';
import { DaemonStore, type DaemonEventKind, type DaemonStateName } from './daemon-store.js';
import { HEARTBEAT_ENV, heartbeatAge, heartbeatFilePath, readHeartbeat } from './heartbeat.js';
import { isRunning, liveProcessFromPidFile, pidFilePath, removePidFile, writePidFile, type PidRecord } from './pid-file.js';
import { decideRestart, restartPolicyFromConfig, type RestartPolicy } from './restart-policy.js';

export type DaemonConfig = Config['daemon'];

/** Where a daemon's stdout and stderr go (appended), and the supervisor's own notes about it. */
export function daemonLogPath(dataDir: string, name: string): string {
  return path.join(dataDir, 'logs', 'daemon', `${name}.log`);
}

export interface SupervisorOptions {
  db: Db;
  dataDir: string;
  /** Default 'backtest'. */
  name?: string;
  config: DaemonConfig;
  now?: () => number;
  /** How often exit, heartbeat and resource findings are checked (default 1 s). */
  tickMs?: number;
  /** `engine.sampleEvery` in ms (default 5 s); used when no shared sampler is given. */
  sampleEvery?: number;
  /**
   * A sampler shared with the rest of the engine; the supervisor points it at the daemon's PID
   * under the daemon's name. Without one the supervisor runs its own (daemon only, no host).
   */
  sampler?: ResourceSampler;
  onChange?: (status: SupervisorStatus) => void;
  /**
   * The argv to run, when it is not `config.command` (a process the engine itself runs, such as
   * Litestream); `config` then only lends the restart policy, the grace and the limits.
   */
  command?: string[];
  /** Which setting the command comes from, for error messages (default `daemon.command`). */
  commandSource?: string;
  /** More environment for the process (passwords it reads from its env; never logged). */
  env?: Record<string, string>;
  /**
   * False for a program that does not write CFA_HEARTBEAT_FILE (Litestream): it counts as
   * running once started and is never judged hung. Default true.
   */
  heartbeat?: boolean;
  /** Errors caught in timers (they never escape); default: noted in the daemon's log. */
  onError?: (error: unknown) => void;
  /**
   * Asked before each start or restart (the leader's fenced write in PostgreSQL:
   * src/engine/pg-leadership.ts); false: nothing is started. Absent: no question.
   */
  admit?: () => Promise<boolean>;
}

export interface SupervisorStatus {
  name: string;
  state: DaemonStateName;
  pid: number | null;
  startedAt: number | null;
  /** Null while no process is watched. */
  heartbeatAgeMs: number | null;
  restarts24h: number;
  lastExit: { code: number | null; signal: string | null } | null;
  cpuPercent: number | null;
  rssBytes: number | null;
  /** True when the process was found running (PID file) rather than started by this supervisor. */
  adopted: boolean;
  /** Why the last start failed, when it did (spawn-failed). */
  lastError: string | null;
}

interface ExitInfo {
  code: number | null;
  signal: string | null;
}

/** One process being watched, started by us or adopted from the PID file. */
interface Watched {
  pid: number;
  startTicks: number | null;
  startedAt: number;
  command: string[];
  adopted: boolean;
  /** Signal the whole process group: only when the process leads its own group. */
  group: boolean;
  exited: boolean;
  exit: Promise<ExitInfo>;
  /** For adopted processes, which we cannot wait() for: resolved when polling sees them gone. */
  resolveExit: ((exit: ExitInfo) => void) | null;
  /** Set when we are the ones ending it, so its exit is not a crash. */
  ending: null | 'hang' | 'stop';
  lastBeat: number | null;
  /** Lets our process exit while the daemon runs on (after release()). */
  unref: () => void;
}

const DAY_MS = 86_400_000;
/** How long after SIGKILL we keep waiting for the kernel to take the processes away. */
const AFTER_KILL_WAIT_MS = 5_000;
const LOG_TAIL_LINES = 20;

/** Processes whose process group is `pgid`, with their state letters (Z = zombie). */
function groupMembers(pgid: number): { pid: number; state: string; name: string }[] {
  return (listProcStats() ?? []).filter((p) => p.pgrp === pgid).map((p) => ({ pid: p.pid, state: p.state, name: p.comm }));
}

function readProcText(pid: number, file: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8').trimEnd();
  } catch (error) {
    return `(unreadable: ${(error as Error).message})`;
  }
}

function formatMs(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(1)}s` : `${Math.round(value)}ms`;
}

/**
 * Runs the user's long-running daemon (the backtest daemon) and keeps it honest.
 *
 * - Started with execa, argv without a shell, detached into its own process group (so a signal
 *   reaches the workers it forks), stdout/stderr appended straight to logs/daemon/<name>.log
 *   through a file descriptor: the daemon never writes into a pipe that dies with us.
 * - `run/<name>.pid` records PID + start ticks; `run/<name>.heartbeat` is handed over as
 *   CFA_HEARTBEAT_FILE. No beat for heartbeatTimeout is a hang: diagnostics go to the log, then
 *   SIGTERM to the group and SIGKILL after killGrace, then a restart.
 * - An unexpected exit (whatever its code: the daemon is meant to run forever), a hang and a
 *   command that cannot be spawned all count as crashes; restarts back off (restart-policy.ts)
 *   and the maxCrashes-th crash within crashWindow ends in `crash-loop`, which persists across
 *   supervisors until someone starts it by hand (`start({ manual: true })`).
 * - Adoption: when `start()` finds the PID file naming a live process (same PID *and* start
 *   ticks), e.g. after a leader takeover, it does not start a second copy; it adopts that one and
 *   watches it by PID polling and heartbeat. Its exit code cannot be known (it is not our child),
 *   so an adopted process that vanishes is recorded as a crash with code and signal null.
 *   A PID file naming a dead or recycled PID is stale: it is removed and nothing is signalled.
 */
export class Supervisor {
  readonly name: string;
  private readonly db: Db;
  private readonly dataDir: string;
  private readonly config: DaemonConfig;
  private readonly store: DaemonStore;
  private readonly now: () => number;
  private readonly tickMs: number;
  private readonly policy: RestartPolicy;
  private readonly heartbeatTimeoutMs: number;
  private readonly killGraceMs: number;
  private readonly sampleEveryMs: number;
  private readonly sampler: ResourceSampler;
  private readonly ownSampler: boolean;
  private readonly pidFile: string;
  private readonly heartbeatFile: string;
  private readonly logFile: string;
  private readonly command: string[] | undefined;
  private readonly commandSource: string;
  private readonly heartbeat: boolean;

  private state: DaemonStateName = 'stopped';
  private current: Watched | null = null;
  private active = false;
  private tickTimer: NodeJS.Timeout | null = null;
  private backoffTimer: NodeJS.Timeout | null = null;
  private cleanup: Promise<unknown> | null = null;
  private stopping: Promise<void> | null = null;
  private actions: Promise<unknown> = Promise.resolve();
  private spawning = false;
  private lastExit: ExitInfo | null = null;
  private lastError: string | null = null;
  private cpuHistory: { at: number; value: number | null }[] = [];
  private lastSampleAt: number | null = null;
  private cpuEpisode = false;
  private rssEpisode = false;
  private savedBeat: number | null = null;
  /** Stopped on purpose: not restarted, its stop no crash; persisted as the `paused` state. */
  private paused = false;

  constructor(private readonly options: SupervisorOptions) {
    this.db = options.db;
    // Absolute: the daemon gets the heartbeat path in its environment and may run in another cwd.
    this.dataDir = path.resolve(options.dataDir);
    this.name = options.name ?? 'backtest';
    this.config = options.config;
    this.command = options.command ?? options.config.command;
    this.commandSource = options.commandSource ?? 'daemon.command';
    this.heartbeat = options.heartbeat ?? true;
    this.store = new DaemonStore(this.db);
    this.now = options.now ?? Date.now;
    this.tickMs = options.tickMs ?? 1000;
    this.policy = restartPolicyFromConfig(this.config);
    this.heartbeatTimeoutMs = durationMs(this.config.heartbeatTimeout);
    this.killGraceMs = durationMs(this.config.killGrace);
    this.sampleEveryMs = options.sampler?.sampleEveryMs ?? options.sampleEvery ?? 5000;
    this.ownSampler = !options.sampler;
    this.sampler = options.sampler ?? new ResourceSampler({
      db: this.db, sampleEvery: this.sampleEveryMs, host: false, onError: (e) => this.reportError(e),
    });
    this.pidFile = pidFilePath(this.dataDir, this.name);
    this.heartbeatFile = heartbeatFilePath(this.dataDir, this.name);
    this.logFile = daemonLogPath(this.dataDir, this.name);
    const persisted = this.store.readState(this.name);
    if (persisted?.state === 'crash-loop') this.state = 'crash-loop';
    if (persisted?.state === 'paused') {
      this.state = 'paused';
      this.paused = true;
    }
    if (persisted) this.lastExit = persisted.lastExitCode !== null || persisted.lastExitSignal !== null
      ? { code: persisted.lastExitCode, signal: persisted.lastExitSignal } : null;
  }

  /**
   * Starts supervising: adopts a live daemon from the PID file, or starts one, unless the daemon
   * is in crash-loop. `manual` is an operator's restart: it lifts crash-loop, and crashes before
   * it no longer count. Throws only when `daemon.command` is not configured.
   */
  async start(options: { manual?: boolean } = {}): Promise<void> {
    this.requireCommand();
    await this.stopping;
    if (this.active) {
      // Already supervising. Only an operator's restart of a daemon that is not running
      // (crash-loop, or waiting out a backoff) has anything left to do.
      if (!options.manual || this.current || this.spawning) return;
      this.paused = false;
      if (this.backoffTimer) clearTimeout(this.backoffTimer);
      this.backoffTimer = null;
      this.event('restart', { manual: true, reason: 'started by hand' });
      await this.spawn();
      return;
    }
    this.active = true;
    if (this.ownSampler) this.sampler.start();
    this.tickTimer = setInterval(() => this.safely(() => this.tick()), this.tickMs);

    const live = liveProcessFromPidFile(this.pidFile);
    if (this.paused && !options.manual) {
      if (live) {
        // Someone started it by hand while it was marked paused: it runs, so watch it.
        this.paused = false;
        this.note(`the daemon was marked paused but PID ${live.pid} runs: adopted it; no longer paused`);
      } else {
        removePidFile(this.pidFile);
        this.setState('paused');
        this.note('not starting: the daemon is paused; resume it with `cfa-console daemon resume`');
        return;
      }
    }
    if (options.manual) this.paused = false;
    if (live) {
      if (options.manual) this.event('restart', { manual: true, reason: 'started by hand; adopted the running process' });
      this.adopt(live);
      return;
    }
    // Whatever the file names is gone or is somebody else now: forget it, never signal it.
    removePidFile(this.pidFile);
    if (options.manual) {
      this.event('restart', { manual: true, reason: 'started by hand' });
    } else if (this.store.readState(this.name)?.state === 'crash-loop') {
      this.setState('crash-loop');
      this.note('not starting: the daemon is in crash-loop; restart it by hand once the cause is fixed');
      return;
    }
    await this.spawn();
  }

  /**
   * SIGTERM to the daemon's process group, SIGKILL after `graceMs` to whatever is left, waits
   * until the group is gone, removes the PID file. A daemon in crash-loop stays in crash-loop
   * (nothing runs; the mark must survive an engine restart), otherwise the state is `stopped`.
   */
  stop(graceMs = this.killGraceMs, reason = 'engine stop'): Promise<void> {
    this.stopping ??= this.doStop(graceMs, reason).finally(() => { this.stopping = null; });
    return this.stopping;
  }

  /**
   * Ends a live copy named by the PID file that nobody supervises here, without starting anything
   * (store.backend postgres: this host follows a leader on another host, which runs its own
   * copy, and this one was left by an engine killed while it led). Returns its PID, or null.
   */
  async stopStray(reason: string, graceMs = this.killGraceMs): Promise<number | null> {
    if (this.active || this.current) return null;
    const live = liveProcessFromPidFile(this.pidFile);
    if (!live) return null;
    this.adopt(live);
    await this.endCurrent(graceMs, reason);
    if (!this.paused) this.setState('stopped');
    return live.pid;
  }

  /**
   * Stops watching without touching the process (leadership lost: the new leader adopts it from
   * the PID file, which is left in place).
   */
  release(): void {
    this.active = false;
    this.clearTimers();
    if (this.ownSampler) this.sampler.stop();
    this.sampler.watch(this.name, null);
    this.current?.unref();
    this.current = null;
  }

  /**
   * Stops the daemon on purpose and keeps it stopped: state `paused` (persisted, so a leader that
   * takes over respects it), no restart, and neither the stop nor the restart counters count it.
   * A pending backoff restart is cancelled. Pausing a paused daemon changes nothing.
   */
  pause(reason = 'paused by request', graceMs = this.killGraceMs): Promise<SupervisorStatus> {
    return this.exclusive(async () => {
      this.requireCommand();
      if (this.paused) return this.status();
      this.paused = true;
      if (this.backoffTimer) clearTimeout(this.backoffTimer);
      this.backoffTimer = null;
      const run = await this.endCurrent(graceMs, reason);
      this.event('pause', { pid: run?.pid ?? null, reason });
      this.note(`paused (${reason}): not restarted until resumed`);
      this.setState('paused');
      return this.status();
    });
  }

  /**
   * Starts a paused daemon again (a `resume` event, not a restart). A daemon that is not paused
   * is left as it is when it runs; otherwise (backoff, crash-loop, stopped) this refuses and
   * says to restart it instead.
   */
  resume(reason = 'resumed by request'): Promise<SupervisorStatus> {
    return this.exclusive(async () => {
      this.requireCommand();
      if (!this.paused) {
        if (this.current || this.spawning) return this.status();
        throw new Error(`the ${this.name} daemon is not paused (it is ${this.state}): use \`cfa-console daemon restart\` to start it`);
      }
      this.paused = false;
      this.event('resume', { reason });
      this.note(`resumed (${reason})`);
      if (!this.active) {
        await this.start();
      } else {
        await this.spawn();
      }
      return this.status();
    });
  }

  /**
   * An operator's restart: stop (no crash) and start again, recorded as a manual `restart`, which
   * also lifts a pause or a crash-loop. A daemon waiting out a backoff is started at once.
   */
  restart(reason = 'restarted by request', graceMs = this.killGraceMs): Promise<SupervisorStatus> {
    return this.exclusive(async () => {
      this.requireCommand();
      this.paused = false;
      if (!this.active) {
        await this.start({ manual: true });
        return this.status();
      }
      if (this.backoffTimer) clearTimeout(this.backoffTimer);
      this.backoffTimer = null;
      await this.endCurrent(graceMs, reason);
      this.event('restart', { manual: true, reason });
      await this.spawn();
      return this.status();
    });
  }

  status(): SupervisorStatus {
    const run = this.current;
    const now = this.now();
    const sample = run ? this.sampler.latest(this.name) : null;
    const own = sample && run && sample.pid === run.pid ? sample : null;
    let restarts24h = 0;
    try {
      restarts24h = this.store.countEvents(this.name, 'restart', now - DAY_MS);
    } catch {
      // A status read must not fail because ops.db is busy or closed.
    }
    return {
      name: this.name,
      state: this.state,
      pid: run?.pid ?? null,
      startedAt: run?.startedAt ?? null,
      heartbeatAgeMs: run && this.heartbeat ? heartbeatAge(now, run.lastBeat, run.startedAt) : null,
      restarts24h,
      lastExit: this.lastExit,
      cpuPercent: own?.cpuPercent ?? null,
      rssBytes: own?.rssBytes ?? null,
      adopted: run?.adopted ?? false,
      lastError: this.lastError,
    };
  }

  // --- starting ---------------------------------------------------------------------------

  private async spawn(): Promise<void> {
    if (this.spawning) return;
    this.spawning = true;
    try {
      await this.cleanup;
      if (!this.active || this.current) return;
      if (this.options.admit) {
        const admitted = await this.options.admit().catch((error: unknown) => {
          this.reportError(error);
          return false;
        });
        if (!admitted) {
          this.note('not starting: this engine does not hold the lease any more (its write was refused)');
          return;
        }
        if (!this.active || this.current) return;
      }
      await this.spawnNow();
    } finally {
      this.spawning = false;
    }
  }

  private async spawnNow(): Promise<void> {
    const command = this.command ?? [];
    const [file = '', ...args] = command;
    const startedAt = this.now();
    this.resetFindings();
    let logFd: number | null = null;
    let subprocess;
    try {
      fs.mkdirSync(path.dirname(this.pidFile), { recursive: true });
      fs.mkdirSync(path.dirname(this.logFile), { recursive: true });
      // A beat left by an earlier run must not pass for this one's.
      fs.rmSync(this.heartbeatFile, { force: true });
      logFd = fs.openSync(this.logFile, 'a');
      // A lone fd number is handed to spawn() as is, so the daemon writes the log itself and
      // never into a pipe through us that would break when we die (adoption relies on it).
      // execa's types only spell fds 3-9 for that; any open fd works at run time.
      const output = logFd as 3;
      this.note(`starting ${JSON.stringify(command)}${this.config.cwd ? ` in ${this.config.cwd}` : ''}`);
      subprocess = execa(file, args, {
        cwd: this.config.cwd,
        env: { ...this.options.env, [HEARTBEAT_ENV]: this.heartbeatFile },
        extendEnv: true,
        detached: true,
        cleanup: false,
        stdin: 'ignore',
        stdout: output,
        stderr: output,
        reject: false,
        buffer: false,
      });
    } catch (error) {
      if (logFd !== null) fs.closeSync(logFd);
      this.spawnFailed(error);
      return;
    }
    const fd = logFd;
    // Our copy of the log fd is only needed until the child has its own, but holding it until
    // the exit costs one descriptor and spares guessing when spawn() has duplicated it.
    const settled = subprocess.then((result) => {
      try { fs.closeSync(fd); } catch { /* already closed */ }
      return result;
    });
    const pid = subprocess.pid;
    if (pid === undefined) {
      this.spawnFailed(await settled);
      return;
    }
    const run: Watched = {
      pid,
      startTicks: processStartTicks(pid),
      startedAt,
      command,
      adopted: false,
      group: true,
      exited: false,
      exit: settled.then((r: Result) => ({ code: r.exitCode ?? null, signal: r.signal ?? null })),
      resolveExit: null,
      ending: null,
      lastBeat: null,
      unref: () => subprocess.unref(),
    };
    this.watch(run);
    try {
      writePidFile(this.pidFile, { pid, startTicks: run.startTicks, startedAt, command });
    } catch (error) {
      // Supervision works without it; only adoption by a later supervisor does not.
      this.note(`cannot write ${this.pidFile}: ${(error as Error).message}`);
    }
    this.lastError = null;
    this.event('start', { pid, startTicks: run.startTicks, command, adopted: false });
    this.setState(this.heartbeat ? 'starting' : 'running');
  }

  private adopt(record: PidRecord): void {
    let resolveExit: (exit: ExitInfo) => void = () => {};
    const exit = new Promise<ExitInfo>((resolve) => { resolveExit = resolve; });
    this.resetFindings();
    const run: Watched = {
      pid: record.pid,
      startTicks: record.startTicks,
      startedAt: record.startedAt || this.now(),
      command: record.command,
      adopted: true,
      group: processGroupOf(record.pid) === record.pid,
      exited: false,
      exit,
      resolveExit,
      ending: null,
      lastBeat: readHeartbeat(this.heartbeatFile),
      unref: () => {},
    };
    this.watch(run);
    this.note(`adopted the running daemon, PID ${run.pid} (found in ${this.pidFile}); not starting a second one`);
    this.event('start', { pid: run.pid, startTicks: run.startTicks, command: run.command, adopted: true });
    this.setState(run.lastBeat !== null || !this.heartbeat ? 'running' : 'starting');
  }

  private watch(run: Watched): void {
    this.current = run;
    this.savedBeat = null;
    this.sampler.watch(this.name, run.pid);
    void run.exit.then((exit) => {
      run.exited = true;
      this.safely(() => this.exited(run, exit));
    });
  }

  private spawnFailed(failure: unknown): void {
    const e = failure as { code?: string; originalMessage?: string; message?: string };
    const command = this.command ?? [];
    const reason = e.code === 'ENOENT' && !e.originalMessage?.includes('cwd')
      ? `${JSON.stringify(command[0])} was not found (ENOENT)`
      : `${e.code ?? 'error'}: ${e.originalMessage ?? e.message ?? String(failure)}`;
    const message = `${this.commandSource} ${JSON.stringify(command)} could not be started: ${reason}. ` +
      `Check ${this.commandSource}${this.config.cwd ? ` and daemon.cwd (${this.config.cwd})` : ''} in the config: ` +
      'the program must exist and be executable (it is run without a shell).';
    this.lastError = message;
    this.note(message);
    this.event('spawn-failed', { message, code: e.code ?? null, command });
    this.afterCrash();
  }

  // --- watching ---------------------------------------------------------------------------

  private tick(): void {
    const run = this.current;
    if (!run || run.exited) return;
    if (run.adopted && !isRunning(run)) {
      run.resolveExit?.({ code: null, signal: null });
      return;
    }
    if (run.ending) return;
    if (!this.heartbeat) {
      this.checkResources(run);
      return;
    }
    const now = this.now();
    const beat = readHeartbeat(this.heartbeatFile);
    if (beat !== null) run.lastBeat = beat;
    if (run.lastBeat !== null && run.lastBeat !== this.savedBeat) {
      this.savedBeat = run.lastBeat;
      this.setState('running');
    }
    const age = heartbeatAge(now, run.lastBeat, run.startedAt);
    if (age > this.heartbeatTimeoutMs) {
      this.hang(run, age);
      return;
    }
    this.checkResources(run);
  }

  private checkResources(run: Watched): void {
    const sample = this.sampler.latest(this.name);
    if (!sample || sample.pid !== run.pid || sample.at === this.lastSampleAt) return;
    this.lastSampleAt = sample.at;
    const cpuLimit = this.config.cpuLimitPercent;
    const cpuForMs = durationMs(this.config.cpuLimitFor);
    this.cpuHistory.push({ at: sample.at, value: sample.cpuPercent });
    this.cpuHistory = this.cpuHistory.filter((s) => s.at >= sample.at - cpuForMs - 2 * this.sampleEveryMs);
    // Several missed samples in a row mean we do not know what happened in between.
    if (sustainedAbove(this.cpuHistory, cpuLimit, cpuForMs, 3 * this.sampleEveryMs)) {
      if (!this.cpuEpisode) {
        this.cpuEpisode = true;
        this.note(`CPU above ${cpuLimit}% for ${this.config.cpuLimitFor} (now ${sample.cpuPercent?.toFixed(0)}%)`);
        this.event('cpu-high', { pid: run.pid, cpuPercent: sample.cpuPercent, limitPercent: cpuLimit, forMs: cpuForMs });
      }
    } else if (sample.cpuPercent !== null && sample.cpuPercent <= cpuLimit) {
      this.cpuEpisode = false;
    }
    const rssLimit = this.config.rssLimitMb * 1024 * 1024;
    if (sample.rssBytes !== null && sample.rssBytes > rssLimit) {
      if (!this.rssEpisode) {
        this.rssEpisode = true;
        this.note(`RSS ${(sample.rssBytes / 1048576).toFixed(0)} MB is above the limit of ${this.config.rssLimitMb} MB`);
        this.event('rss-high', { pid: run.pid, rssBytes: sample.rssBytes, limitMb: this.config.rssLimitMb });
      }
    } else if (sample.rssBytes !== null) {
      this.rssEpisode = false;
    }
    this.notify();
  }

  private resetFindings(): void {
    this.cpuHistory = [];
    this.lastSampleAt = null;
    this.cpuEpisode = false;
    this.rssEpisode = false;
  }

  private hang(run: Watched, ageMs: number): void {
    run.ending = 'hang';
    const lastLines = tailLines(this.logFile, { lines: LOG_TAIL_LINES });
    const members = run.group ? groupMembers(run.pid) : [];
    const diagnostics = [
      `hang: no heartbeat for ${formatMs(ageMs)} (timeout ${this.config.heartbeatTimeout}), PID ${run.pid}; ` +
        `last beat ${run.lastBeat === null ? 'never' : new Date(run.lastBeat).toISOString()}`,
      `/proc/${run.pid}/status:`,
      readProcText(run.pid, 'status'),
      `/proc/${run.pid}/wchan: ${readProcText(run.pid, 'wchan')}`,
      ...(members.length > 0 ? [`process group ${run.pid}: ${members.map((m) => `${m.pid} (${m.name}) ${m.state}`).join(', ')}`] : []),
      `last ${lastLines.length} lines of output before the hang:`,
      ...lastLines.map((l) => `  | ${l}`),
      `sending SIGTERM, SIGKILL after ${this.config.killGrace}`,
    ];
    this.note(diagnostics.join('\n'));
    this.event('hang', { pid: run.pid, heartbeatAgeMs: ageMs, lastHeartbeatAt: run.lastBeat, lastLines });
    this.setState('hung');
    this.cleanup = this.terminate(run, this.killGraceMs).catch((error: unknown) => this.reportError(error));
  }

  // --- ending -----------------------------------------------------------------------------

  private exited(run: Watched, exit: ExitInfo): void {
    if (this.current !== run) return;
    this.current = null;
    this.sampler.watch(this.name, null);
    this.lastExit = exit;
    removePidFile(this.pidFile, run);
    const how = exit.signal ? `signal ${exit.signal}` : exit.code === null ? 'an unknown status (adopted process)' : `code ${exit.code}`;
    const uptimeMs = this.now() - run.startedAt;
    if (run.ending === 'stop') {
      this.note(`PID ${run.pid} exited with ${how} (stopped)`);
      this.event('exit', { pid: run.pid, ...exit, reason: 'stopped', uptimeMs });
      return;
    }
    if (run.ending === 'hang') {
      this.note(`PID ${run.pid} exited with ${how} after the hang`);
      this.event('exit', { pid: run.pid, ...exit, reason: 'hang', uptimeMs });
    } else {
      this.note(`PID ${run.pid} exited unexpectedly with ${how} after ${formatMs(uptimeMs)}`);
      this.event('crash', { pid: run.pid, ...exit, uptimeMs, adopted: run.adopted });
      // Workers the daemon forked must not outlive it into the next run.
      if (run.group) this.cleanup = this.terminate(run, this.killGraceMs).catch((error: unknown) => this.reportError(error));
    }
    if (this.active) this.afterCrash();
    else this.setState('stopped');
  }

  private afterCrash(): void {
    if (!this.active || this.paused) return;
    const now = this.now();
    const since = Math.max(now - this.policy.crashWindowMs, this.store.lastManualRestartAt(this.name) ?? -Infinity);
    const crashes = this.store.crashTimes(this.name, since);
    const decision = decideRestart(crashes, now, this.policy);
    if (decision.action === 'crash-loop') {
      this.note(`${crashes.length} crashes within ${this.config.crashWindow}: not restarting (crash-loop); fix the cause and restart it by hand`);
      this.event('crash-loop', { crashes: crashes.length, windowMs: this.policy.crashWindowMs });
      this.setState('crash-loop');
      return;
    }
    this.setState('backoff');
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = null;
      this.safely(async () => {
        if (!this.active) return;
        this.event('restart', { attempt: crashes.length + 1, delayMs: decision.delayMs });
        await this.spawn();
      });
    }, decision.delayMs);
  }

  private async doStop(graceMs: number, reason: string): Promise<void> {
    this.active = false;
    this.clearTimers();
    const run = await this.endCurrent(graceMs, reason);
    if (this.ownSampler) this.sampler.stop();
    this.sampler.watch(this.name, null);
    // A pause outlives the engine: the next leader must not start the daemon either.
    this.setState(this.paused ? 'paused' : this.state === 'crash-loop' && !run ? 'crash-loop' : 'stopped');
  }

  /**
   * Ends the watched process on purpose (its exit is no crash) and waits until it and its group
   * are gone; returns it, or null when nothing ran.
   */
  private async endCurrent(graceMs: number, reason: string): Promise<Watched | null> {
    const run = this.current;
    if (run) {
      run.ending = 'stop';
      this.note(`stopping PID ${run.pid} (${reason}): SIGTERM, SIGKILL after ${formatMs(graceMs)}`);
      const killed = await this.terminate(run, graceMs);
      if (!run.exited) {
        run.resolveExit?.({ code: null, signal: killed ? 'SIGKILL' : 'SIGTERM' });
        await Promise.race([run.exit, sleep(AFTER_KILL_WAIT_MS)]);
      }
      // exited() runs in a later microtask; make sure it has, so the state below is the last word.
      await sleep(0);
      if (this.current === run) this.current = null;
      this.event('stop', { pid: run.pid, graceMs, killed, reason });
      removePidFile(this.pidFile, run);
    }
    await this.cleanup;
    this.cleanup = null;
    return run;
  }

  /** Serialises pause, resume and restart with each other and with stop(). */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.actions.then(async () => {
      await this.stopping;
      return work();
    });
    this.actions = next.catch(() => undefined);
    return next;
  }

  private requireCommand(): void {
    if (!this.command || this.command.length === 0) {
      throw new Error(`${this.commandSource} is not set in the config: there is no daemon to supervise`);
    }
  }

  /**
   * SIGTERM, wait up to `graceMs` for the group (or the lone process) to go, SIGKILL what is
   * left, wait for it to go. Resolves true when SIGKILL was needed.
   */
  private async terminate(run: Watched, graceMs: number): Promise<boolean> {
    this.signal(run, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && this.anyAlive(run)) await sleep(Math.min(25, this.tickMs));
    if (!this.anyAlive(run)) return false;
    this.note(`PID ${run.pid}${run.group ? ' and its process group' : ''} still running after ${formatMs(graceMs)}: SIGKILL`);
    this.signal(run, 'SIGKILL');
    const hardDeadline = Date.now() + AFTER_KILL_WAIT_MS;
    while (Date.now() < hardDeadline && this.anyAlive(run)) await sleep(25);
    return true;
  }

  private leaderAlive(run: Watched): boolean {
    // Start ticks guard an adopted PID against recycling; our own child cannot be recycled
    // before we have reaped it, which is when `exited` is set.
    return !run.exited && isRunning(run);
  }

  private anyAlive(run: Watched): boolean {
    if (this.leaderAlive(run)) return true;
    return run.group && groupMembers(run.pid).some((m) => m.state !== 'Z');
  }

  private signal(run: Watched, signal: NodeJS.Signals): void {
    const leader = this.leaderAlive(run);
    // The group ID stays reserved while any member lives, so -pid only reaches the daemon's own
    // processes; once the leader is gone we signal the group only if members remain.
    let reachedLeader = false;
    if (run.group && (leader || groupMembers(run.pid).length > 0)) {
      try {
        process.kill(-run.pid, signal);
        reachedLeader = leader && processGroupOf(run.pid) === run.pid;
      } catch { /* already gone */ }
    }
    // A daemon that moved itself out of its group is still signalled, once.
    if (leader && !reachedLeader) {
      try { process.kill(run.pid, signal); } catch { /* already gone */ }
    }
  }

  // --- bookkeeping ------------------------------------------------------------------------

  private clearTimers(): void {
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.tickTimer = null;
    this.backoffTimer = null;
  }

  private setState(state: DaemonStateName): void {
    this.state = state;
    const run = this.current;
    this.store.saveState({
      name: this.name,
      state,
      pid: run?.pid ?? null,
      startTicks: run?.startTicks ?? null,
      startedAt: run?.startedAt ?? null,
      lastHeartbeatAt: run?.lastBeat ?? null,
      lastExitCode: this.lastExit?.code ?? null,
      lastExitSignal: this.lastExit?.signal ?? null,
      updatedAt: this.now(),
    });
    this.notify();
  }

  private event(kind: DaemonEventKind, detail: Record<string, unknown>): void {
    this.store.recordEvent(this.name, kind, detail, this.now());
  }

  private notify(): void {
    if (!this.options.onChange) return;
    try {
      this.options.onChange(this.status());
    } catch (error) {
      this.reportError(error);
    }
  }

  /** A line from the supervisor in the daemon's log, told apart from the daemon's own output. */
  private note(text: string): void {
    try {
      fs.mkdirSync(path.dirname(this.logFile), { recursive: true });
      const stamp = new Date(this.now()).toISOString();
      const body = text.split('\n').map((line, i) => (i === 0 ? line : `    ${line}`)).join('\n');
      fs.appendFileSync(this.logFile, `--- cfa-console supervisor ${stamp} [${this.name}] ${body}\n`);
    } catch {
      // The log is a courtesy; supervision goes on without it.
    }
  }

  private reportError(error: unknown): void {
    if (this.options.onError) {
      try { this.options.onError(error); } catch { /* nowhere left to report it */ }
      return;
    }
    this.note(`internal error: ${(error as Error)?.stack ?? String(error)}`);
  }

  /** Runs a timer's work; nothing thrown there may escape into the event loop. */
  private safely(work: () => void | Promise<void>): void {
    try {
      const result = work();
      if (result) result.catch((error: unknown) => this.reportError(error));
    } catch (error) {
      this.reportError(error);
    }
  }
}
