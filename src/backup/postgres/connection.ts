import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { redactUrlPasswords } from '../../config/redact.js';
import { shownUrl } from '../../store/postgres/pool.js';

/**
 * How the client programs (pg_dump, pg_restore) reach the store without its password ever being
 * on a command line (where `ps` shows it to every user of the host), in a log or in an error: the
 * URL they get has no password, and the password goes into a passfile (mode 0600, in a private
 * temp dir, removed when done) named by PGPASSFILE. libpq's PGPASSWORD would do as much on Linux,
 * but the PostgreSQL manual advises against it, and a passfile is never inherited by anything else.
 */
export interface ToolConnection {
  /** The URL without its password: what goes into argv. */
  argUrl: string;
  /** For messages. */
  shown: string;
  /** The child's whole environment (PGPASSFILE set, an inherited PGPASSWORD removed when we bring our own). */
  env: NodeJS.ProcessEnv;
  /** Removes the passfile. */
  close(): void;
}

/** `url` without its password (user info or a `password` parameter), and the password. */
export function splitPassword(url: string): { bare: string; password: string | null } {
  const u = new URL(url);
  let password: string | null = u.password ? decodeURIComponent(u.password) : null;
  u.password = '';
  const param = u.searchParams.get('password');
  if (param !== null) {
    password ??= param;
    u.searchParams.delete('password');
  }
  return { bare: u.toString(), password };
}

/** A passfile line matching any host, port, database and user: this file serves one connection. */
export function passfileLine(password: string): string {
  return `*:*:*:*:${password.replace(/\\/g, '\\\\').replace(/:/g, '\\:')}\n`;
}

export function toolConnection(url: string): ToolConnection {
  const { bare, password } = splitPassword(url);
  const env: NodeJS.ProcessEnv = { ...process.env };
  let dir: string | null = null;
  if (password !== null) {
    delete env.PGPASSWORD;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfa-pgpass-'));
    const file = path.join(dir, 'pgpass');
    fs.writeFileSync(file, passfileLine(password), { mode: 0o600 });
    env.PGPASSFILE = file;
  }
  return {
    argUrl: bare,
    shown: shownUrl(url),
    env,
    close() {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      dir = null;
    },
  };
}

/** `url` with its database replaced (the password, if any, kept: for our own in-process client only). */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** One connection of our own (not the pool: a dump holds its snapshot on exactly this one). */
export async function connect(url: string, applicationName = 'cfa-console backup'): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName, connectionTimeoutMillis: 10_000 });
  // A server that goes away mid-way would otherwise kill the process with an unhandled 'error'.
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Text from a client program or the server, safe to print: passwords in URLs masked, last lines only. */
export function cleanMessage(text: string, lines = 4): string {
  return redactUrlPasswords(text.trim().split('\n').filter(Boolean).slice(-lines).join(' | '));
}

export const SCRATCH_PREFIX = 'cfa_scratch_';

/**
 * A scratch database on the store's server, under a unique name, for restoring a dump into it to
 * check it; dropped again with `drop()` (also when the check failed). Needs CREATEDB: when the
 * store's role lacks it, the error says so.
 */
export async function createScratchDatabase(url: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `${SCRATCH_PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
  const client = await connect(url);
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE template0`);
  } catch (error) {
    const e = error as { code?: string; message?: string };
    const hint = e.code === '42501' ? ': the store\'s role needs CREATEDB to verify a backup by restoring it (ALTER ROLE <role> CREATEDB)' : '';
    throw Object.assign(new Error(`cannot create the scratch database ${name} on ${shownUrl(url)}: ${cleanMessage(e.message ?? String(error))}${hint}`), { code: e.code });
  } finally {
    await client.end().catch(() => {});
  }
  return {
    name,
    url: withDatabase(url, name),
    async drop() {
      const c = await connect(url);
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name}`);
      } finally {
        await c.end().catch(() => {});
      }
    },
  };
}
