import readline from 'node:readline/promises';
import { ConfigError } from '../config/config-error.js';

export interface ConfirmOptions {
  yes: boolean;
  /** The flag to add, named in the refusal. */
  flag?: string;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
}

/** The operator said no at the prompt: nothing was changed. */
export class Declined extends Error {
  readonly exitCode = 1;
}

/**
 * Asks before anything destructive. `--yes` answers for the operator; on a terminal the question
 * is asked (default no); anywhere else (cron, a pipe, CI) the action is refused with exit 2 and the
 * flag to add, since nobody is there to answer. Resolves with how long the prompt waited, which is
 * left out of the RTO.
 */
export async function confirmDestructive(question: string, options: ConfirmOptions): Promise<number> {
  if (options.yes) return 0;
  const stdin = options.stdin ?? process.stdin;
  const stderr = options.stderr ?? process.stderr;
  if (!stdin.isTTY) {
    throw new ConfigError(`refusing to go on without confirmation: ${question.replace(/\?$/, '')}. Nobody is at a terminal to answer; add ${options.flag ?? '--yes'} to confirm.`);
  }
  const t0 = performance.now();
  const rl = readline.createInterface({ input: stdin, output: stderr });
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') throw new Declined('not confirmed: nothing was changed');
  } finally {
    rl.close();
  }
  return performance.now() - t0;
}
