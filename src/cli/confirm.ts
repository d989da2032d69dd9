import readline from 'node:readline/promises';
import { Declined, planLines, type ActionPlan } from '../common/plan.js';
import { ConfigError } from '../config/config-error.js';

export interface ConfirmOptions {
  yes: boolean;
  /** The flag to add, named in the refusal. */
  flag?: string;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
}

/**
 * The CLI's answer to a plan. `--yes` answers for the operator; on a terminal the plan is shown
 * with its figures and the question asked (default no); anywhere else (cron, a pipe, CI) it is
 * refused with exit 2 and the flag to add, since nobody is there to answer. Resolves with how
 * long the prompt waited, which is left out of the RTO.
 */
export async function confirmOnTerminal(plan: ActionPlan, options: ConfirmOptions): Promise<number> {
  if (options.yes) return 0;
  const stdin = options.stdin ?? process.stdin;
  const stderr = options.stderr ?? process.stderr;
  if (!stdin.isTTY) {
    throw new ConfigError(`refusing to go on without confirmation: ${plan.title.replace(/[?.]$/, '')}. Nobody is at a terminal to answer; add ${options.flag ?? '--yes'} to confirm.`);
  }
  const t0 = performance.now();
  stderr.write(`${planLines(plan).join('\n')}\n`);
  const rl = readline.createInterface({ input: stdin, output: stderr });
  try {
    const answer = (await rl.question('Go ahead? [y/N] ')).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') throw new Declined('not confirmed: nothing was changed');
  } finally {
    rl.close();
  }
  return performance.now() - t0;
}
