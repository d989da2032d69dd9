import fs from 'node:fs';
import type { ActionPlan } from '../common/plan.js';
import { readDataDirSettings, rememberDataDirSettings } from '../config/data-dir-settings.js';
import type { LoadedConfig } from '../config/load-config.js';
import { ensureDataDir, runContext, type OpEvent, type RunContext } from '../ops/context.js';
import { printJsonLine } from './progress.js';


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

/**
 * What a console starts behind its first frame (the demo's simulator and stand-ins): the context
 * its engine runs with once that is up. The first frame is drawn with a provisional context (the
 * same data dir and config, without the demo's exchange), showing `starting…` until then.
 */
export interface DeferredStart {
  start(): Promise<CliContext>;
}

/**
 * The settings of a command: its flags and environment, and for what they leave out, the config
 * and exchange its data dir was set up with (data-dir.json), so a data dir is not used with
 * another config by accident. The first command on an existing data dir records them.
 * The config loader (zod, conf) is loaded here, when a command runs: `--help` never pays for it.
 */
export async function createContext(globals: GlobalOptions, json: boolean): Promise<CliContext> {
  const { loadConfig } = await import('../config/load-config.js');
  let loaded = loadConfig({ configPath: globals.config, dataDir: globals.dataDir, exchangeUrl: globals.exchangeUrl });
  const dataDir = loaded.config.dataDir;
  const remembered = readDataDirSettings(dataDir);
  if (remembered) {
    const configPath = globals.config ?? (fs.existsSync(remembered.config) ? remembered.config : undefined);
    const exchangeUrl = globals.exchangeUrl ?? remembered.exchangeUrl;
    if (configPath !== globals.config || exchangeUrl !== globals.exchangeUrl) loaded = loadConfig({ configPath, dataDir, exchangeUrl });
  }
  return { loaded, json, stdout: process.stdout, stderr: process.stderr };
}

/**
 * The command's data dir, created when missing (refused, named, when not writable), carrying the
 * settings it was first used with (see createContext). Every command that writes to it calls this.
 */
export function prepareDataDir(ctx: CliContext): string {
  const dir = ensureDataDir(ctx.loaded.config.dataDir);
  rememberDataDirSettings(dir, { config: ctx.loaded.path, exchangeUrl: ctx.loaded.config.exchange.url });
  return dir;
}

/**
 * The operations' run context for a command: with `--json` every event of the operation is a
 * JSON line on stdout (what the job runner streams to the views); a person gets the command's
 * own lines instead. `confirm` answers plans (default: refuse, naming --yes).
 */
export function opContext(ctx: CliContext, confirm?: (plan: ActionPlan) => Promise<number>): RunContext {
  prepareDataDir(ctx);
  return runContext(ctx.loaded, {
    emit: ctx.json ? (event) => printJsonLine(ctx.stdout, event) : (event) => warnPerson(ctx, event),
    confirm,
  });
}

/**
 * Without --json, the events a person must not miss, on stderr: a shared job lock lost mid-run
 * (store.backend postgres), held again, or lost for good (the run stops). The operations report
 * them only as events; the command's own lines say the rest.
 */
export function warnPerson(ctx: CliContext, event: OpEvent): void {
  const mark = LOCK_MARKS[event.event];
  if (mark) ctx.stderr.write(`${mark} ${String(event.message)}\n`);
}

const LOCK_MARKS: Partial<Record<string, string>> = { 'lock-lost': '▲', 'lock-retaken': '✔', 'lock-lost-for-good': '✖' };
