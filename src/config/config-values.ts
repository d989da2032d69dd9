import type Conf from 'conf';
import { ConfigError, describeIssues } from './config-error.js';
import { fileSettings, withSecretsFromEnvironment } from './load-config.js';
import { configSchema, type ConfigInput } from './schema.js';

function getPath(node: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>(
    (acc, part) => (acc !== null && typeof acc === 'object' ? (acc as Record<string, unknown>)[part] : undefined),
    node,
  );
}

function setPath(node: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  const last = parts.pop()!;
  let cursor = node;
  for (const part of parts) {
    const next = cursor[part];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cursor[part] = {};
    cursor = cursor[part] as Record<string, unknown>;
  }
  cursor[last] = value;
}

/**
 * What people type on a command line: JSON where it parses (numbers, booleans, arrays), a comma
 * list where the current value is a list, else the plain string.
 */
export function parseCliValue(raw: string, current: unknown): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    if (Array.isArray(current)) return raw.split(',').map((s) => s.trim()).filter(Boolean);
    return raw;
  }
}

export function getConfigValue(effective: object, key: string): unknown {
  const value = getPath(effective, key);
  if (value === undefined) throw new ConfigError(`unknown config key ${JSON.stringify(key)} (see \`cfa-console config show\` for the known keys)`);
  return value;
}

/** Validates the file's settings with the change applied and only then writes the file. */
export function setConfigValue(store: Conf<ConfigInput>, effective: object, key: string, raw: string, env: NodeJS.ProcessEnv = process.env): unknown {
  const current = getPath(effective, key);
  const value = parseCliValue(raw, current);
  const next = fileSettings(store);
  setPath(next, key, value);
  // Judged with the secrets the environment supplies (CFA_STORE_URL), which are not written to the file.
  const parsed = configSchema.safeParse(withSecretsFromEnvironment(structuredClone(next), env));
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, next, store.path));
  store.set(key as keyof ConfigInput, value as never);
  return value;
}
