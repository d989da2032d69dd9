import fs from 'node:fs';
import { ConfigError } from '../config/config-error.js';
import { loadConfig, type LoadedConfig } from '../config/load-config.js';

export interface GlobalOptions {
  dataDir?: string;
  config?: string;
  exchangeUrl?: string;
  color?: boolean;
  demo?: boolean;
  daemon?: boolean;
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
