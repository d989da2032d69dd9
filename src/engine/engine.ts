import { EventEmitter } from 'node:events';
import { CLI_PATH } from '../common/entry-points.js';
import { hostName } from '../common/host-name.js';
import type { LoadedConfig } from '../config/load-config.js';
import { durationMs } from '../config/schema.js';
import { SeriesFollower } from '../config/series-follow.js';
import type { AlertRecord } from '../alerts/types.js';
import type { HealthSnapshot } from '../health/types.js';
import type { Db } from '../store/sqlite.js';
import { openOpsDb } from '../store/ops-db.js';
import { describePgError, openPgPool, type PgPool } from '../store/postgres/pool.js';
import type { JobDefinition } from './job-definition.js';
import { JobRunner, type RunOutcome, type RunningJob } from './job-runner.js';
import { Monitor } from './monitor.js';
import { LeaderElection, readLease, releaseLease, sqliteLease, thisCandidate, tryAcquireLease, type Candidate, type LeaseBackend, type LeaseHolder } from './leadership.js';
import { PgLeadership } from './pg-leadership.js';
import { AlertHandover } from '../alerts/handover.js';
import { PgAlertHandover } from '../store/postgres/alert-handover.js';
import type { LeaderAction } from '../store/postgres/lease.js';
import { PgRunHistory, type SharedRun, type SharedRunsQuery } from '../store/postgres/run-history.js';
import { mergeJobStates, RunMirror, within } from './run-mirror.js';
import type { Logger } from './logger.js';
import { isAlive } from './process-identity.js';
import { ResourceSampler, type HostSample } from './resource-sampler.js';
import { jobLogsDir, jobStates, markAbandonedRuns, pruneHistory, type JobState, type RunTrigger } from './run-history.js';
import { nextSlot } from './schedule-math.js';
import { leaderRequestHandlers } from './request-handlers.js';
import { RequestPoller } from './request-poller.js';
import { sharedRequestQueue } from './shared-requests.js';
import { PgLeaderRequests } from '../store/postgres/leader-requests.js';
import { pruneRequests } from './requests.js';
import { resolveSchedule, Scheduler, type ResolvedJob } from './scheduler.js';
import { DaemonStore } from './supervisor/daemon-store.js';
import { Supervisor, type SupervisorStatus } from './supervisor/supervisor.js';
import { LITESTREAM_DAEMON, replicateCommand, replicationEnabled, resolveLitestreamBinary, writeLitestreamConfig } from '../replication/litestream.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** How often the engine catches the shared run history up with ops.db and reads the other hosts' last runs. */
const RUN_MIRROR_EVERY_MS = 15_000;
/** How long a stopping engine waits for its last runs to reach the shared history. */
const RUN_MIRROR_STOP_MS = 5_000;
/** Beyond a job's timeout and kill grace: how long another host may take to report a run's end before the leader presumes it failed. */
const STALE_RUN_MARGIN_MS = 5 * 60_000;
/** store.backend postgres: how long a stopping engine waits, in all, for the steps that need an answer from the server (after the runs' grace). */
const PG_STOP_MS = 10_000;
const PG_GAVE_UP = Symbol('PostgreSQL gave no answer');
const DAEMON_NAME = 'backtest';

export type Role = 'leader' | 'follower';

export interface JobView extends ResolvedJob {
  nextRunAt: number | null;
  state: JobState | null;
  running: RunningJob | null;
  /** A due run held until these jobs first succeed (JobDefinition.after); absent when none waits. */
  waitingFor?: string[];
}

export interface EngineSnapshot {
  role: Role;
  me: Candidate;
  leader: LeaseHolder | null;
  /** Where the lease is kept: this host's ops.db, or PostgreSQL (then `leader` may be on any host). */
  leaseIn: 'ops.db' | 'PostgreSQL';
  /** Why the last campaign could not read the lease (PostgreSQL away); null when it could. */
  leaseProblem: string | null;
  jobs: JobView[];
  daemon: SupervisorStatus | { name: string; state: string; pid: number | null } | null;
  /** The Litestream process (`litestream replicate`) while replication is configured. */
  replication?: SupervisorStatus | { name: string; state: string; pid: number | null } | null;
  host: HostSample | null;
}

export interface EngineEvents {
  change: [];
  progress: [job: string, runId: number, event: Record<string, unknown>];
}

