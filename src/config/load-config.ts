import path from 'node:path';
import Conf from 'conf';
import envPaths from 'env-paths';
import { ConfigError, describeIssues } from './config-error.js';
import { configSchema, type Config, type ConfigInput } from './schema.js';

export const APP_NAME = 'cfa-console';

export interface ConfigOverrides {
  /** `--config FILE`, else CFA_CONFIG, else the platform's config dir. */
  configPath?: string;
  dataDir?: string;
  exchangeUrl?: string;
}

export interface LoadedConfig {
  config: Config & { dataDir: string };
  /** The file the settings come from (it may not exist yet: then only defaults apply). */
  path: string;
  store: Conf<ConfigInput>;
}

export function defaultDataDir(): string {
  return envPaths(APP_NAME, { suffix: '' }).data;
}

function openConfigFile(configPath: string | undefined): Conf<ConfigInput> {
  try {
    if (configPath) {
      const absolute = path.resolve(configPath);
      const ext = path.extname(absolute);
      return new Conf<ConfigInput>({
        cwd: path.dirname(absolute),
        configName: path.basename(absolute, ext),
        fileExtension: ext.replace(/^\./, ''),
        projectSuffix: '',
      });
    }
    return new Conf<ConfigInput>({ projectName: APP_NAME, projectSuffix: '' });
  } catch (error) {
    const where = configPath ?? 'the default config file';
    const reason = error instanceof SyntaxError ? `it is not valid JSON (${error.message})` : (error as Error).message;
    throw new ConfigError(`cannot read configuration ${where}: ${reason}`);
  }
}

export function fileSettings(store: Conf<ConfigInput>): Record<string, unknown> {
  const settings = structuredClone(store.store) as Record<string, unknown>;
  delete settings.__internal__;
  return settings;
}

/**
 * Flags beat environment, environment beats the file, the file beats defaults. The merged result
 * is validated as a whole so a bad value is refused whichever layer it came from.
 */
export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const store = openConfigFile(overrides.configPath ?? env.CFA_CONFIG);
  const merged = fileSettings(store);
  const dataDir = overrides.dataDir ?? env.CFA_DATA_DIR;
  if (dataDir) merged.dataDir = dataDir;
  const exchangeUrl = overrides.exchangeUrl ?? env.CFA_EXCHANGE_URL;
  if (exchangeUrl) merged.exchange = { ...(merged.exchange as object | undefined), url: exchangeUrl };
  const storeUrl = env.CFA_STORE_URL;
  if (storeUrl) merged.store = { ...(merged.store as object | undefined), url: storeUrl };
  const host = env.CFA_HOST;
  if (host) merged.engine = { ...(merged.engine as object | undefined), host };

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, merged, store.path));
  const config = parsed.data;
  return {
    config: { ...config, dataDir: path.resolve(config.dataDir ?? defaultDataDir()) },
    path: store.path,
    store,
  };
}

/** Validates the file alone (no flags, no environment), as `config validate` reports it. */
export function validateConfigFile(configPath?: string, env: NodeJS.ProcessEnv = process.env): string {
  const store = openConfigFile(configPath ?? env.CFA_CONFIG);
  const fromFile = fileSettings(store);
  const parsed = configSchema.safeParse(fromFile);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, fromFile, store.path));
  return store.path;
}
