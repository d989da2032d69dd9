import { CommanderError } from 'commander';
import { LockHeldError } from '../engine/job-lock.js';
import { StoreError } from '../store/sqlite.js';
import { EXIT } from './exit-codes.js';
import { buildProgram, type CliModes, type ProgramResult } from './program.js';

function exitCodeFor(error: unknown): number {
  if (error instanceof StoreError && error.code === 'unwritable') return EXIT.usage;
  // Usage and configuration errors of every module carry their exit code (2).
  const declared = (error as { exitCode?: unknown }).exitCode;
  return typeof declared === 'number' ? declared : EXIT.failure;
}

/** Parses argv, runs the command, and turns any error into a message and an exit code. */
export async function main(argv: string[], modes: CliModes = {}): Promise<number> {
  if (argv.includes('--no-color')) process.env.NO_COLOR = '1';
  const result: ProgramResult = { exitCode: EXIT.ok };
  const program = buildProgram(result, modes);
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

/** Exit once the command is done: sockets of a timed-out sync must not hold the process open. */
export function runAndExit(argv: string[], modes: CliModes = {}): void {
  main(argv, modes).then((code) => process.exit(code), (error: unknown) => {
    process.stderr.write(`cfa-console: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(EXIT.failure);
  });
}
