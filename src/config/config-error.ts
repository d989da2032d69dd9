import type { z } from 'zod';
import { isSecretKey, maskSecret, redactUrlPasswords } from './redact.js';

/** A bad configuration or usage: the process exits 2 and the message names key, value and fix. */
export class ConfigError extends Error {
  readonly exitCode = 2;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** One line per problem: `exchange.weightBudget = 5000: Too big: expected number to be <=2400`. */
export function describeIssues(error: z.ZodError, input: unknown, source: string): string {
  const lines = error.issues.map((issue) => {
    const key = issue.path.map(String).join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      const where = issue.path.length ? `${key}: ` : '';
      return `  ${where}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')} (see \`cfa-console config show\` for the known keys)`;
    }
    const value = valueAt(input, issue.path);
    // A malformed webhook URL or token is still a secret: name the key, never echo the value.
    const shown = value === undefined ? '(missing)' : isSecretKey(key) && typeof value === 'string' ? JSON.stringify(maskSecret(value)) : typeof value === 'string' ? JSON.stringify(redactUrlPasswords(value)) : JSON.stringify(value);
    return `  ${key} = ${shown}: ${issue.message}`;
  });
  return `invalid configuration in ${source}:\n${lines.join('\n')}`;
}
