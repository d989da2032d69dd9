import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { isExecutableFile } from '../../engine/executable.js';

/**
 * pg_dump and pg_restore, the client programs a backup of the PostgreSQL store runs. pg_dump
 * refuses a server newer than itself and its output may not restore with an older pg_restore, so
 * the newest major found wins: the one on PATH (Debian's /usr/bin/pg_dump is postgresql-common's
 * wrapper) or one of /usr/lib/postgresql/<major>/bin, where Debian installs every version side by
 * side. Both programs come from the same directory, so their majors agree.
 */
export interface PgTools {
  pgDump: string;
  pgRestore: string;
  /** Major version of that pg_dump, e.g. 16. */
  major: number;
  /** `pg_dump --version` as printed, e.g. "pg_dump (PostgreSQL) 16.4". */
  version: string;
}

export const PG_LIB_ROOT = '/usr/lib/postgresql';

export interface ToolSearch {
  /** PATH-style list of directories; default process.env.PATH. */
  searchPath?: string;
  /** Where versioned installs live; default /usr/lib/postgresql. */
  libRoot?: string;
}

/** "pg_dump (PostgreSQL) 16.4 (Debian 16.4-1)" → 16; "pg_dump (PostgreSQL) 9.6.24" → 9. */
export function parseClientMajor(versionLine: string): number | null {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(versionLine);
  return m ? Number(m[1]) : null;
}

/** `SHOW server_version_num` (e.g. 160004, 90624) → the major (16, 9). */
export function serverMajor(versionNum: number): number {
  return Math.floor(versionNum / 10_000);
}

/** The directories that may hold both programs, PATH's first, then /usr/lib/postgresql/<major>/bin newest first. */
export function candidateDirs(search: ToolSearch = {}): string[] {
  const fromPath = (search.searchPath ?? process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const root = search.libRoot ?? PG_LIB_ROOT;
  let versioned: string[] = [];
  try {
    versioned = fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)).map((v) => path.join(root, v, 'bin'));
  } catch {
    // No versioned installs: PATH only.
  }
  return [...new Set([...fromPath, ...versioned])].filter((d) => isExecutableFile(path.join(d, 'pg_dump')) && isExecutableFile(path.join(d, 'pg_restore')));
}

export class PgToolsMissing extends Error {}

/**
 * The newest pg_dump/pg_restore pair, or an error that says what to install. A program that
 * does not answer `--version` (a broken wrapper without any client installed) is passed over.
 */
export async function findPgTools(search: ToolSearch = {}): Promise<PgTools> {
  const found: PgTools[] = [];
  for (const dir of candidateDirs(search)) {
    const pgDump = path.join(dir, 'pg_dump');
    const r = await execa(pgDump, ['--version'], { reject: false, timeout: 10_000, stdin: 'ignore' });
    const version = String(r.stdout ?? '').trim();
    const major = r.exitCode === 0 ? parseClientMajor(version) : null;
    if (major !== null) found.push({ pgDump, pgRestore: path.join(dir, 'pg_restore'), major, version });
  }
  // Stable sort: on a tie the earlier candidate (PATH first) stays first.
  const best = found.sort((a, b) => b.major - a.major)[0];
  if (!best) {
    throw new PgToolsMissing(`pg_dump and pg_restore not found on PATH or in ${search.libRoot ?? PG_LIB_ROOT}/*/bin: backups of the postgres store need the PostgreSQL client programs of the server's major version or newer (apt-get install postgresql-client, or postgresql-client-<major> from apt.postgresql.org)`);
  }
  return best;
}

/** pg_dump refuses a newer server ("aborting because of server version mismatch"): say so before it runs. */
export function checkClientFor(tools: PgTools, serverMajorVersion: number): void {
  if (tools.major < serverMajorVersion) {
    throw new PgToolsMissing(`${tools.pgDump} is version ${tools.major} (${tools.version}), older than the PostgreSQL ${serverMajorVersion} server: pg_dump cannot dump a newer server; install postgresql-client-${serverMajorVersion} (apt.postgresql.org has every version) so that ${PG_LIB_ROOT}/${serverMajorVersion}/bin/pg_dump exists, or put it first on PATH`);
  }
}
