import type { LoadedConfig } from '../config/load-config.js';
import { Engine } from '../engine/engine.js';
import type { JobDefinition } from '../engine/job-definition.js';
import { createEngineLogger, type Logger } from '../engine/logger.js';
import { preflight } from '../engine/preflight.js';
import { autoRunbooks } from '../ops/auto-runbooks.js';
import { runContext } from '../ops/context.js';
import { ConsoleSession, type ConsoleFeeds } from './console-session.js';
import type { ConsoleStore } from './console-store.js';
import { consoleFeeds } from './feeds.js';
import { WizardSession, type LeaderIncidents } from './wizard.js';
import { openSharedAlerts } from '../alerts/handover.js';

/** The engine a console embeds, and what joins it to the views. */
export interface ConsoleEngine {
  logger: Logger;
  session: ConsoleSession;
  wizard: WizardSession;
  /** Settles once the wizard has its runbooks: from then on every key has what it acts on. */
  ready: Promise<void>;
  /** Stops the views' feeds, the runbooks this console runs, and the engine (running jobs get `graceMs`). */
  stop(graceMs: number): Promise<void>;
}

/**
 * Checks the settings, then starts the engine (leader or follower) feeding `store`, the store the
 * views already show. Loaded by the console after its first frame (components/console-mode.tsx):
 * this module brings in the engine and everything it runs.
 */
export function startConsoleEngine(loaded: LoadedConfig, jobs: readonly JobDefinition[], store: ConsoleStore, feeds?: ConsoleFeeds): ConsoleEngine {
  const { config } = loaded;
  preflight(config, jobs);
  const logger = createEngineLogger(config.dataDir, { stdout: false });
  // While this console leads, it runs the automatic runbooks itself when their alerts fire.
  const runbooks = new AbortController();
  const auto = autoRunbooks(runContext(loaded, { logger, signal: runbooks.signal }), { logger });
  const engine = new Engine({ loaded, jobs, logger, onAlertsFired: auto.onFired, onLeader: auto.resumeOrphans });
  const session = new ConsoleSession(engine, loaded, logger, feeds ?? consoleFeeds(engine, config, logger), store);
  // store.backend postgres: the leader's incidents when another host leads (this ops.db has only this host's).
  const shared = openSharedAlerts(config);
  const leaderIncidents: LeaderIncidents | undefined = shared ? async () => {
    const mirror = await shared.leaderIncidents();
    return mirror && mirror.host !== shared.host ? { host: mirror.host, incidents: mirror.state } : null;
  } : undefined;
  const wizard = new WizardSession({ loaded, db: engine.db, logger, ...(leaderIncidents ? { leaderIncidents } : {}) });
  engine.start();
  session.start();
  return {
    logger,
    session,
    wizard,
    // start() never rejects: runbooks that cannot be loaded are logged, and the list is empty.
    ready: wizard.start(),
    stop: async (graceMs) => {
      const closed = session.close();
      wizard.stop();
      runbooks.abort(new Error('the console is quitting'));
      await engine.stop(graceMs);
      await closed;
      await shared?.close().catch(() => {});
    },
  };
}