export interface EngineOptions {
  loaded: LoadedConfig & { config: LoadedConfig['config'] };
  jobs: readonly JobDefinition[];
  logger: Logger;
  /** argv prefix that runs this CLI; default: this node and this build's cli.js. */
  cliCommand?: string[];
  /**
   * Called on the leader with the alerts that just became firing: the ops layer's automatic
   * runbooks (src/ops/auto-runbooks.ts). Injected so the engine needs no runbook import.
   */
  onAlertsFired?: (alerts: AlertRecord[]) => void;
  /** Called each time this engine becomes leader, once it leads (the ops layer resumes what a dead leader left). */
  onLeader?: () => void;
}

/**
 * One engine for the daemon, the console and the tests: it campaigns for the lease and, while it
 * leads, runs the scheduler, the supervisor and the resource sampler. A follower only watches,
 * and a job it starts by hand goes through the same lock and history.
 */
export class Engine extends EventEmitter<EngineEvents> {
  readonly db: Db;
  readonly jobs: ResolvedJob[];
  private readonly election: LeaderElection;
  /** store.backend postgres: why the lease could not be read at the last campaign; null once it is again. */
  private leaseProblem: string | null = null;
  private readonly runner: JobRunner;
  private readonly sampler: ResourceSampler;
  private readonly daemonStore: DaemonStore;
  private readonly monitor: Monitor;
  private scheduler: Scheduler | null = null;
  private supervisor: Supervisor | null = null;
  private replicator: Supervisor | null = null;
  private requests: RequestPoller | null = null;
  private housekeeping: NodeJS.Timeout | undefined;
  /** Follows the config file's symbols and intervals while leading (src/config/series-follow.ts). */
  private seriesFollow: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly inFlight = new Set<Promise<RunOutcome>>();
  /** store.backend postgres: the lease and the fenced steps across hosts; null on SQLite. */
  private readonly pg: PgLeadership | null = null;
  private readonly pgPool: PgPool | null = null;
  /** store.backend postgres: alert state, queue and silences handed over between hosts; null on SQLite. */
  private readonly alertHandover: AlertHandover | null = null;
  /** store.backend postgres: the requests of every host to the leader; null on SQLite. */
  private readonly sharedRequests: PgLeaderRequests | null = null;
  /** Requests in PostgreSQL this process claimed and still handles, across its leaderships (sharedRequestQueue). */
  private readonly sharedHandling = new Set<number>();
  /** Gaining and losing leadership, one after the other (a remote lease may flip quickly). */
  private transition: Promise<void> | null = null;
  /** store.backend postgres: this host's runs copied into the shared history; null on SQLite. */
  private readonly runHistory: PgRunHistory | null = null;
  private readonly runMirror: RunMirror | null = null;
  private runMirrorTimer: NodeJS.Timeout | undefined;
  /** The epoch a leader's run was admitted under, until its row exists (job -> epoch). */
  private readonly admitted = new Map<string, number>();
  /** Every host's last run and success per job, as last read from the shared history. */
  private sharedStates: Parameters<typeof mergeJobStates>[1] = [];

