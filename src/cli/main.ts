import { Command, CommanderError } from 'commander';
import { firstOperand } from './global-options.js';
import { LockHeldError } from '../engine/job-lock.js';
import { StoreError } from '../store/store-error.js';
import { EXIT } from './exit-codes.js';
import { exitFlushed } from './exit-flushed.js';
import { buildProgram, type CliModes, type ProgramResult } from './program.js';

function exitCodeFor(error: unknown): number {
  if (error instanceof StoreError && error.code === 'unwritable') return EXIT.usage;
  // Usage and configuration errors of every module carry their exit code (2).
  const declared = (error as { exitCode?: unknown }).exitCode;
  return typeof declared === 'number' ? declared : EXIT.failure;
}

/**
 * "unknown command 'synk' (did you mean sync?)": commander's own wording and suggestion, asked of
 * a bare command with the same subcommand names (the real program's root takes no operands, so it
 * would only say "too many arguments", or stumble over the subcommand's options first).
 */
function unknownCommandMessage(program: Command, name: string): string {
  const probe = new Command(program.name()).exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  for (const c of program.commands) probe.command(c.name()).description(c.description());
  try {
    probe.parse([name], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.message.replace(/^error: /, '').replace(/\n\(Did you mean (.+)\?\)$/, ' (did you mean $1?)');
  }
  return `unknown command '${name}'`;
}

/** Parses argv, runs the command, and turns any error into a message and an exit code. */
export async function main(argv: string[], modes: CliModes = {}): Promise<number> {
  if (argv.includes('--no-color')) process.env.NO_COLOR = '1';
  const result: ProgramResult = { exitCode: EXIT.ok };
  const program = buildProgram(result, modes);
  let asked = firstOperand(argv);
  if (asked === 'help') {
    // `help [command]` is `[command] --help`: the root takes no operands, so commander's own help command cannot run.
    const at = argv.indexOf('help');
    argv = [...argv.slice(0, at), ...argv.slice(at + 1), '--help'];
    asked = firstOperand(argv);
  }
  if (asked !== null && !program.commands.some((c) => c.name() === asked || c.aliases().includes(asked))) {
    process.stderr.write(`cfa-console: ${unknownCommandMessage(program, asked)}\n(run with --help for the commands)\n`);
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv);
    return result.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end in a CommanderError too; they are successes.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const prefix = error instanceof LockHeldError ? '' : 'error: ';
    process.stderr.write(`cfa-console: ${prefix}${(error as Error).message}\n`);
    if (process.env.CFA_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    return exitCodeFor(error);
  }
}

/**
 * Exit once the command is done: sockets of a timed-out sync must not hold the process open. What
 * the command wrote is handed over first (a slow reader of `--json` still gets the summary).
 */
export function runAndExit(argv: string[], modes: CliModes = {}): void {
  main(argv, modes).then((code) => exitFlushed(code), (error: unknown) => {
    process.stderr.write(`cfa-console: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    exitFlushed(EXIT.failure);
  });
}
