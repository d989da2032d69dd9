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
  withSecretsFromEnvironment(merged, env);
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

/**
 * The settings that are kept out of the file on purpose (`CFA_STORE_URL`, whose password does not
 * belong in a config file) put into `settings`: a file that relies on them is valid with them.
 */
export function withSecretsFromEnvironment(settings: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const storeUrl = env.CFA_STORE_URL;
  if (storeUrl) settings.store = { ...(settings.store as object | undefined), url: storeUrl };
  return settings;
}

/**
 * Validates the file as `config validate` reports it: without flags or the environment's
 * overrides, but with the secrets the environment holds for it (CFA_STORE_URL).
 */
export function validateConfigFile(configPath?: string, env: NodeJS.ProcessEnv = process.env): string {
  const store = openConfigFile(configPath ?? env.CFA_CONFIG);
  const fromFile = withSecretsFromEnvironment(fileSettings(store), env);
  const parsed = configSchema.safeParse(fromFile);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, fromFile, store.path));
  return store.path;
}