  constructor(private readonly options: EngineOptions) {
    super();
    const { config } = options.loaded;
    this.jobs = resolveSchedule(options.jobs, config.jobs);
    this.db = openOpsDb(config.dataDir);
    this.daemonStore = new DaemonStore(this.db);
    const candidate = thisCandidate(hostName(config.engine.host));
    let lastLeaseError = '';
    if (config.store.backend === 'postgres' && config.store.url) {
      const url = config.store.url;
      // Five connections: a campaign, a fenced step, the alert handover, the request poller and the run mirror may be in flight together.
      this.pgPool = openPgPool(url, { size: 5, applicationName: `cfa-console engine on ${candidate.host}` });
      this.pg = new PgLeadership(this.pgPool, {
        onRefused: (r) => options.logger.warn({ action: r.action, subject: r.subject, epoch: r.epoch, byDatabase: r.byDatabase },
          r.byDatabase ? 'fenced write refused: another host leads now, or this lease lapsed' : 'leader step not taken: this engine holds no lease'),
      });
      this.runHistory = new PgRunHistory(this.pgPool);
      this.runMirror = new RunMirror({
        db: this.db, store: this.runHistory, host: candidate.host,
        onError: (error) => options.logger.warn({ err: describePgError(url, error, 'cannot copy runs to PostgreSQL') }, 'runs not copied to the shared history yet; caught up when PostgreSQL answers'),
        onRecovered: () => options.logger.info('runs copied to the shared history again'),
      });
    }
    const leaseError = (error: unknown) => {
      const shown = this.pg && this.pgPool ? describePgError(config.store.url ?? '', error, 'the lease in PostgreSQL failed') : error;
      // Once per distinct failure: a server that is down would otherwise log every renewal.
      const key = (shown as Error)?.message ?? String(shown);
      if (key !== lastLeaseError) options.logger.error({ err: shown }, 'lease renewal failed; acting as follower');
      lastLeaseError = key;
      this.leaseProblem = key;
    };
    const cliCommand = options.cliCommand ?? [process.execPath, CLI_PATH];
    this.runner = new JobRunner({
      db: this.db,
      dataDir: config.dataDir,
      ...(this.pg ? { admit: (request) => this.admitRun(request) } : {}),
      ...(this.runMirror ? { onRecorded: (runId: number, job: string, change: 'start' | 'finish' | 'skip') => this.runRecorded(runId, job, change) } : {}),
      // The children see exactly this engine's settings, whatever flags or env produced them.
      cliCommand: [...cliCommand, '--data-dir', config.dataDir, '--config', options.loaded.path, '--exchange-url', config.exchange.url],
      onProgress: (runId, event) => {
        const job = this.runner.running().find((r) => r.runId === runId)?.job ?? '?';
        this.emit('progress', job, runId, event);
        this.emit('change');
      },
    });
    this.sampler = new ResourceSampler({
      db: this.db,
      sampleEvery: durationMs(config.engine.sampleEvery),
      onError: (error) => options.logger.warn({ err: error }, 'resource sampling failed'),
    });
    const ttlMs = durationMs(config.engine.leaseTtl);
    this.election = new LeaderElection({
      backend: this.pg ? this.mirrored(this.pg, ttlMs) : sqliteLease(this.db),
      candidate,
      ttlMs,
      renewEveryMs: durationMs(config.engine.leaseRenewEvery),
      onChange: (leader, holder) => this.changeLeadership(leader, holder),
      onError: (error) => {
        if (this.pg) leaseError(error);
        else options.logger.error({ err: error }, 'lease renewal failed; acting as follower');
      },
    });
    const pg = this.pg;
    this.sharedRequests = this.pgPool ? new PgLeaderRequests(this.pgPool) : null;
    this.alertHandover = pg && this.pgPool
      ? new AlertHandover({
        db: this.db, store: new PgAlertHandover(this.pgPool), fence: () => pg.currentFence, host: candidate.host, logger: options.logger,
        // The incidents of the previous leader arrive after leadership was gained (at the first tick): resume those too.
        ...(options.onLeader ? { onIncidentsAdopted: options.onLeader } : {}),
      })
      : null;
    this.monitor = new Monitor(this.db, config, options.logger, () => this.supervisor?.status() ?? this.storedDaemon(), this.election.candidate, options.onAlertsFired,
      pg ? (channel, outbox) => pg.act('alert-delivery', channel, { outbox }) : undefined, this.alertHandover ?? undefined);
  }

  /** store.backend postgres: the views show every host's runs (sharedRuns); false on SQLite. */
  get sharesRuns(): boolean {
    return this.runHistory !== null;
  }

  /** This engine's host name among the hosts (engine.host / CFA_HOST). */
  get hostName(): string {
    return this.election.candidate.host;
  }

  /**
   * store.backend postgres: the newest start of the supervised daemon by any leader (its host,
   * epoch, when: database clock), as `daemon status` shows it on a host that does not lead; null
   * on SQLite. Rejects when PostgreSQL does not answer.
   */
  async lastDaemonStart(): Promise<LeaderAction | null> {
    return this.pg ? this.pg.lease.lastAction('daemon-start', DAEMON_NAME) : null;
  }

  /** Every host's runs from the shared history, newest first; empty on SQLite. Rejects when PostgreSQL does not answer. */
  async sharedRuns(query: SharedRunsQuery): Promise<SharedRun[]> {
    return this.runHistory ? this.runHistory.list(query) : [];
  }

