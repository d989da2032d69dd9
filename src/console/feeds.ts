import os from 'node:os';
import { AlertStore } from '../alerts/index.js';
import { tierOverview } from '../backup/catalog.js';
import { tierSettings } from '../backup/tiers.js';
import { durationMs, type Config } from '../config/schema.js';
import type { Engine } from '../engine/engine.js';
import type { Logger } from '../engine/logger.js';
import type { AlertView } from './console-model.js';
import type { ConsoleFeeds } from './console-session.js';
import { HealthFeed } from './health-feed.js';

/**
 * What the console shows besides the engine: the health the leader computed, the backup
 * catalog and the open alerts, all read through the engine's ops.db connection.
 */
export function consoleFeeds(engine: Engine, config: Config & { dataDir: string }, logger: Logger): ConsoleFeeds {
  const health = new HealthFeed(engine, config, durationMs(config.engine.monitorEvery), logger);
  const tiers = tierSettings(config);
  const alerts = new AlertStore(engine.db);
  return {
    health: () => health.read(),
    backups: () => tierOverview(engine.db, tiers),
    alerts: () => alerts.open().map((a): AlertView => ({
      id: a.id, rule: a.rule, severity: a.severity, state: a.state, summary: a.summary,
      firedAt: a.firedAt, pendingSince: a.pendingSince, acked: a.ackedAt !== null, runbook: a.runbook,
    })),
    ackAlert: (id) => { alerts.ack(id, `${os.userInfo().username}@console`, Date.now()); },
  };
}
