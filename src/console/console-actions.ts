import type { JobRun } from '../engine/run-history.js';
import type { LogView } from './console-model.js';

/** What the views may ask of the engine; the console mode implements it over the real engine. */
export interface ConsoleActions {
  runJob(job: string): void;
  ackAlert(id: number): void;
  jobRuns(job: string): JobRun[];
  /** One run's log, any run (an older failed one too), read from its file. */
  runLog(runId: number): LogView;
  /** Follow this job's newest run in the log panel (null: the engine's own log). */
  followLog(job: string | null): void;
  /** Jobs this process started that are still running: quitting stops them. */
  runningHere(): string[];
}

/**
 * The actions while the engine is still starting (the console's first frame comes before it):
 * nothing to run or read yet, and a key that needs the engine says so through `notice`.
 */
export function startingActions(notice: (text: string) => void): ConsoleActions {
  const starting = () => notice('· the engine is still starting: try again in a moment');
  return {
    runJob: starting,
    ackAlert: starting,
    jobRuns: () => [],
    runLog: (runId) => ({ title: `run ${runId}`, file: null, lines: ['· the engine is still starting'] }),
    followLog: () => {},
    runningHere: () => [],
  };
}