  /**
   * Who holds the lease as the last campaign read it. With the lease in PostgreSQL that may be a
   * leader on another host, and ops.db's lease is only a copy of this host's own leadership: not shown.
   */
  get leader(): LeaseHolder | null {
    return this.pg ? this.election.currentHolder : this.election.currentHolder ?? readLease(this.db);
  }

  get role(): Role {
    return this.election.isLeader ? 'leader' : 'follower';
  }

  start(): void {
    this.options.logger.info({ dataDir: this.options.loaded.config.dataDir, holderId: this.election.candidate.holderId, host: this.election.candidate.host, lease: this.pg ? 'postgres' : 'ops.db' }, 'engine starting');
    const first = this.election.start();
    const following = (): void => {
      if (this.election.isLeader || this.stopped) return;
      const holder = this.election.currentHolder;
      this.options.logger.info({ leaderPid: holder?.pid, leaderHost: holder?.host, epoch: holder?.epoch }, 'following the current leader');
      // With the lease in PostgreSQL the first campaign answers after start(): the views learn the leader now.
      if (first) this.emit('change');
      if (this.pg && holder && holder.host !== this.election.candidate.host) void this.stopStrayDaemon(holder);
    };
    if (first) void first.then(following);
    else following();
    if (this.runMirror) {
      // A follower on another host may not lead for long: its own dead runners' runs are marked
      // failed now, not when it next leads, so the other hosts do not see them running meanwhile.
      const abandoned = markAbandonedRuns(this.db, isAlive);
      if (abandoned.length) this.options.logger.warn({ runs: abandoned }, 'runs whose runner died marked failed');
      void this.mirrorRuns();
      this.runMirrorTimer = setInterval(() => void this.mirrorRuns(), RUN_MIRROR_EVERY_MS);
    }
  }

  /** store.backend postgres: a run's row changed in ops.db; its copy follows at once (or at the next catch-up). */
  private runRecorded(runId: number, job: string, change: 'start' | 'finish' | 'skip'): void {
    // An admitted run either starts or is recorded skipped: either way the admission is used up.
    if (change !== 'finish') {
      if (change === 'start') this.runMirror?.noteEpoch(runId, this.admitted.get(job) ?? null);
      this.admitted.delete(job);
    }
    void this.mirrorRuns();
  }

  /** Copies this host's new and ended runs to the shared history, then reads every host's last runs for the views. */
  private async mirrorRuns(): Promise<void> {
    if (!this.runMirror || !this.runHistory) return;
    const { error } = await this.runMirror.sync();
    if (error || this.stopped) return;
    try {
      const fence = this.election.isLeader ? this.pg?.currentFence : null;
      if (fence) {
        const graceMs = durationMs(this.options.loaded.config.engine.stopGrace);
        const limits = Object.fromEntries(this.jobs.map((j) => [j.name, j.timeoutMs + graceMs + STALE_RUN_MARGIN_MS]));
        const presumed = await this.runHistory.presumeStale(fence, limits);
        if (presumed.length) this.options.logger.warn({ runs: presumed }, 'runs of other hosts presumed failed: still running past their timeout, and their host stopped reporting');
      }
      const states = await this.runHistory.jobStates();
      if (JSON.stringify(states) !== JSON.stringify(this.sharedStates)) {
        this.sharedStates = states;
        this.emit('change');
      }
    } catch {
      // The next catch-up reads them again; the views keep the last ones read.
    }
  }

  /**
   * The lease in PostgreSQL, mirrored into this host's ops.db while this engine leads: the CLI and
   * consoles of this host find their leader there (requests, status) as they do on SQLite.
   */
  private mirrored(pg: PgLeadership, ttlMs: number): LeaseBackend {
    return {
      remote: true,
      acquire: async (me, now, ttl) => {
        const outcome = await pg.acquire(me, now, ttl);
        this.leaseProblem = null;
        if (outcome.leader) {
          try {
            tryAcquireLease(this.db, me, Date.now(), ttlMs);
          } catch (error) {
            this.options.logger.warn({ err: error }, 'the lease could not be mirrored into ops.db: local requests may not find this leader');
          }
        }
        return outcome;
      },
      release: async (me) => {
        try {
          releaseLease(this.db, me);
        } finally {
          await pg.release(me);
        }
      },
    };
  }

