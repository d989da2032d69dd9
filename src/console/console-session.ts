import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadedConfig } from '../config/load-config.js';
import { durationMs } from '../config/schema.js';
import type { Engine } from '../engine/engine.js';
import type { Logger } from '../engine/logger.js';
import { getRun, listRuns, type JobRun } from '../engine/run-history.js';
import { mergeRuns } from '../engine/run-mirror.js';
import type { SharedRun } from '../store/postgres/run-history.js';
import { HOST, samplesSince } from '../engine/resource-sampler.js';
import { healthThresholds } from '../health/thresholds.js';
import type { HealthReading } from './health-feed.js';
import type { ConsoleActions } from './console-actions.js';
import { emptyModel, type AlertView, type BackupTierView, type ConsoleModel, type ResourceHistory } from './console-model.js';
import { ConsoleStore } from './console-store.js';
import { hostName } from '../common/host-name.js';
import { daemonHostElsewhere, type DaemonStartView } from './daemon-elsewhere.js';
import { tailLines } from '../common/log-tail.js';
import type { BackupEntry } from '../backup/catalog.js';
import type { DaemonEvent } from '../engine/supervisor/daemon-store.js';
import { daemonLogPath } from '../engine/supervisor/supervisor.js';
import { DAEMON_NAME } from '../health/sources/daemon-facts.js';
import type { LogSource } from './focus.js';

const HOUR = 3_600_000;
const LOG_LINES = 200;
/** A run's log in the log view: its last megabyte, enough to scroll through a failed run. */
const RUN_LOG_BYTES = 1024 * 1024;
/** When the console reads the resources a first time after its start: just after the sampler's first host sample. */
const FIRST_RESOURCES_MS = 1_200;
/** How long a notice ("sync started", "alert 3 acknowledged") stays: long enough to read, gone before it misleads. */
const NOTICE_MS = 6_000;
/** store.backend postgres: how often the runs of a job someone looks at are read again from the shared history. */
const SHARED_RUNS_MS = 3_000;
/** A job's runs are kept fresh this long after the views last asked for them. */
const SHARED_RUNS_WATCH_MS = 10_000;
const JOB_RUNS = 50;
/** store.backend postgres, on a host that does not lead: how often the daemon's last start by a leader is read. */
const DAEMON_START_MS = 5_000;

/** Optional feeds from modules that the console shows when they are there (see feeds.ts). */
export interface ConsoleFeeds {
  health?: () => HealthReading | Promise<HealthReading>;
  backups?: () => BackupTierView[];
  backupList?: () => BackupEntry[];
  daemonEvents?: () => DaemonEvent[];
  alerts?: () => AlertView[];
  ackAlert?: (id: number) => void;
  /** Lets go of what the feeds hold open (a PostgreSQL connection), once the session stopped. */
  close?: () => Promise<void>;
}

/**
 * The bridge between one engine and the views: a store fed by the engine's events and by polled
 * sources, and the actions the keys trigger. No Ink here; the views subscribe to the store.
 */
export class ConsoleSession {
  readonly store: ConsoleStore;
  readonly actions: ConsoleActions;
  private readonly startedHere = new Set<string>();
  private followed: LogSource = { kind: 'engine' };
  private firstResources: NodeJS.Timeout | undefined;
  private running = new Set<string>();
  private noticeTimer: NodeJS.Timeout | undefined;
  /** store.backend postgres: every host's runs per job as last read, when the views last asked, and reads in flight. */
  private readonly sharedRuns = new Map<string, SharedRun[]>();
  private readonly runsAsked = new Map<string, number>();
  private readonly runsReading = new Set<string>();
  private sharedRunsTimer: NodeJS.Timeout | undefined;
  private readonly onChange = () => {
    const snapshot = this.engine.snapshot();
    this.store.set('engine', snapshot);
    // A run that just ended may have made or verified a backup: show it now, not at the next poll.
    const running = new Set(snapshot.jobs.filter((j) => j.running).map((j) => j.name));
    const ended = [...this.running].some((job) => !running.has(job));
    this.running = running;
    if (ended) this.refreshBackups();
  };
  private readonly onProgress = (job: string, _runId: number, event: Record<string, unknown>) => this.recordProgress(job, event);

