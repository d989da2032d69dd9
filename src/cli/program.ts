import { Command } from 'commander';
import { GLOBAL_OPTIONS } from './global-options.js';
import { CLI_VERSION } from './version.js';
import { JOBS } from '../../jobs/index.js';
import { registerConfigCommand } from './config-command.js';
import { createContext, type CliContext, type DeferredStart, type GlobalOptions, type ProgramResult } from './context.js';
import { jobOptions, operationCommand, registerJobCommand } from './job-commands.js';
import type { DemoEnvironment } from './demo.js';
import { registerEngineCommands } from './engine-commands.js';
import { registerAlertCommands } from './alert-commands.js';
import { registerBackupCommands } from './backup-commands.js';
import { registerDaemonCommands } from './daemon-commands.js';
import { registerHealthCommands } from './health-commands.js';
import { registerRunbookCommands } from './runbook-commands.js';
import { registerDrillCommands } from './drill-commands.js';
import { registerExampleBacktestCommand } from './example-backtest-command.js';
import { registerSimulatorCommand } from './simulator-command.js';
import { registerStoreCommands } from './store-commands.js';

export type { ProgramResult } from './context.js';

/** Modes the headless CLI does not carry itself; the `cfa-console` binary adds the console. */
export interface CliModes {
  /** With `deferred`, the first frame is drawn with `context` and the engine waits for `deferred.start()`. */
  console?: (context: CliContext, deferred?: DeferredStart) => Promise<number>;
}

export function buildProgram(result: ProgramResult, modes: CliModes = {}): Command {
  const program = new Command('cfa-console')
    .description('Operations console and headless engine for the crypto-futures data pipeline')
    .version(CLI_VERSION, '-V, --version')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false });
  for (const option of GLOBAL_OPTIONS) program.addOption(option);
  const globals = () => program.opts<GlobalOptions>();

  const consoleShown = () => Boolean(modes.console && !globals().daemon && process.stdout.isTTY && process.stdin.isTTY);
  /** The demo's simulator and stand-ins, and the settings that point the command at them; what it set up, for people. */
  const startDemo = async (): Promise<string[]> => {
    const g = globals();
    const { startDemoEnvironment } = await import('./demo.js');
    const demo: DemoEnvironment = await startDemoEnvironment(g.dataDir);
    program.setOptionValue('exchangeUrl', demo.simulator.url);
    program.setOptionValue('dataDir', demo.dataDir);
    if (!g.config) program.setOptionValue('config', demo.configPath);
    return [`simulated exchange at ${demo.simulator.url}, data dir ${demo.dataDir}`, ...demo.notes].map((note) => `demo: ${note}\n`);
  };
  program.hook('preAction', async (_program, action) => {
    // The console draws its first frame before the demo starts (see its action below).
    if (!globals().demo || (action === program && consoleShown())) return;
    for (const line of await startDemo()) process.stderr.write(line);
  });

  for (const job of JOBS) {
    registerJobCommand(program, job, async (raw, json) => {
      const context = await createContext(globals(), json);
      const options = await jobOptions(job, raw, context.loaded.config);
      result.exitCode = await operationCommand(job).run(options as never, context);
    });
  }

  program.action(async () => {
    if (globals().daemon) {
      const { runDaemon } = await import('./daemon-mode.js');
      result.exitCode = await runDaemon(await createContext(globals(), true));
      return;
    }
    if (modes.console && consoleShown()) {
      if (!globals().demo) {
        result.exitCode = await modes.console(await createContext(globals(), false));
        return;
      }
      // The demo's data dir is chosen now, so the first frame names it; the simulator and the
      // stand-ins start behind that frame. What the demo set up is said once the screen is back.
      const { demoDataDir } = await import('./demo.js');
      program.setOptionValue('dataDir', demoDataDir(globals().dataDir));
      let lines: string[] = [];
      result.exitCode = await modes.console(await createContext(globals(), false), {
        start: async () => {
          lines = await startDemo();
          return createContext(globals(), false);
        },
      });
      for (const line of lines) process.stderr.write(line);
      return;
    }
    if (!globals().demo) {
      process.stderr.write('cfa-console: the full-screen console needs a terminal (over SSH: ssh -t); here is `cfa-console status`:\n\n');
      const { printStatus } = await import('./engine-actions.js');
      await printStatus(globals(), false);
      return;
    }
    // Without a terminal the demo shows the sync doing its work against the simulator.
    const { syncCommand } = await import('./sync-command.js');
    // The simulator's IP is not shared with a live trader: the demo may use all of it.
    result.exitCode = await syncCommand({ backfillDays: 7, weightBudget: 2400 }, await createContext(globals(), false));
    process.stderr.write(`demo: the candles are in ${globals().dataDir}/market.db (try: sqlite3 ${globals().dataDir}/market.db 'SELECT * FROM ohlcv_h4 LIMIT 5')\n`);
  });

  registerEngineCommands(program, globals, result);
  registerAlertCommands(program, globals, result);
  registerBackupCommands(program, globals, result);
  registerDaemonCommands(program, globals, result);
  registerHealthCommands(program, globals, result);
  registerRunbookCommands(program, globals, result);
  registerDrillCommands(program, globals, result);
  registerExampleBacktestCommand(program, globals, result);
  registerStoreCommands(program, globals, result);
  registerSimulatorCommand(program);
  registerConfigCommand(program, globals);
  return program;
}