  /** Runs leadership changes in order; the first runs at once, as it always did. */
  private changeLeadership(leader: boolean, holder: LeaseHolder | null): void {
    const run = () => this.onLeadership(leader, holder);
    const next = this.transition ? this.transition.then(run, run) : run();
    this.transition = next;
    void next.finally(() => { if (this.transition === next) this.transition = null; });
  }

  /** store.backend postgres: a run the leader starts is recorded under its epoch first, or refused. */
  private async admitRun(request: { job: string; trigger: RunTrigger; slot?: number | null }): Promise<string | null> {
    // A follower's run by hand (console, CLI) is no leader step: it goes by the job lock alone.
    // A scheduled run always is, even if the lease was lost while it was on its way.
    const leaderStep = request.trigger === 'schedule' || request.trigger === 'catch-up' || this.election.isLeader;
    if (!this.pg || !leaderStep) return null;
    const ok = await this.pg.act('job-start', request.job, { trigger: request.trigger, slot: request.slot ?? null });
    if (ok && this.pg.epoch !== null) this.admitted.set(request.job, this.pg.epoch);
    return ok ? null : `refused: epoch ${this.pg.epoch ?? 'none'} no longer holds the lease`;
  }

  private async onLeadership(leader: boolean, holder: LeaseHolder | null): Promise<void> {
    const { logger, loaded } = this.options;
    const { config } = loaded;
    if (leader) {
      logger.info({ holderId: holder?.holderId, host: holder?.host, epoch: holder?.epoch }, 'became leader');
      const abandoned = markAbandonedRuns(this.db, isAlive);
      if (abandoned.length) logger.warn({ runs: abandoned }, 'runs of a dead leader marked failed');
      if (abandoned.length) void this.mirrorRuns();
      this.sampler.watch('engine', process.pid);
      this.sampler.start();
      const pg = this.pg;
      this.scheduler = new Scheduler({
        jobs: this.jobs,
        db: this.db,
        ...(pg ? { claims: { lastSlot: (job: string) => pg.lastSlot(job), claim: (job: string, slot: number) => pg.claimSlot(job, slot) } } : {}),
        onDue: (job, slot, trigger) => void this.runNow(job, trigger, undefined, slot),
        onHeld: (job, waitingFor) => logger.info({ job, waitingFor }, 'job due, waiting for the first success of the jobs it follows'),
        onError: (job, error) => logger.error({ job, err: error }, 'scheduling failed'),
      });
      this.scheduler.start();
      if (config.daemon.command) {
        let lastDaemonKey = '';
        this.supervisor = new Supervisor({
          db: this.db, dataDir: config.dataDir, name: DAEMON_NAME, config: config.daemon, sampler: this.sampler,
          ...(pg ? { admit: () => pg.act('daemon-start', DAEMON_NAME) } : {}),
          onChange: (status) => {
            // Sampling refreshes the status often; the log only wants what changed.
            const key = `${status.state}/${status.pid}`;
            if (key !== lastDaemonKey) logger.info({ daemon: status.name, state: status.state, pid: status.pid, restarts24h: status.restarts24h }, 'daemon');
            lastDaemonKey = key;
            this.emit('change');
          },
          onError: (error) => logger.error({ err: error }, 'supervisor error'),
        });
        await this.supervisor.start().catch((error: unknown) => logger.error({ err: error }, 'daemon could not be started'));
      }
      if (replicationEnabled(config)) await this.startReplication();
      const follower = new SeriesFollower(loaded);
      this.seriesFollow = setInterval(() => {
        const outcome = follower.check();
        if (outcome && 'error' in outcome) logger.warn({ err: outcome.error }, 'the configuration file changed but does not validate: tracking the same series');
        else if (outcome) logger.info(outcome.change, 'tracked series changed in the configuration file');
      }, durationMs(config.engine.monitorEvery));
      this.monitor.start(durationMs(config.engine.monitorEvery));
      this.startRequests();
      this.housekeeping = setInterval(() => this.prune(), HOUR_MS);
      this.prune();
      try {
        this.options.onLeader?.();
      } catch (error) {
        logger.error({ err: error }, 'the handler of leadership gained failed');
      }
    } else {
      if (!this.stopped) logger.warn({ leaderPid: holder?.pid, leaderHost: holder?.host, epoch: holder?.epoch }, 'lost the lease: scheduler and supervisor stopped');
      this.scheduler?.stop();
      this.scheduler = null;
      void this.requests?.stop();
      this.requests = null;
      if (this.pg && !this.stopped) {
        this.stepDownAcrossHosts(holder);
      } else {
        // Another leader adopts the daemon from its PID file; it must not be killed here.
        this.supervisor?.release();
        this.replicator?.release();
      }
      this.supervisor = null;
      this.replicator = null;
      await this.monitor.stop();
      this.sampler.stop();
      clearInterval(this.housekeeping);
      clearInterval(this.seriesFollow);
    }
    this.emit('change');
  }

