import { render } from 'ink';
import React from 'react';
import { JOBS } from '../jobs/index.js';
import type { CliContext, DeferredStart } from '../src/cli/context.js';
import { prepareDataDir } from '../src/cli/context.js';
import { EXIT } from '../src/cli/exit-codes.js';
import { hostName } from '../src/common/host-name.js';
import { startingActions, type ConsoleActions } from '../src/console/console-actions.js';
import type { ConsoleEngine } from '../src/console/console-engine.js';
import { emptyModel } from '../src/console/console-model.js';
import type { ConsoleFeeds } from '../src/console/console-session.js';
import { ConsoleStore } from '../src/console/console-store.js';
import { ClockTicker } from '../src/console/clock-ticker.js';
import { FullScreen, surviveHangUp } from '../src/console/terminal.js';
import type { WizardSession } from '../src/console/wizard.js';
import { App } from './App.js';
import { clockText, clockWidth } from '../src/console/header-layout.js';
import { MIN_COLUMNS, MIN_ROWS } from './TooSmall.js';

export interface ConsoleModeOptions {
  /** Default: the health, backup and alert feeds of src/console/feeds.ts over this engine. */
  feeds?: ConsoleFeeds;
  /** Started after the first frame (the demo's simulator): the engine runs with the context it gives. */
  deferred?: DeferredStart;
}

/** Quitting the console should not take half a minute: running jobs get this long, then SIGTERM. */
const QUIT_GRACE_MS = 3_000;

/**
 * The full-screen console: the engine embedded (leader or follower), the views on the alternate
 * screen, and the terminal restored on q, Ctrl-C, SIGTERM, SIGHUP and an uncaught error.
 *
 * The first frame is drawn before the engine is loaded: its modules (SQLite, the scheduler, HTTP
 * and mail clients), its checks and its first snapshot take most of a second, and meanwhile the
 * panels show the empty model, which each renders as waiting (never as a fault). Keys typed
 * meanwhile wait in the terminal (raw, so nothing is echoed) and take effect once it is up.
 */
export async function runConsole(ctx: CliContext, options: ConsoleModeOptions = {}): Promise<number> {
  const { config } = ctx.loaded;
  // A deferred start settles the data dir's settings (its config, its exchange) once it is up.
  if (!options.deferred) prepareDataDir(ctx);
  // The configured name (engine.host / CFA_HOST), the one the lease and `status` use: two hosts on one machine differ.
  const store = new ConsoleStore(emptyModel(hostName(config.engine.host), config.dataDir));
  const screen = new FullScreen();
  const noColor = Boolean(process.env.NO_COLOR) || process.argv.includes('--no-color');
  const view = (actions: ConsoleActions, wizard?: WizardSession) => (
    <App store={store} actions={actions} intervals={config.intervals} noColor={noColor} wizard={wizard} drill={process.env.CFA_DRILL ?? null}
      starting={!wizard} />
  );

  screen.enter();
  // Whatever happens next, the user's terminal comes back.
  process.on('exit', () => screen.restore());
  // Raw before Ink reads keys: what is typed while the engine starts is neither echoed nor lost.
  if (process.stdin.isTTY) process.stdin.setRawMode(true);
  const app = render(view(startingActions((text) => store.set('notice', text))), { exitOnCtrlC: false, patchConsole: true, maxFps: 8 });
  // Asked at once: Ink settles this promise only if it exists when the app exits (q while starting).
  const exited = app.waitUntilExit().then(() => EXIT.ok);

  const ticker = new ClockTicker(() => {
    const { columns = 0, rows = 0 } = process.stdout;
    return columns >= MIN_COLUMNS && rows >= MIN_ROWS ? { row: 1, column: columns - clockWidth(columns) } : null;
  }, () => clockText(Date.now(), process.stdout.columns ?? 0));
  ticker.start();

  let engine: ConsoleEngine | null = null;
  let stopping: Promise<void> | null = null;
  const shutdown = (): Promise<void> => {
    stopping ??= engine ? engine.stop(QUIT_GRACE_MS) : Promise.resolve();
    return stopping;
  };

  // Signals and errors are listened to with `on`, not `once`, until the engine has stopped: a
  // dropped link sends SIGHUP more than once (the terminal's hang-up and the session leader's), and
  // a second one, or a failed write to the dead terminal, must not end the process before the
  // engine has stopped the jobs and the daemon this console started.
  let resolveSignal: (code: number) => void = () => {};
  const bySignal = new Promise<number>((resolve) => { resolveSignal = resolve; });
  const onSignal = (signal: NodeJS.Signals) => {
    engine?.logger.info({ signal, stopping: stopping !== null }, 'console stopping on signal');
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
    engine?.logger.error({ err: error }, 'the console stopped on an unexpected error');
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
    engine?.logger.info({ code: error.code }, 'the terminal hung up: stopping');
    app.unmount();
    resolveSignal(EXIT.ok);
  }, onFailure);

  const ended = Promise.race([exited, bySignal, crashed]);
  try {
    // No engine is started for a console that was quit, signalled or crashed while it (or the demo) loaded.
    const loading = import('../src/console/console-engine.js');
    loading.catch(() => {});
    let started: CliContext | null = ctx;
    if (options.deferred) {
      const starting = options.deferred.start();
      // Quit meanwhile: the process ends with the simulator in it; a late failure is no one's news.
      starting.catch(() => {});
      started = await Promise.race([starting, ended.then(() => null)]);
      if (started) prepareDataDir(started);
    }
    const loaded = started && await Promise.race([loading, ended.then(() => null)]);
    if (started && loaded) {
      engine = loaded.startConsoleEngine(started.loaded, JOBS, store, options.feeds);
      // The panels fill as the engine feeds the store; the keys wait for the runbooks too (R, Enter on an alert).
      await Promise.race([engine.ready, ended]);
      app.rerender(view(engine.session.actions, engine.wizard));
    }
  } catch (error) {
    // A bad schedule or an unwritable log dir: said on the user's own screen, with its exit code.
    ticker.stop();
    app.unmount();
    screen.restore();
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    throw error;
  }

  const code = await ended;
  ticker.stop();
  screen.restore();
  if (process.stdin.isTTY) process.stdin.setRawMode(false);
  await shutdown();
  screen.restore();
  // The listeners stay: the process ends after this, and a late SIGHUP or a write to the dead
  // terminal on the way out must not turn a clean stop into a crash.
  return code;
}
