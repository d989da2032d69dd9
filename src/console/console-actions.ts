import type { JobRun } from '../engine/run-history.js';

/** What the views may ask of the engine; the console mode implements it over the real engine. */
export interface ConsoleActions {
  runJob(job: string): void;
  ackAlert(id: number): void;
  jobRuns(job: string): JobRun[];
  /** Follow this job's newest run in the log panel (null: the engine's own log). */
  followLog(job: string | null): void;
  /** Jobs this process started that are still running: quitting stops them. */
  runningHere(): string[];
}