  /**
   * store.backend postgres, leadership lost while running: a leader on another host cannot adopt
   * this host's daemon from its PID file, so it is stopped here (the new leader starts its own);
   * only a new leader on this very host (same name) adopts it. The runs this leader started are
   * cancelled: the new leader runs the next slots. The mirror of the lease in ops.db goes.
   */
  private stepDownAcrossHosts(holder: LeaseHolder | null): void {
    const { logger, loaded } = this.options;
    const grace = durationMs(loaded.config.engine.stopGrace);
    const adoptedHere = holder !== null && holder.host === this.election.candidate.host;
    for (const supervised of [this.supervisor, this.replicator]) {
      if (!supervised) continue;
      if (adoptedHere) supervised.release();
      else void supervised.stop(undefined, 'lost the lease to another host').catch((error: unknown) => logger.error({ err: error }, 'stopping the daemon after losing the lease failed'));
    }
    const running = this.runner.running();
    if (running.length) {
      logger.warn({ runs: running.map((r) => r.runId), jobs: running.map((r) => r.job) }, 'lost the lease: cancelling the runs this leader started');
      void this.runner.stopAll(grace);
    }
    try {
      releaseLease(this.db, this.election.candidate);
    } catch (error) {
      logger.warn({ err: error }, 'the mirror of the lease in ops.db could not be removed');
    }
  }

  /**
   * store.backend postgres, starting as a follower of a leader on another host: a backtest daemon
   * this host's previous engine left running (it was killed while it led) is stopped, since the
   * leader runs its own. Under systemd the unit's cgroup usually ended it already.
   */
  private async stopStrayDaemon(holder: LeaseHolder): Promise<void> {
    const { logger, loaded } = this.options;
    const { config } = loaded;
    if (!config.daemon.command) return;
    try {
      const stray = new Supervisor({ db: this.db, dataDir: config.dataDir, name: DAEMON_NAME, config: config.daemon });
      const pid = await stray.stopStray(`${holder.host} leads (epoch ${holder.epoch ?? '?'}) and runs its own`);
      if (pid !== null) logger.warn({ pid, leaderHost: holder.host, epoch: holder.epoch }, 'stopped the backtest daemon a previous engine on this host left running: another host leads');
    } catch (error) {
      logger.error({ err: error }, 'a backtest daemon left running on this host could not be stopped');
    }
  }

  /**
   * Leader only: writes Litestream's config for both stores and runs `litestream replicate`
   * under a second supervisor (restart with backoff, crash-loop, adoption from run/litestream.pid,
   * stopped on a graceful exit). Litestream writes no heartbeat: it is judged by its exit alone,
   * and its replication by the health probe.
   */
  private async startReplication(): Promise<void> {
    const { logger, loaded } = this.options;
    const { config } = loaded;
    try {
      const binary = resolveLitestreamBinary(config.replication);
      const { file, env } = writeLitestreamConfig(config.dataDir, config.replication);
      let lastKey = '';
      this.replicator = new Supervisor({
        db: this.db, dataDir: config.dataDir, name: LITESTREAM_DAEMON, sampler: this.sampler,
        config: { ...config.daemon, command: undefined, cwd: undefined },
        command: replicateCommand(binary, file), commandSource: 'replication.litestream', env, heartbeat: false,
        onChange: (status) => {
          const key = `${status.state}/${status.pid}`;
          if (key !== lastKey) logger.info({ daemon: status.name, state: status.state, pid: status.pid, restarts24h: status.restarts24h }, 'replication');
          lastKey = key;
          this.emit('change');
        },
        onError: (error) => logger.error({ err: error }, 'replication supervisor error'),
      });
      await this.replicator.start();
    } catch (error) {
      logger.error({ err: error }, 'replication could not be started');
    }
  }

