/**
 * A job as declared in `jobs/`: what it is, when it runs by default, how long it may take, and
 * which operation of `src/ops` it runs with which options. The scheduler, the runner and the CLI
 * read these declarations; none of them is tied to a command-line parser.
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
  /**
   * The jobs it follows (the original day is ordered: sync 00:30, validation 01:00, backup
   * 02:00). Until each of them has succeeded once, a due run of this job (a catch-up or a slot)
   * waits, and runs when the last of them first succeeds; a disabled job is not waited for.
   */
  after?: readonly string[];
  /** The operation it runs (a name from `src/ops`). */
  operation: string;
  /** The operation's options for a scheduled run (JSON: they cross to the job's process). */
  options: Record<string, unknown>;
}