  constructor(
    private readonly engine: Engine,
    private readonly loaded: LoadedConfig,
    private readonly logger: Logger,
    private readonly feeds: ConsoleFeeds = {},
    /** The store the views already show (the console draws its first frame before the engine starts). */
    store = new ConsoleStore(emptyModel(hostName(loaded.config.engine.host), loaded.config.dataDir)),
  ) {
    const { config } = loaded;
    const limits = healthThresholds(config);
    this.store = store;
    store.set('freshnessCriticalMs', Object.fromEntries(config.intervals.map((i) => [i, limits.freshness(i).critical])));
    this.actions = {
      runJob: (job) => this.runJob(job),
      ackAlert: (id) => {
        if (!feeds.ackAlert) return this.notify('▲ alerting is not running here: nothing to acknowledge');
        try {
          feeds.ackAlert(id);
        } catch (e) {
          return this.notify(`✖ ${(e as Error).message}`);
        }
        // Read the alerts again at once, so the view says acked when the notice does.
        if (feeds.alerts) this.store.set('alerts', feeds.alerts());
        this.notify(`✔ alert ${id} acknowledged`);
      },
      jobRuns: (job) => this.jobRuns(job),
      runsAcrossHosts: () => engine.sharesRuns,
      runLog: (runId, host) => this.runLog(runId, host ?? null),
      followLog: (source) => {
        this.followed = source;
        this.refreshLog();
      },
      backupList: () => feeds.backupList?.() ?? [],
      daemonEvents: () => feeds.daemonEvents?.() ?? [],
      runningHere: () => [...this.startedHere].filter((job) => engine.snapshot().jobs.some((j) => j.name === job && j.running)),
    };
  }

  start(): void {
    const { config } = this.loaded;
    this.engine.on('change', this.onChange);
    this.engine.on('progress', this.onProgress);
    this.onChange();
    // Each new sample redraws the sparklines, a whole frame over SSH: a quarter-minute is enough
    // for a chart of the last hour.
    const resourcesEvery = Math.max(durationMs(config.engine.sampleEvery), 15_000);
    if (this.feeds.health) {
      const health = this.feeds.health;
      // Reading the leader's snapshot is cheap (a new one is parsed once), so a new one shows soon.
      const everyMs = Math.min(2_000, durationMs(config.engine.monitorEvery));
      const read = async () => {
        const reading = await health();
        this.store.set('healthNote', reading.note);
        return reading.snapshot;
      };
      this.store.poll({ key: 'health', everyMs, read }, (e) => this.logger.warn({ err: e }, 'health refresh failed'));
    }
    this.store.poll({ key: 'resources', everyMs: resourcesEvery, read: () => this.resources() }, (e) => this.logger.warn({ err: e }, 'resource read failed'));
    // The sampler's first host figure lands within a second of the start: show it then, not a period later.
    this.firstResources = setTimeout(() => {
      try { this.store.set('resources', this.resources()); } catch (e) { this.logger.warn({ err: e }, 'resource read failed'); }
    }, FIRST_RESOURCES_MS);
    if (this.feeds.backups) this.store.poll({ key: 'backups', everyMs: 30_000, read: this.feeds.backups });
    if (this.feeds.alerts) this.store.poll({ key: 'alerts', everyMs: 2_000, read: this.feeds.alerts });
    this.store.poll({ key: 'log', everyMs: 1_000, read: () => this.logView() });
    if (this.engine.sharesRuns) {
      this.store.poll({ key: 'daemonStart', everyMs: DAEMON_START_MS, read: () => this.daemonStart() },
        (e) => this.logger.warn({ err: e }, 'the daemon\'s last start could not be read from PostgreSQL'));
    }
    if (this.engine.sharesRuns) {
      this.sharedRunsTimer = setInterval(() => {
        const now = Date.now();
        for (const [job, at] of this.runsAsked) if (now - at < SHARED_RUNS_WATCH_MS) this.readSharedRuns(job);
      }, SHARED_RUNS_MS);
    }
  }