  /** Leader only: takes up what followers ask of it (requests.ts) about once a second. */
  private startRequests(): void {
    const { logger } = this.options;
    const pg = this.pg;
    this.requests = new RequestPoller({
      db: this.db,
      handler: this.election.candidate,
      ...(pg && this.sharedRequests ? { shared: sharedRequestQueue(this.sharedRequests, () => pg.currentFence, this.election.candidate, this.sharedHandling) } : {}),
      handlers: leaderRequestHandlers({ supervisor: (name) => (name === LITESTREAM_DAEMON ? this.replicator : this.supervisor), runJob: (job, options, trigger) => this.runNow(job, trigger, options) }),
      onHandled: (request, outcome, where) => logger[outcome.ok ? 'info' : 'warn']({ request: request.id, in: where, kind: request.kind, args: request.args, by: request.requestedBy, ok: outcome.ok, result: outcome.result }, 'request handled'),
      onError: (error) => logger.error({ err: error }, 'request handling failed'),
    });
    this.requests.start();
  }

  private prune(): void {
    const { config } = this.options.loaded;
    try {
      pruneRequests(this.db, Date.now() - config.engine.retentionDays * DAY_MS);
      void this.pg?.prune(config.engine.retentionDays * DAY_MS).catch((error: unknown) => this.options.logger.error({ err: error }, 'pruning leader actions in PostgreSQL failed'));
      const fence = this.pg?.currentFence;
      if (fence) void this.sharedRequests?.prune(fence, config.engine.retentionDays * DAY_MS).catch((error: unknown) => this.options.logger.error({ err: error }, 'pruning old requests in PostgreSQL failed'));
      void this.alertHandover?.prune(config.engine.retentionDays * DAY_MS).catch((error: unknown) => this.options.logger.error({ err: error }, 'pruning applied alert commands in PostgreSQL failed'));
      if (fence) void this.runHistory?.prune(fence, config.engine.retentionDays * DAY_MS).catch((error: unknown) => this.options.logger.error({ err: error }, 'pruning the shared run history in PostgreSQL failed'));
      const removed = pruneHistory(this.db, config.engine.retentionDays * DAY_MS, jobLogsDir(config.dataDir));
      if (removed.runs || removed.logs) this.options.logger.info(removed, 'old job runs and logs removed');
    } catch (error) {
      this.options.logger.error({ err: error }, 'pruning history failed');
    }
  }

  /**
   * Runs a job now through the per-job lock and the history; a job already running is skipped.
   * `options` are its operation's typed options; by default the job's declared ones.
   */
  async runNow(job: string, trigger: RunTrigger = 'manual', options?: Record<string, unknown>, slot?: number): Promise<RunOutcome> {
    const resolved = this.jobs.find((j) => j.name === job);
    const declared = this.options.jobs.find((j) => j.name === job);
    if (!resolved || !declared) throw new Error(`no such job ${JSON.stringify(job)} (known: ${this.jobs.map((j) => j.name).join(', ')})`);
    const { logger, loaded } = this.options;
    logger.info({ job, trigger, slot }, 'job starting');
    const promise = this.runner.run({
      job, trigger, slot, options: options ?? declared.options, timeoutMs: resolved.timeoutMs, killGraceMs: durationMs(loaded.config.engine.stopGrace),
    });
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
    this.emit('change');
    const outcome = await promise;
    const level = outcome.status === 'success' ? 'info' : outcome.status === 'skipped' ? 'warn' : 'error';
    logger[level]({ job, runId: outcome.runId, status: outcome.status, exitCode: outcome.exitCode, durationMs: outcome.durationMs, log: outcome.logPath }, 'job finished');
    // A first success may free the runs that wait for it (a new data dir's backup after its first sync).
    if (outcome.status === 'success') this.releaseHeld();
    this.emit('change');
    return outcome;
  }

  private releaseHeld(): void {
    const held = this.scheduler?.held() ?? [];
    if (held.length === 0) return;
    try {
      this.scheduler?.release();
    } catch (error) {
      this.options.logger.error({ err: error }, 'releasing held runs failed');
    }
  }

