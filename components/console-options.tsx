import os from 'node:os';
import { AlertStore } from '../src/alerts/index.js';
import { tierOverview } from '../src/backup/catalog.js';
import { tierSettings } from '../src/backup/tiers.js';
import type { CliContext } from '../src/cli/context.js';
import type { DemoEnvironment } from '../src/cli/demo.js';
import type { AlertView } from '../src/console/console-model.js';
import { HealthRefresher } from '../src/health/health-refresher.js';
import { openOpsDb } from '../src/store/ops-db.js';
import type { Db } from '../src/store/sqlite.js';
import type { ConsoleModeOptions } from './console-mode.js';

/** What the console shows besides the engine: the feeds of the health, backup and alert modules. */
export function consoleOptions(ctx: CliContext, _demo: DemoEnvironment | null): ConsoleModeOptions {
  const { config } = ctx.loaded;
  const health = new HealthRefresher(config);
  const tiers = tierSettings(config);
  let db: Db | undefined;
  const ops = () => (db ??= openOpsDb(config.dataDir));
  const alerts = () => new AlertStore(ops());
  return {
    feeds: {
      health: () => health.refresh(),
      backups: () => tierOverview(ops(), tiers),
      alerts: () => alerts().open().map((a): AlertView => ({
        id: a.id, rule: a.rule, severity: a.severity, state: a.state, summary: a.summary,
        firedAt: a.firedAt ?? a.pendingSince, acked: a.ackedAt !== null, runbook: a.runbook,
      })),
      ackAlert: (id) => { alerts().ack(id, `${os.userInfo().username}@console`, Date.now()); },
    },
  };
}
