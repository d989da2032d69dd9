import { durationMs, type Config } from '../config/schema.js';
import type { HealthSnapshot } from '../health/types.js';
import type { Db } from '../store/sqlite.js';
import { AlertStore, type ApplyResult } from './alert-state.js';
import { createChannels, routeFor, type Channels } from './channels/resolve.js';
import { silentLogger, systemClock, type AlertLogger, type Clock } from './clock.js';
import { DeliveryWorker, type DeliveryWorkerOptions } from './delivery-worker.js';
import { Outbox } from './outbox.js';
import { evaluateRules, type RuleEvaluation } from './rules.js';
import { instanceName, ruleSettings, type RuleSettings } from './settings.js';
import { readDaemonFacts, recentRuns } from './sources.js';
import type { AlertRecord, DaemonFacts, RunRecord } from './types.js';

const HOUR_MS = 3_600_000;

export interface AlertServiceOptions {
  /** The engine's ops.db connection. */
  db: Db;
  config: Config & { dataDir: string };
  logger?: AlertLogger;
  /** Where channel secrets may come from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  /**
   * The supervised daemon's live figures, where this process runs the supervisor (pass
   * `() => daemonFactsFromStatus(supervisor.status())`); default: read from ops.db.
   */
  daemonFacts?: () => DaemonFacts | null;
  /** The runs the rules judge; default: ops.db's last two days plus each job's last run. */
  runs?: (now: number) => RunRecord[];
  /**
   * Collects a health snapshot, for `evaluateNow()` (e.g. `(now) => collectHealth({ config,
   * dataDir, now })`). Not needed when the engine hands its own snapshots to `evaluate`.
   */
  collect?: (now: number) => HealthSnapshot;
  /** Asked before each delivery (the leader's fence across hosts); see DeliveryWorkerOptions.admit. */
  admitDelivery?: DeliveryWorkerOptions['admit'];
}

export interface EvaluationReport extends Omit<ApplyResult, 'enqueued'> {
  at: number;
  /** Outbox rows written by this evaluation. */
  enqueued: number;
  undetermined: RuleEvaluation['undetermined'];
  errors: RuleEvaluation['errors'];
  /** Pending and firing after this evaluation. */
  open: AlertRecord[];
}

/**
 * Alerting for the engine's leader: `evaluate(snapshot)` on every health refresh turns the rules'
 * findings into alert state and outbox rows (one transaction), and the delivery worker started
 * by `start()` sends them. Followers do neither; the CLI uses the same class for one-shot runs.
 */
export class AlertService {
  readonly store: AlertStore;
  readonly outbox: Outbox;
  readonly worker: DeliveryWorker;
  readonly channels: Channels;
  readonly incomplete: { channel: string; missing: string[] }[];
  readonly settings: RuleSettings;
  private readonly logger: AlertLogger;
  private readonly clock: Clock;
  private lastPruneAt = 0;

  constructor(private readonly options: AlertServiceOptions) {
    const { config } = options;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.store = new AlertStore(options.db);
    this.outbox = new Outbox(options.db);
    const { channels, incomplete } = createChannels(config.alerts, options.env ?? process.env);
    this.channels = channels;
    this.incomplete = incomplete;
    this.settings = ruleSettings(config);
    const { delivery } = config.alerts;
    this.worker = new DeliveryWorker({
      db: options.db,
      channels,
      logger: this.logger,
      clock: this.clock,
      groupWaitMs: durationMs(config.alerts.groupWait),
      maxAttempts: delivery.maxAttempts,
      backoffBaseMs: durationMs(delivery.backoffBase),
      backoffMaxMs: durationMs(delivery.backoffMax),
      claimTtlMs: 2 * durationMs(delivery.requestTimeout) + 30_000,
      ...(options.admitDelivery ? { admit: options.admitDelivery } : {}),
    });
  }

  /** Starts delivering (the leader). Incomplete channels are named once, without their secrets. */
  start(): void {
    for (const c of this.incomplete) this.logger.warn({ channel: c.channel, missing: c.missing }, 'alert channel configured but incomplete: it gets nothing');
    this.worker.start();
  }

  async stop(): Promise<void> {
    await this.worker.stop();
  }

  /**
   * Forgets resolved alerts, expired silences and sent (or given-up) notifications older than
   * `engine.retentionDays`, like the run history; anything open or waiting is kept.
   */
  prune(now = this.clock.now()): void {
    this.lastPruneAt = now;
    const cutoff = now - this.options.config.engine.retentionDays * 24 * HOUR_MS;
    try {
      const alerts = this.store.prune(cutoff);
      const outbox = this.outbox.prune(cutoff);
      if (alerts.alerts || alerts.silences || outbox) this.logger.info({ ...alerts, outbox }, 'old alerts and notifications removed');
    } catch (error) {
      this.logger.error({ error: (error as Error).message }, 'pruning alerts failed');
    }
  }

  /** Collects a snapshot with `options.collect` and evaluates it. */
  evaluateNow(now = this.clock.now()): EvaluationReport {
    if (!this.options.collect) throw new Error('AlertService.evaluateNow needs the `collect` option');
    return this.evaluate(this.options.collect(now), now);
  }

  /**
   * Judges one health snapshot with the run history and the daemon's figures, applies the
   * outcome to the alert state and the outbox in one transaction, and wakes the worker.
   */
  evaluate(snapshot: HealthSnapshot, now = this.clock.now()): EvaluationReport {
    const { config } = this.options;
    const runs = this.options.runs ? this.options.runs(now) : recentRuns(this.options.db, now);
    const daemon = this.options.daemonFacts ? this.options.daemonFacts() : readDaemonFacts(this.options.db, config, now);
    const evaluation = evaluateRules({ now, snapshot, runs, daemon }, this.settings);
    for (const e of evaluation.errors) this.logger.error({ rule: e.rule, error: e.error }, 'alert rule failed; its alerts are left as they were');
    const applied = this.store.apply(evaluation.alerts, {
      now,
      routeFor: (severity) => routeFor(config.alerts, this.channels, severity),
      repeatCriticalMs: durationMs(config.alerts.repeatCritical),
      instance: instanceName(config),
      undetermined: evaluation.undetermined,
    });
    for (const a of applied.fired) this.logger.warn({ alert: a.id, rule: a.rule, severity: a.severity, labels: a.labels, summary: a.summary, runbook: a.runbook }, 'alert firing');
    for (const a of applied.resolved) this.logger.info({ alert: a.id, rule: a.rule, severity: a.severity, labels: a.labels }, 'alert resolved');
    if (applied.enqueued > 0) this.worker.kick();
    if (now - this.lastPruneAt >= HOUR_MS) this.prune(now);
    return {
      ...applied,
      at: now,
      undetermined: evaluation.undetermined,
      errors: evaluation.errors,
      open: this.store.open(),
    };
  }
}
