import { ConfigError } from './config-error.js';
import { setConfigValue } from './config-values.js';
import type { LoadedConfig } from './load-config.js';

/**
 * Takes symbols out of the configured list, in the config file (validated before it is written),
 * and in the loaded config the caller goes on with. Returns the list as it now is. A symbol that
 * is not configured is no error (removing twice changes nothing); removing every symbol is.
 */
export function removeSymbols(loaded: LoadedConfig, symbols: readonly string[]): { removed: string[]; symbols: string[] } {
  const wanted = new Set(symbols.map((s) => s.toUpperCase()));
  const removed = loaded.config.symbols.filter((s) => wanted.has(s));
  if (removed.length === 0) return { removed, symbols: [...loaded.config.symbols] };
  const next = loaded.config.symbols.filter((s) => !wanted.has(s));
  if (next.length === 0) throw new ConfigError(`removing ${removed.join(', ')} would leave no symbol configured; keep at least one`);
  setConfigValue(loaded.store, loaded.config, 'symbols', JSON.stringify(next));
  loaded.config.symbols = next;
  return { removed, symbols: next };
}
