import { JOBS } from '../../jobs/index.js';
import { Engine } from '../engine/engine.js';
import { defaultMetrics, startMetricsServer } from '../metrics/index.js';
import { createEngineLogger } from '../engine/logger.js';
import { preflight } from '../engine/preflight.js';
import { autoRunbooks } from '../ops/auto-runbooks.js';
import { runContext } from '../ops/context.js';
import { prepareDataDir, type CliContext } from './context.js';
import { EXIT } from './exit-codes.js';

/**
 * `cfa-console --daemon`: the engine without a screen, for systemd. JSON lines on stdout;
 * SIGTERM or SIGINT stop it gracefully and it exits 0.
 */
export async function runDaemon(ctx: CliContext): Promise<number> {
  const { config } = ctx.loaded;
  prepareDataDir(ctx);
  preflight(config, JOBS);
  const logger = createEngineLogger(config.dataDir, { stdout: true });
  // The leader runs the automatic runbooks itself when their alerts fire; a stop cancels them.
  const runbooks = new AbortController();
  const auto = autoRunbooks(runContext(ctx.loaded, { logger, signal: runbooks.signal }), { logger });
  const engine = new Engine({ loaded: ctx.loaded, jobs: JOBS, logger, onAlertsFired: auto.onFired, onLeader: auto.resumeOrphans });
  const stopped = new Promise<string>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
  });
  engine.start();
  const { metrics } = config.alerts;
  // One scrape target per host: the daemon serves it, consoles beside it do not.
  const server = metrics.enabled
    ? await startMetricsServer({ registry: defaultMetrics().registry, host: metrics.host, port: metrics.port, isReady: () => engine.role === 'leader' })
    : null;
  if (server) logger.info({ url: server.url }, 'metrics served');
  const signal = await stopped;
  logger.info({ signal }, 'signal received: stopping');
  await server?.close();
  runbooks.abort(new Error(`${signal} received`));
  await Promise.race([auto.idle(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  await engine.stop();
  return EXIT.ok;
}
