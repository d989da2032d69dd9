import type { LoadedConfig } from '../config/load-config.js';
import { AlertService, daemonFactsFromStatus, type AlertServiceOptions } from '../alerts/index.js';
import { HealthRefresher } from '../health/health-refresher.js';
import { PgMarketFactsSource, type PgMarketFacts } from '../health/sources/pg-market-facts.js';
import { IntegrityVerdictStore } from '../health/integrity-verdict-store.js';
import { saveHealthSnapshot } from '../health/snapshot-store.js';
import type { HealthSnapshot } from '../health/types.js';
import type { AlertRecord } from '../alerts/types.js';
import { readMetricsHistory, updateMetrics } from '../metrics/index.js';
import type { Db } from '../store/sqlite.js';
import type { Logger } from './logger.js';
import type { Candidate } from './leadership.js';
import type { SupervisorStatus } from './supervisor/supervisor.js';

/**
 * The leader's watch: a health snapshot every `engine.monitorEvery` (30 s by default), stored in
 * ops.db for every follower and console to read, the alert rules over it (state and outbox in
 * ops.db, delivery by the alert worker), and the Prometheus figures. Built up front so a bad
 * channel secret in the environment is a configuration error at start, not at 3 a.m.
 */
export class Monitor {
  private readonly health: HealthRefresher;
  private readonly alerts: AlertService;
  private timer: NodeJS.Timeout | undefined;
  private last: HealthSnapshot | null = null;

  constructor(
    private readonly db: Db,
    private readonly config: LoadedConfig['config'],
    private readonly logger: Logger,
    private readonly daemonStatus: () => SupervisorStatus | { name: string; state: string; pid: number | null } | null,
    private readonly me: Pick<Candidate, 'pid' | 'host'>,
    /** Told of the alerts that became firing in an evaluation (the automatic runbooks: src/ops/auto-runbooks.ts). */
    private readonly onFired?: (alerts: AlertRecord[]) => void,
    /** Asked before each alert delivery: the leader's fence across hosts (pg-leadership.ts). */
    admitDelivery?: AlertServiceOptions['admitDelivery'],
  ) {
    // Its verdicts outlive it: a restarted leader, or a `health` run meanwhile, reuses the last one for an unchanged file.
    this.health = new HealthRefresher(config, undefined, { verdicts: IntegrityVerdictStore.over(db) });
    this.alerts = new AlertService({
      db, config, logger,
      daemonFacts: () => daemonFactsFromStatus(this.daemonStatus(), Boolean(config.daemon.command)),
      ...(admitDelivery ? { admitDelivery } : {}),
    });
  }

  get lastSnapshot(): HealthSnapshot | null {
    return this.last;
  }

  start(everyMs: number): void {
    this.alerts.start();
    // Not inline: leadership is often gained during start-up, and a first screen should not wait.
    setImmediate(() => { if (this.timer) this.tick(); });
    this.timer = setInterval(() => this.tick(), everyMs);
  }

  /** A tick in progress: the next one waits its turn instead of overlapping (PostgreSQL answers asynchronously). */
  private ticking = false;

  tick(now = Date.now()): void {
    if (this.config.store.backend !== 'postgres') {
      this.evaluate(now);
      return;
    }
    if (this.ticking) return;
    this.ticking = true;
    this.pgFacts ??= new PgMarketFactsSource(this.config);
    void this.pgFacts.gather(now)
      .then((facts) => { if (this.timer) this.evaluate(now, facts); })
      .finally(() => { this.ticking = false; });
  }

  private pgFacts: PgMarketFactsSource | null = null;

  private evaluate(now: number, pgMarket?: PgMarketFacts): void {
    try {
      const snapshot = this.health.refresh(now, undefined, pgMarket);
      this.last = snapshot;
      this.logger.debug({ overall: snapshot.overall, durationMs: snapshot.durationMs }, 'health computed');
      try {
        saveHealthSnapshot(this.db, snapshot, { pid: this.me.pid, host: this.me.host });
      } catch (error) {
        // The alerts still run on it; the consoles show the previous one, marked stale.
        this.logger.error({ err: error }, 'health snapshot could not be stored');
      }
      const report = this.alerts.evaluate(snapshot, now);
      if (report.enqueued > 0) this.logger.info({ enqueued: report.enqueued }, 'alert notifications queued');
      if (report.fired.length > 0 && this.onFired) {
        try {
          this.onFired(report.fired);
        } catch (error) {
          this.logger.error({ err: error }, 'the handler of fired alerts failed');
        }
      }
      const facts = daemonFactsFromStatus(this.daemonStatus(), Boolean(this.config.daemon.command));
      updateMetrics(snapshot, readMetricsHistory(this.db, this.config, now, facts));
    } catch (error) {
      this.logger.error({ err: error }, 'health and alert evaluation failed');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.pgFacts?.close();
    this.pgFacts = null;
    this.last = null;
    await this.alerts.stop();
  }
}
