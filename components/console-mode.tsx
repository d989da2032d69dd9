import { render } from 'ink';
import React from 'react';
import { JOBS } from '../jobs/index.js';
import type { CliContext } from '../src/cli/context.js';
import { prepareDataDir } from '../src/cli/context.js';
import { EXIT } from '../src/cli/exit-codes.js';
import { ClockTicker } from '../src/console/clock-ticker.js';
import { ConsoleSession, type ConsoleFeeds } from '../src/console/console-session.js';
import { consoleFeeds } from '../src/console/feeds.js';
import { FullScreen, surviveHangUp } from '../src/console/terminal.js';
import { WizardSession } from '../src/console/wizard.js';
import { Engine } from '../src/engine/engine.js';
import { createEngineLogger } from '../src/engine/logger.js';
import { preflight } from '../src/engine/preflight.js';
import { autoRunbooks } from '../src/ops/auto-runbooks.js';
import { runContext } from '../src/ops/context.js';
import { App } from './App.js';
import { CLOCK_WIDTH, utcNow } from './Clock.js';
import { MIN_COLUMNS, MIN_ROWS } from './TooSmall.js';

export interface ConsoleModeOptions {
  /** Default: the health, backup and alert feeds of src/console/feeds.ts over this engine. */
  feeds?: ConsoleFeeds;
}

/** Quitting the console should not take half a minute: running jobs get this long, then SIGTERM. */
const QUIT_GRACE_MS = 3_000;

/**
 * The full-screen console: the engine embedded (leader or follower), the views on the alternate
 * screen, and the terminal restored on q, Ctrl-C, SIGTERM, SIGHUP and an uncaught error.
 */
export async function runConsole(ctx: CliContext, options: ConsoleModeOptions = {}): Promise<number> {
  const { config } = ctx.loaded;
  prepareDataDir(ctx);
  preflight(config, JOBS);
  const logger = createEngineLogger(config.dataDir, { stdout: false });
  // While this console leads, it runs the automatic runbooks itself when their alerts fire.
  const runbooks = new AbortController();
  const auto = autoRunbooks(runContext(ctx.loaded, { logger, signal: runbooks.signal }), { logger });
  const engine = new Engine({ loaded: ctx.loaded, jobs: JOBS, logger, onAlertsFired: auto.onFired, onLeader: auto.resumeOrphans });
  const session = new ConsoleSession(engine, ctx.loaded, logger, options.feeds ?? consoleFeeds(engine, config, logger));
  const wizard = new WizardSession({ loaded: ctx.loaded, db: engine.db, logger });
  const screen = new FullScreen();
  const noColor = Boolean(process.env.NO_COLOR) || process.argv.includes('--no-color');

  let stopping: Promise<void> | null = null;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      session.stop();
      wizard.stop();
      runbooks.abort(new Error('the console is quitting'));
      await engine.stop(QUIT_GRACE_MS);
    })();
    return stopping;
  };

  screen.enter();
  // Whatever happens next, the user's terminal comes back.
  process.on('exit', () => screen.restore());
  engine.start();
  session.start();
  void wizard.start();

  const app = render(
    <App store={session.store} actions={session.actions} intervals={config.intervals} noColor={noColor} wizard={wizard} drill={process.env.CFA_DRILL ?? null} />,
    { exitOnCtrlC: false, patchConsole: true, maxFps: 8 },
  );

  const ticker = new ClockTicker(() => {
    const { columns = 0, rows = 0 } = process.stdout;
    return columns >= MIN_COLUMNS && rows >= MIN_ROWS ? { row: 1, column: columns - CLOCK_WIDTH } : null;
  }, () => utcNow());
  ticker.start();

  // Signals and errors are listened to with `on`, not `once`, until the engine has stopped: a
  // dropped link sends SIGHUP more than once (the terminal's hang-up and the session leader's), and
  // a second one, or a failed write to the dead terminal, must not end the process before the
  // engine has stopped the jobs and the daemon this console started.
  let resolveSignal: (code: number) => void = () => {};
  const bySignal = new Promise<number>((resolve) => { resolveSignal = resolve; });
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal, stopping: stopping !== null }, 'console stopping on signal');
    app.unmount();
    screen.restore();
    // A signal is a request to stop, and stopping cleanly is success.
    resolveSignal(EXIT.ok);
  };
  const signals = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;
  for (const signal of signals) process.on(signal, onSignal);

  let resolveCrash: (code: number) => void = () => {};
  const crashed = new Promise<number>((resolve) => { resolveCrash = resolve; });
  let failedOnce = false;
  const onFailure = (error: unknown) => {
    logger.error({ err: error }, 'the console stopped on an unexpected error');
    if (failedOnce) return;
    failedOnce = true;
    app.unmount();
    screen.restore();
    try {
      process.stderr.write(`cfa-console: the console stopped on an unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    } catch {
      // No terminal to tell: the log has it.
    }
    resolveCrash(EXIT.failure);
  };
  process.on('uncaughtException', onFailure);
  process.on('unhandledRejection', onFailure);
  surviveHangUp([process.stdout, process.stderr, process.stdin], (error) => {
    logger.info({ code: error.code }, 'the terminal hung up: stopping');
    app.unmount();
    resolveSignal(EXIT.ok);
  }, onFailure);

  const code = await Promise.race([app.waitUntilExit().then(() => EXIT.ok), bySignal, crashed]);
  ticker.stop();
  screen.restore();
  await shutdown();
  screen.restore();
  // The listeners stay: the process ends after this, and a late SIGHUP or a write to the dead
  // terminal on the way out must not turn a clean stop into a crash.
  return code;
}
