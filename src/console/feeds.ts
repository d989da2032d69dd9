import os from 'node:os';
import { AlertStore } from '../alerts/index.js';
import { listBackups, tierOverview } from '../backup/catalog.js';
import { tierSettings } from '../backup/tiers.js';
import { durationMs, type Config } from '../config/schema.js';
import type { Engine } from '../engine/engine.js';
import { DaemonStore } from '../engine/supervisor/daemon-store.js';
import { DAEMON_NAME } from '../health/sources/daemon-facts.js';
import type { Logger } from '../engine/logger.js';
import type { AlertView } from './console-model.js';
import type { ConsoleFeeds } from './console-session.js';
import { HealthFeed } from './health-feed.js';

/** How far back the Heartbeat detail lists the daemon's events: what `diagnose daemon` reads too. */
const DAEMON_EVENTS_MS = 7 * 86_400_000;

/**
 * What the console shows besides the engine: the health the leader computed, the backup
 * catalog and the open alerts, all read through the engine's ops.db connection by the modules
 * that own the tables.
 */
export function consoleFeeds(engine: Engine, config: Config & { dataDir: string }, logger: Logger): ConsoleFeeds {
  const health = new HealthFeed(engine, config, durationMs(config.engine.monitorEvery), logger);
  const tiers = tierSettings(config);
  const alerts = new AlertStore(engine.db);
  const daemon = new DaemonStore(engine.db);
  return {
    health: () => health.read(),
    backups: () => tierOverview(engine.db, tiers),
    backupList: () => listBackups(engine.db),
    daemonEvents: () => daemon.recentEvents(DAEMON_NAME, Date.now() - DAEMON_EVENTS_MS),
    alerts: () => alerts.open().map((a): AlertView => ({
      id: a.id, rule: a.rule, severity: a.severity, state: a.state, summary: a.summary,
      firedAt: a.firedAt, pendingSince: a.pendingSince, acked: a.ackedAt !== null, runbook: a.runbook,
    })),
    ackAlert: (id) => { alerts.ack(id, `${os.userInfo().username}@console`, Date.now()); },
    close: () => health.close(),
  };
}
