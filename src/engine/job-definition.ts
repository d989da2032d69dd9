import type { Command } from 'commander';
import type { CliContext } from '../cli/context.js';

/**
 * A job as declared in `jobs/`: what it is, when it runs by default, how long it may take, and
 * the subcommand that runs it once. The scheduler and the CLI both read these declarations.
 */
export interface JobDefinition {
  name: string;
  summary: string;
  /** Cron expression in UTC; absent for jobs that only run on demand. */
  schedule?: string;
  /** Default hard timeout, as a duration ("30m"). */
  timeout: string;
  /** A scheduled run missed while no leader ran is made up once on start when at most this old. */
  catchUpWindow?: string;
  /** Adds the job's own options to its subcommand. */
  options(command: Command): Command;
  /** Runs the job once; resolves to the process exit code. */
  run(options: Record<string, unknown>, context: CliContext): Promise<number>;
}
