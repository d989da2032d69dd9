import type { ActionPlan } from '../common/plan.js';
import { loadConfig, type LoadedConfig } from '../config/load-config.js';
import { runContext, type RunContext } from '../ops/context.js';
import { printJsonLine } from './progress.js';

export { ensureDataDir } from '../ops/context.js';

export interface GlobalOptions {
  dataDir?: string;
  config?: string;
  exchangeUrl?: string;
  color?: boolean;
  demo?: boolean;
  daemon?: boolean;
}

/** Where the exit code of an action lands; commander itself only knows success or throw. */
export interface ProgramResult {
  exitCode: number;
}

export interface CliContext {
  loaded: LoadedConfig;
  /** True when output goes to a program (`--json`) rather than a person. */
  json: boolean;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export function createContext(globals: GlobalOptions, json: boolean): CliContext {
  const loaded = loadConfig({ configPath: globals.config, dataDir: globals.dataDir, exchangeUrl: globals.exchangeUrl });
  return { loaded, json, stdout: process.stdout, stderr: process.stderr };
}

/**
 * The operations' run context for a command: with `--json` every event of the operation is a
 * JSON line on stdout (what the job runner streams to the views); a person gets the command's
 * own lines instead. `confirm` answers plans (default: refuse, naming --yes).
 */
export function opContext(ctx: CliContext, confirm?: (plan: ActionPlan) => Promise<number>): RunContext {
  return runContext(ctx.loaded, {
    emit: ctx.json ? (event) => printJsonLine(ctx.stdout, event) : undefined,
    confirm,
  });
}
