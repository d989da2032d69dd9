import type { LoadedConfig } from '../config/load-config.js';
import { AlertService, daemonFactsFromStatus } from '../alerts/index.js';
import { HealthRefresher } from '../health/health-refresher.js';
import type { HealthSnapshot } from '../health/types.js';
import { readMetricsHistory, updateMetrics } from '../metrics/index.js';
import type { Db } from '../store/sqlite.js';
import type { Logger } from './logger.js';
import type { SupervisorStatus } from './supervisor/supervisor.js';

/** How often the leader takes a health snapshot, judges the alert rules and refreshes metrics. */
export const MONITOR_EVERY_MS = 30_000;

/**
 * The leader's watch: a health snapshot every half minute, the alert rules over it (state and
 * outbox in ops.db, delivery by the alert worker), and the Prometheus figures. Built up front so
 * a bad channel secret in the environment is a configuration error at start, not at 3 a.m.
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
  ) {
    this.health = new HealthRefresher(config);
    this.alerts = new AlertService({
      db, config, logger,
      daemonFacts: () => daemonFactsFromStatus(this.daemonStatus(), Boolean(config.daemon.command)),
    });
  }

  get lastSnapshot(): HealthSnapshot | null {
    return this.last;
  }

  start(everyMs = MONITOR_EVERY_MS): void {
    this.alerts.start();
    // Not inline: leadership is often gained during start-up, and a first screen should not wait.
    setImmediate(() => { if (this.timer) this.tick(); });
    this.timer = setInterval(() => this.tick(), everyMs);
  }

  tick(now = Date.now()): void {
    try {
      const snapshot = this.health.refresh(now);
      this.last = snapshot;
      const report = this.alerts.evaluate(snapshot, now);
      if (report.enqueued > 0) this.logger.info({ enqueued: report.enqueued }, 'alert notifications queued');
      const facts = daemonFactsFromStatus(this.daemonStatus(), Boolean(this.config.daemon.command));
      updateMetrics(snapshot, readMetricsHistory(this.db, this.config, now, facts));
    } catch (error) {
      this.logger.error({ err: error }, 'health and alert evaluation failed');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.alerts.stop();
  }
}
