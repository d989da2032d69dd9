import os from 'node:os';

/**
 * The name this process goes by among hosts sharing one store (the lease holder's host, the
 * same-host PID check): `engine.host` when configured, else `CFA_HOST`, else the machine's name.
 * Two engines on one machine that play two hosts (tests, a staging box) need two names.
 */
export function hostName(configured?: string, env: NodeJS.ProcessEnv = process.env): string {
  return configured || env.CFA_HOST || os.hostname();
}