  /**
   * The health snapshot this engine's monitor took last, while it leads; null on a follower (read
   * the leader's from ops.db: src/health/snapshot-store.ts) and before the first one.
   */
  latestHealth(): HealthSnapshot | null {
    return this.election.isLeader ? this.monitor.lastSnapshot : null;
  }

  snapshot(now = Date.now()): EngineSnapshot {
    const own = jobStates(this.db);
    const states = new Map((this.runMirror ? mergeJobStates(own, this.sharedStates) : own).map((s) => [s.job, s]));
    const running = this.runner.running();
    const held = new Map((this.scheduler?.held() ?? []).map((h) => [h.job, h.waitingFor]));
    const jobs = this.jobs.map((j) => ({
      ...j,
      nextRunAt: j.enabled && j.cron ? nextSlot(j.cron, now) : null,
      state: states.get(j.name) ?? null,
      running: running.find((r) => r.job === j.name) ?? null,
      ...(held.has(j.name) ? { waitingFor: held.get(j.name) } : {}),
    }));
    return {
      role: this.role,
      me: this.election.candidate,
      leader: this.leader,
      leaseIn: this.pg ? 'PostgreSQL' : 'ops.db',
      leaseProblem: this.leaseProblem,
      jobs,
      daemon: this.supervisor?.status() ?? this.storedDaemon(),
      replication: this.replicator?.status() ?? (replicationEnabled(this.options.loaded.config) ? this.storedDaemon(LITESTREAM_DAEMON) : null),
      host: this.sampler.latestHost(),
    };
  }

  /** The daemon as the leader last recorded it, for a follower that does not supervise it. */
  private storedDaemon(name = DAEMON_NAME): { name: string; state: string; pid: number | null } | null {
    const stored = this.daemonStore.readState(name);
    return stored ? { name: stored.name, state: stored.state, pid: stored.pid } : null;
  }

  /**
   * Graceful stop: no new runs, running jobs get the grace to finish (then SIGTERM/SIGKILL), the
   * supervised daemon is stopped, the lease released so a follower takes over at once.
   */
  async stop(graceMs = durationMs(this.options.loaded.config.engine.stopGrace)): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const { logger } = this.options;
    logger.info({ graceMs, running: this.runner.running().map((r) => r.job) }, 'engine stopping');
    this.scheduler?.stop();
    clearInterval(this.housekeeping);
    clearInterval(this.seriesFollow);
    const requestsDone = this.requests?.stop();
    this.requests = null;
    const finished = Promise.allSettled([...this.inFlight]);
    let graceTimer: NodeJS.Timeout | undefined;
    await Promise.race([finished, new Promise((resolve) => { graceTimer = setTimeout(resolve, graceMs); })]);
    clearTimeout(graceTimer);
    // store.backend postgres: a server that stops answering (paused, a partition) leaves queries
    // pending on open connections with no end; the stop waits for them a bounded time, never forever.
    let unanswered = false;
    const pgDeadline = Date.now() + PG_STOP_MS;
    const pgBound = async (step: Promise<unknown> | unknown): Promise<void> => {
      if (!this.pgPool) {
        await step;
        return;
      }
      const left = unanswered ? 0 : Math.max(0, pgDeadline - Date.now());
      if (await within<unknown>(Promise.resolve(step), left, PG_GAVE_UP) === PG_GAVE_UP) unanswered = true;
    };
    // Whatever is still running after the grace is stopped: SIGTERM, then SIGKILL.
    await Promise.all([this.runner.stopAll(Math.min(graceMs, 10_000)), this.supervisor?.stop(), this.replicator?.stop(), pgBound(this.monitor.stop()), pgBound(requestsDone)]);
    this.sampler.stop();
    await pgBound(this.election.stop());
    await pgBound(this.transition);
    clearInterval(this.runMirrorTimer);
    if (this.runMirror && !unanswered) await within(this.runMirror.sync(), RUN_MIRROR_STOP_MS, null);
    await pgBound(this.pgPool?.end().catch(() => {}));
    if (unanswered) logger.warn({ waitedMs: PG_STOP_MS }, 'PostgreSQL did not answer while stopping: stopped without waiting for it any longer');
    this.db.close();
    logger.info('engine stopped');
  }
}

