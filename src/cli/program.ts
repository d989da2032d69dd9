import { Command } from 'commander';
import { GLOBAL_OPTIONS } from './global-options.js';
import { CLI_VERSION } from './version.js';
import { JOBS } from '../../jobs/index.js';
import { registerConfigCommand } from './config-command.js';
import { createContext, type CliContext, type GlobalOptions, type ProgramResult } from './context.js';
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

export type { ProgramResult } from './context.js';

/** Modes the headless CLI does not carry itself; the `cfa-console` binary adds the console. */
export interface CliModes {
  console?: (context: CliContext, demo: DemoEnvironment | null) => Promise<number>;
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

  let demo: DemoEnvironment | null = null;
  program.hook('preAction', async () => {
    const g = globals();
    if (!g.demo) return;
    const { startDemoEnvironment } = await import('./demo.js');
    demo = await startDemoEnvironment(g.dataDir);
    program.setOptionValue('exchangeUrl', demo.simulator.url);
    program.setOptionValue('dataDir', demo.dataDir);
    if (!g.config) program.setOptionValue('config', demo.configPath);
    process.stderr.write(`demo: simulated exchange at ${demo.simulator.url}, data dir ${demo.dataDir}\n`);
    for (const note of demo.notes) process.stderr.write(`demo: ${note}\n`);
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
    if (modes.console && process.stdout.isTTY && process.stdin.isTTY) {
      result.exitCode = await modes.console(await createContext(globals(), false), demo);
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
  registerSimulatorCommand(program);
  registerConfigCommand(program, globals);
  return program;
}
