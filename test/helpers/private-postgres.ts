import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A throwaway PostgreSQL server from Debian's binaries, for the tests' global setup
 * (postgres-server.ts) and `npm run bench:store`. Plain Node: no test runner needed.
 */

/** The newest installed server's binaries (`/usr/lib/postgresql/<major>/bin`), or none. */
export function postgresBinDir(): string | null {
  if (process.env.CFA_TEST_PG_BIN) return process.env.CFA_TEST_PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const majors = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return majors[0] ? path.join(root, majors[0], 'bin') : null;
}

export interface PrivatePostgres {
  /** The superuser's URL (database `postgres`), over the Unix socket in the server's directory. */
  url: string;
  stop(): void;
}

/**
 * A throwaway PostgreSQL server from `bin` (initdb, pg_ctl) in a new temporary directory, as the
 * `postgres` user when run as root; only a Unix socket, no TCP port to collide with. fsync off
 * for the tests; `durable` (the benchmark) keeps fsync and full page writes and turns only
 * synchronous_commit off: like SQLite's WAL with synchronous=NORMAL, a crash may lose the last
 * commits but never corrupts. Also used by `npm run bench:store`.
 */
export function startPrivatePostgres(bin: string, options: { durable?: boolean } = {}): PrivatePostgres {
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
  const durability = options.durable ? '-c synchronous_commit=off' : '-c fsync=off -c synchronous_commit=off -c full_page_writes=off';
  // Lock waits past deadlock_timeout and statements over 5 s are logged: what a test that timed out waited on.
  const serverOptions = `-k ${dir} -c listen_addresses='' ${durability} -c max_connections=300 -c log_lock_waits=on -c log_min_duration_statement=5000`;
  run('pg_ctl', ['-D', data, '-o', serverOptions, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  return {
    url: `postgresql://${user}@localhost/postgres?host=${dir}`,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        // CFA_TEST_PG_KEEP_LOG=<file> keeps the server's log after the run, to read why a test waited.
        const keep = process.env.CFA_TEST_PG_KEEP_LOG;
        if (keep) fs.copyFileSync(path.join(dir, 'server.log'), keep);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Freezes `server` only (a paused VM, a partition: connections stay open, queries never end):
 * SIGSTOP to its postmaster (from its data dir's postmaster.pid) first, so it forks no backend
 * any more, then to its children as `pgrep -P` lists them after that. Listing first left a
 * backend forked in between running, and a query on it answered. Returns what `thawServer` wakes.
 */
export function freezeServer(server: PrivatePostgres): number[] {
  const dir = new URL(server.url).searchParams.get('host')!;
  const postmaster = Number(fs.readFileSync(path.join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.kill(postmaster, 'SIGSTOP');
  const children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  for (const pid of children) {
    try { process.kill(pid, 'SIGSTOP'); } catch { /* ended meanwhile */ }
  }
  return [postmaster, ...children];
}

export function thawServer(pids: readonly number[]): void {
  for (const pid of pids) {
    try { process.kill(pid, 'SIGCONT'); } catch { /* ended meanwhile */ }
  }
}

/** `url` with its database replaced. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
