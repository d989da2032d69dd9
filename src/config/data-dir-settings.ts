import fs from 'node:fs';
import path from 'node:path';

/**
 * What a data dir was set up with: the config file and the exchange. A command that names
 * neither (`status`, `run sync --wait` on the demo's data dir) uses these instead of the platform's
 * default config and the real exchange, which would write a wrong failure into that dir's history.
 */
export const DATA_DIR_SETTINGS_FILE = 'data-dir.json';

export interface DataDirSettings {
  config: string;
  exchangeUrl: string;
  createdAt: number;
}

export function readDataDirSettings(dataDir: string): DataDirSettings | null {
  try {
    const value = JSON.parse(fs.readFileSync(path.join(dataDir, DATA_DIR_SETTINGS_FILE), 'utf8')) as Partial<DataDirSettings>;
    return typeof value.config === 'string' && typeof value.exchangeUrl === 'string'
      ? { config: value.config, exchangeUrl: value.exchangeUrl, createdAt: Number(value.createdAt) || 0 }
      : null;
  } catch {
    return null;
  }
}

/** Writes the settings once, into a data dir that exists; never overwrites what a dir already carries. */
export function rememberDataDirSettings(dataDir: string, settings: Omit<DataDirSettings, 'createdAt'>): void {
  if (!fs.existsSync(dataDir)) return;
  try {
    fs.writeFileSync(path.join(dataDir, DATA_DIR_SETTINGS_FILE), `${JSON.stringify({ ...settings, createdAt: Date.now() }, null, 2)}\n`, { flag: 'wx' });
  } catch {
    // Already there, or a read-only dir: the command goes on with what it was given.
  }
}