  /**
   * A job's runs, newest first: this host's from ops.db; with store.backend postgres every host's,
   * from the shared history as last read (read again in the background while they are looked at).
   */
  private jobRuns(job: string): JobRun[] {
    const own = listRuns(this.engine.db, { job, limit: JOB_RUNS });
    if (!this.engine.sharesRuns) return own;
    // Asked again after a while unwatched: read now, the timer keeps it fresh from here.
    const asked = this.runsAsked.get(job);
    if (asked === undefined || Date.now() - asked >= SHARED_RUNS_WATCH_MS) this.readSharedRuns(job);
    this.runsAsked.set(job, Date.now());
    return mergeRuns(own, this.engine.hostName, this.sharedRuns.get(job) ?? [], JOB_RUNS);
  }

  /** The daemon's newest start by a leader, while it runs with the leader on another host; else null (no query). */
  private async daemonStart(): Promise<DaemonStartView | null> {
    if (!daemonHostElsewhere(this.engine.snapshot())) return null;
    const start = await this.engine.lastDaemonStart();
    return start ? { host: start.host, epoch: start.epoch, at: start.at } : null;
  }

  private readSharedRuns(job: string): void {
    if (this.runsReading.has(job)) return;
    this.runsReading.add(job);
    this.engine.sharedRuns({ job, limit: JOB_RUNS }).then((runs) => {
      if (JSON.stringify(runs) === JSON.stringify(this.sharedRuns.get(job))) return;
      this.sharedRuns.set(job, runs);
      // The views read a job's runs again when the engine's snapshot changes.
      this.store.set('engine', this.engine.snapshot());
    }, (error: unknown) => this.logger.warn({ err: error }, 'the shared run history could not be read')).finally(() => this.runsReading.delete(job));
  }

  stop(): void {
    clearTimeout(this.firstResources);
    clearTimeout(this.noticeTimer);
    clearInterval(this.sharedRunsTimer);
    this.engine.off('change', this.onChange);
    this.engine.off('progress', this.onProgress);
    this.store.stop();
  }

  /** Stops, and closes what the feeds hold open. */
  async close(): Promise<void> {
    this.stop();
    await this.feeds.close?.();
  }

