import fs from 'node:fs';
import { ConfigError } from '../config/config-error.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { Logger } from '../engine/logger.js';
import type { ActionPlan } from '../common/plan.js';

/** A progress or result line of an operation: the same objects the CLI prints with `--json`. */
export type OpEvent = { event: string } & Record<string, unknown>;

/**
 * What every operation runs with, whoever calls it (the CLI, the job runner's child, the console,
 * a runbook step, a drill): where and with which settings, where its progress goes, how it is
 * cancelled, and who says yes to a plan that needs consent.
 */
export interface RunContext {
  loaded: LoadedConfig;
  /** The data dir, created and checked writable. */
  dataDir: string;
  logger?: Logger;
  /** Progress and per-item results, as they happen. */
  emit(event: OpEvent): void;
  /** Aborting asks the operation to stop at its next safe point. */
  signal?: AbortSignal;
  /**
   * Asked before anything that needs consent, with the real numbers. Resolves with how long the
   * answer took (left out of an RTO); rejects (Declined, or a ConfigError when nobody can answer)
   * to refuse: nothing has been changed then.
   */
  confirm(plan: ActionPlan): Promise<number>;
}

export interface RunContextOptions {
  logger?: Logger;
  emit?: (event: OpEvent) => void;
  signal?: AbortSignal;
  confirm?: (plan: ActionPlan) => Promise<number>;
}

/** Refuses a plan: the default for callers that cannot ask anybody. */
export async function refuseWithoutConsent(plan: ActionPlan): Promise<number> {
  throw new ConfigError(`refusing to go on without confirmation: ${plan.title}. Nobody is there to answer; confirm it (the CLI: add --yes).`);
}

export function runContext(loaded: LoadedConfig, options: RunContextOptions = {}): RunContext {
  return {
    loaded,
    dataDir: ensureDataDir(loaded.config.dataDir),
    logger: options.logger,
    emit: options.emit ?? (() => {}),
    signal: options.signal,
    confirm: options.confirm ?? refuseWithoutConsent,
  };
}

/** Creates the data dir when missing and refuses one that cannot be written, naming it. */
export function ensureDataDir(dir: string): string {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    return dir;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`data dir ${dir} is not writable (${code}); point --data-dir or CFA_DATA_DIR at a writable directory`);
  }
}
