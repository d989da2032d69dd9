import type { Command } from 'commander';
import { durationMs } from '../config/duration-ms.js';
import type { GlobalOptions, ProgramResult } from './context.js';
import type { DaemonAction, DaemonOptions } from './daemon-actions.js';
import { usageError } from './usage.js';

const ACTIONS: readonly DaemonAction[] = ['status', 'restart', 'pause', 'resume'];

/** Usage errors exit 2 (ConfigError carries it). */
function parseTimeout(value: string): number {
  const parsed = durationMs(value);
  if (typeof parsed !== 'number' || !(parsed > 0)) {
    throw usageError(`--timeout ${JSON.stringify(value)} is not a duration: write a number with a unit, e.g. 30s, 2m`);
  }
  return parsed;
}

/**
 * `cfa-console daemon [status|restart|pause|resume]`: the supervised backtest daemon, from any
 * process. The actions are requests to the engine's leader (src/engine/requests.ts), which owns
 * the supervisor; this waits for its answer.
 */
export function registerDaemonCommands(program: Command, globals: () => GlobalOptions, result: ProgramResult): void {
  program.command('daemon')
    .description('the supervised backtest daemon: its status, or ask the engine\'s leader to restart, pause or resume it')
    .argument('[action]', `one of ${ACTIONS.join(', ')}`, 'status')
    .option('--json', 'one JSON line instead of text')
    .option('--timeout <duration>', 'how long to wait for the leader\'s answer', '30s')
    .option('--reason <text>', 'why, recorded with the request and in the daemon\'s log')
    .addHelpText('after', `
A paused daemon is not restarted by the supervisor and its stop is not a crash, until resumed;
restart stops it and starts it again (a deliberate restart, not a crash; it also lifts a pause or
a crash-loop). The leader is the running \`cfa-console --daemon\` or console; with
store.backend postgres, on whichever host holds the lease (the answer names it).

Exit codes: 0 done, 1 failed or no engine leader running, 2 usage, 124 no answer within --timeout.`)
    .action(async (action: string, o: DaemonOptions) => {
      if (!(ACTIONS as readonly string[]).includes(action)) {
        throw usageError(`unknown daemon action ${JSON.stringify(action)} (one of: ${ACTIONS.join(', ')})`);
      }
      const timeoutMs = parseTimeout(o.timeout);
      const { daemonCommand } = await import('./daemon-actions.js');
      result.exitCode = await daemonCommand(globals(), action as DaemonAction, timeoutMs, o);
    });
}

