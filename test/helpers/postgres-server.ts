/**
 * Vitest global setup: a private PostgreSQL server for the tests of the postgres backend, started
 * from Debian's `postgresql` binaries in a temporary directory, as the `postgres` user when the
 * tests run as root (CI), listening only on a Unix socket in that directory. Stopped and removed
 * after the run. `CFA_TEST_PG_URL` names an existing server instead.
 *
 * Without the binaries the postgres tests are skipped and say so, unless `CFA_TEST_PG_REQUIRED=1`
 * (set by .ci/run), which makes a missing server an error rather than a quiet skip.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    pgBin: string;
    pgMissing: string;
  }
}

/** The newest installed server's binaries (`/usr/lib/postgresql/<major>/bin`), or none. */
export function postgresBinDir(): string | null {
  if (process.env.CFA_TEST_PG_BIN) return process.env.CFA_TEST_PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const majors = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return majors[0] ? path.join(root, majors[0], 'bin') : null;
}

export default function setup(project: TestProject): (() => void) | undefined {
  const bin = postgresBinDir() ?? '';
  project.provide('pgBin', bin);
  if (process.env.CFA_TEST_PG_URL) {
    project.provide('pgUrl', process.env.CFA_TEST_PG_URL);
    project.provide('pgMissing', '');
    return undefined;
  }
  if (!bin) {
    const why = 'no PostgreSQL server binaries (/usr/lib/postgresql/*/bin): apt-get install postgresql, or set CFA_TEST_PG_URL';
    if (process.env.CFA_TEST_PG_REQUIRED === '1') throw new Error(`CFA_TEST_PG_REQUIRED=1 but ${why}`);
    project.provide('pgUrl', '');
    project.provide('pgMissing', why);
    return undefined;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfa-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const run = (cmd: string, args: string[]): void => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]] : [path.join(bin, cmd), args];
    execFileSync(file, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const data = path.join(dir, 'data');
  const user = asRoot ? 'postgres' : os.userInfo().username;
  run('initdb', ['-D', data, '-A', 'trust', '-U', user, '--no-sync', '-E', 'UTF8']);
  // Only the socket, no TCP port to collide with; fsync off: the tests' server is thrown away.
  const serverOptions = `-k ${dir} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
  run('pg_ctl', ['-D', data, '-o', serverOptions, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  project.provide('pgUrl', `postgresql://${user}@localhost/postgres?host=${dir}`);
  project.provide('pgMissing', '');
  return () => {
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}