  /** Shows a notice on its own line for NOTICE_MS; a newer one replaces it and gets its own time. */
  private notify(text: string): void {
    this.store.set('notice', text);
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => this.store.set('notice', null), NOTICE_MS);
  }

  private runJob(job: string): void {
    this.startedHere.add(job);
    this.notify(`▶ ${job} started`);
    this.followed = { kind: 'job', job };
    this.engine.runNow(job, 'manual').then(
      (outcome) => this.notify(`${outcome.status === 'success' ? '✔' : '✖'} ${job} ${outcome.status} (run ${outcome.runId})`),
      (error: unknown) => this.notify(`✖ ${job}: ${(error as Error).message}`),
    );
  }

  private recordProgress(job: string, event: Record<string, unknown>): void {
    this.store.update('progress', (current) => {
      const previous = current[job];
      const startedAt = previous?.startedAt ?? Date.now();
      if (event.event === 'summary') return { ...current, [job]: undefined };
      const total = typeof event.total === 'number' ? event.total : previous?.total ?? 0;
      const done = (previous?.done ?? 0) + (event.event === 'series' ? 1 : 0);
      const rateLimited429 = typeof event.rateLimited429 === 'number' ? event.rateLimited429 : previous?.rateLimited429 ?? 0;
      return { ...current, [job]: { done, total, rateLimited429, startedAt } };
    });
  }

  private resources(): ResourceHistory {
    const since = Date.now() - HOUR;
    const host = samplesSince(this.engine.db, HOST, since);
    const daemon = samplesSince(this.engine.db, 'backtest', since);
    const points = (rows: typeof host, pick: (r: (typeof host)[number]) => number | null) =>
      rows.flatMap((r) => { const v = pick(r); return v === null ? [] : [{ at: r.at, value: v }]; });
    return {
      hostCpu: points(host, (r) => r.cpuPercent),
      hostMemBytes: points(host, (r) => r.rssBytes),
      hostMemTotalBytes: os.totalmem(),
      daemonCpu: points(daemon, (r) => r.cpuPercent),
      daemonRssBytes: points(daemon, (r) => r.rssBytes),
    };
  }

  private runLog(runId: number, host: string | null): ConsoleModel['log'] {
    if (host !== null && this.engine.sharesRuns && host !== this.engine.hostName) return this.remoteRunLog(runId, host);
    const run = getRun(this.engine.db, runId);
    if (!run) return { title: `run ${runId} (not in the history)`, file: null, lines: [] };
    const title = `${run.job} run ${run.id} (${run.status})`;
    if (!run.logPath) return { title, file: null, lines: [`· run ${run.id} has no log (${run.status})`] };
    const lines = tailLines(run.logPath, { maxBytes: RUN_LOG_BYTES });
    return { title, file: run.logPath, lines: lines.length > 0 ? lines : ['· nothing logged'] };
  }

  /** Another host's run: its log file is on that host, so the view says where, with what the shared history knows. */
  private remoteRunLog(runId: number, host: string): ConsoleModel['log'] {
    const run = [...this.sharedRuns.values()].flat().find((r) => r.id === runId && r.host === host);
    const title = `${run ? `${run.job} ` : ''}run ${runId} on ${host}${run ? ` (${run.status})` : ''}`;
    const summary = run?.summary ? Object.entries(run.summary).filter(([, v]) => typeof v !== 'object').map(([k, v]) => `${k}: ${String(v)}`) : [];
    return { title, file: null, lines: [`· run ${runId} ran on ${host}: its log is on that host${run?.logPath ? ` (${run.logPath})` : ''}`, ...summary] };
  }

  private refreshBackups(): void {
    if (!this.feeds.backups) return;
    try { this.store.set('backups', this.feeds.backups()); } catch (e) { this.logger.warn({ err: e }, 'backup catalog read failed'); }
  }

  private refreshLog(): void {
    this.store.set('log', this.logView());
  }

  private logView(): ConsoleModel['log'] {
    const { dataDir } = this.loaded.config;
    const followed = this.followed;
    if (followed.kind === 'job') {
      const run = listRuns(this.engine.db, { job: followed.job, limit: 1 })[0];
      if (run?.logPath) return { title: `${followed.job} run ${run.id}`, file: run.logPath, lines: tailLines(run.logPath, { lines: LOG_LINES }) };
    }
    if (followed.kind === 'daemon') {
      const file = daemonLogPath(dataDir, DAEMON_NAME);
      return { title: 'daemon', file, lines: fs.existsSync(file) ? tailLines(file, { lines: LOG_LINES }) : [] };
    }
    const file = path.join(dataDir, 'logs', 'cfa-console.log');
    const lines = fs.existsSync(file) ? tailLines(file, { lines: LOG_LINES }).map(shortLogLine) : [];
    return { title: 'engine', file, lines };
  }
}

/** A pino JSON line as "19:04:05 job finished job=sync status=success": readable in a panel. */
export function shortLogLine(line: string): string {
  try {
    const { time, level, msg, pid: _pid, hostname: _h, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const mark = typeof level === 'number' && level >= 50 ? '✖ ' : typeof level === 'number' && level >= 40 ? '▲ ' : '';
    const fields = Object.entries(rest).filter(([, v]) => v !== undefined && typeof v !== 'object').map(([k, v]) => `${k}=${String(v)}`).join(' ');
    return `${String(time ?? '').slice(11, 19)} ${mark}${String(msg ?? '')} ${fields}`.trim();
  } catch {
    return line;
  }
}
