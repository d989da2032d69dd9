import type { BackupEntry } from '../backup/catalog.js';
import type { JobRun } from '../engine/run-history.js';
import type { DaemonEvent } from '../engine/supervisor/daemon-store.js';
import type { LogView } from './console-model.js';
import type { LogSource } from './focus.js';

/** What the views may ask of the engine; the console mode implements it over the real engine. */
export interface ConsoleActions {
  runJob(job: string): void;
  ackAlert(id: number): void;
  jobRuns(job: string): JobRun[];
  /** True when jobRuns lists every host's runs (store.backend postgres): the views show each run's host. */
  runsAcrossHosts?(): boolean;
  /** One run's log, any run (an older failed one too), read from its file; `host` names the host it ran on, when known. */
  runLog(runId: number, host?: string | null): LogView;
  /** What the log panel follows: a job's newest run, the daemon's log, or the engine's own. */
  followLog(source: LogSource): void;
  /** Every backup in the catalog that still exists, newest first (empty when the console has no catalog). */
  backupList(): BackupEntry[];
  /** The supervised daemon's events of the last days (starts, exits, crashes, restarts...), oldest first. */
  daemonEvents(): DaemonEvent[];
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
    backupList: () => [],
    daemonEvents: () => [],
    runningHere: () => [],
  };
}
