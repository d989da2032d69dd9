/**
 * The operations API: one typed call per job and action, each taking typed options and a
 * RunContext and returning a typed result. The CLI, the engine's job runner (through the CLI's
 * child process), the console, the runbooks and the drills are its clients. Each operation's
 * code is loaded on first use, so naming the operations costs a process start nothing.
 */
import type { AlertDigestOptions, AlertDigestResult } from './alert-digest.js';
import type { BackupOptions } from './backup.js';
import type { BackupRunResult } from '../backup/backup.js';
import type { CompactResult } from '../backup/compact.js';
import type { DrillOutcome } from '../backup/drill.js';
import type { ValidationReport } from '../health/validate/run-validation.js';
import type { SyncSummary } from '../sync/run-sync.js';
import type { SyncOpOptions } from '../sync/sync-options.js';
import type { RunContext } from './context.js';
import type { ValidateOptions } from './validate.js';
import type { SentimentOptions, SentimentSummary } from './sentiment.js';
import type { BacktestOptions, BacktestOutcome } from './backtest.js';

export type { RunContext, OpEvent } from './context.js';
export { runContext, ensureDataDir } from './context.js';

/** The operations a job can run, with their options and results. */
export interface Operations {
  sync: { options: SyncOpOptions; result: SyncSummary };
  validate: { options: ValidateOptions; result: ValidationReport };
  backup: { options: BackupOptions; result: BackupRunResult };
  'backup-drill': { options: Record<string, never>; result: DrillOutcome[] };
  compact: { options: Record<string, never>; result: CompactResult & { durationMs: number } };
  'alert-digest': { options: AlertDigestOptions; result: AlertDigestResult };
  sentiment: { options: SentimentOptions; result: SentimentSummary };
  backtest: { options: BacktestOptions; result: BacktestOutcome };
}

export type OperationName = keyof Operations;
export type OptionsOf<K extends OperationName> = Operations[K]['options'];
export type ResultOf<K extends OperationName> = Operations[K]['result'];

type Loader<K extends OperationName> = () => Promise<(options: OptionsOf<K>, ctx: RunContext) => Promise<ResultOf<K>>>;

const LOADERS: { [K in OperationName]: Loader<K> } = {
  sync: async () => (await import('./sync.js')).sync,
  validate: async () => (await import('./validate.js')).validate,
  backup: async () => (await import('./backup.js')).backup,
  'backup-drill': async () => (await import('./backup.js')).backupDrill,
  compact: async () => (await import('./backup.js')).compact,
  'alert-digest': async () => (await import('./alert-digest.js')).alertDigest,
  sentiment: async () => (await import('./sentiment.js')).sentiment,
  backtest: async () => (await import('./backtest.js')).backtest,
};

export const OPERATION_NAMES = Object.keys(LOADERS) as OperationName[];

export function isOperation(name: string): name is OperationName {
  return Object.hasOwn(LOADERS, name);
}

/** Runs one operation in this process (a runbook step, a drill, the job runner's child). */
export async function runOperation<K extends OperationName>(name: K, options: OptionsOf<K>, ctx: RunContext): Promise<ResultOf<K>> {
  const operation = await (LOADERS[name] as Loader<K>)();
  return operation(options, ctx);
}
