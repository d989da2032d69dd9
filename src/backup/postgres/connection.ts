import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { pgModule } from '../../store/postgres/pool.js';
import { redactUrlPasswords } from '../../config/redact.js';
import { currentProcess, isAlive } from '../../engine/process-identity.js';
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
  const client = new (pgModule().Client)({ connectionString: url, application_name: applicationName, connectionTimeoutMillis: 10_000 });
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
 * How this host's scratch databases begin (`cfa_scratch_<host hash>_`): several hosts share one server.
 * A tag (`drill`: a game-day drill's sandbox store) follows it: `cfa_scratch_<host hash>_drill_<pid>_...`.
 */
export function scratchPrefix(): string {
  return `${SCRATCH_PREFIX}${createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8)}_`;
}

/**
 * Drops the scratch databases this host's processes left when they were killed mid-check (the
 * name carries host, PID and start time, as temp files do); those of live processes and of other
 * hosts are left alone. Returns the names dropped.
 */
async function dropStaleScratch(client: pg.Client): Promise<string[]> {
  const prefix = scratchPrefix();
  const names = (await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [prefix])).rows.map((r) => r.datname);
  const dropped: string[] = [];
  for (const name of names) {
    const m = /^(?:[a-z]+_)?(\d+)_(\d+)_[0-9a-f]+$/.exec(name.slice(prefix.length));
    if (!m || isAlive({ pid: Number(m[1]), startTicks: m[2] === '0' ? null : Number(m[2]) })) continue;
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name}`);
      dropped.push(name);
    } catch {
      // Someone is connected to it after all: left for next time.
    }
  }
  return dropped;
}

/** What a scratch database is for: its tag in the name (lower-case letters) and the words of the CREATEDB hint. */
export interface ScratchPurpose {
  tag: string;
  /** `... needs CREATEDB to <why>`. */
  why: string;
}

const VERIFY_PURPOSE: ScratchPurpose = { tag: '', why: 'verify a backup by restoring it' };

/**
 * A scratch database on the store's server, under a unique name, for restoring a dump into it to
 * check it (or, tagged `drill`, a game-day drill's sandbox store); dropped again with `drop()`
 * (also when the check failed), and by the next scratch database made on this host when the
 * process was killed first. Needs CREATEDB: when the store's role lacks it, the error says so.
 */
export async function createScratchDatabase(url: string, purpose: ScratchPurpose = VERIFY_PURPOSE): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  if (!/^[a-z]*$/.test(purpose.tag)) throw new Error(`a scratch database's tag is lower-case letters, got ${JSON.stringify(purpose.tag)}`);
  const me = currentProcess();
  const name = `${scratchPrefix()}${purpose.tag ? `${purpose.tag}_` : ''}${me.pid}_${me.startTicks ?? 0}_${randomBytes(4).toString('hex')}`;
  const client = await connect(url);
  try {
    await dropStaleScratch(client).catch(() => []);
    await client.query(`CREATE DATABASE ${name} TEMPLATE template0`);
  } catch (error) {
    const e = error as { code?: string; message?: string };
    const hint = e.code === '42501' ? `: the store's role needs CREATEDB to ${purpose.why} (ALTER ROLE <role> CREATEDB)` : '';
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
        await c.query(`DROP DATABASE IF EXISTS ${name}`).catch(async (error: { code?: string }) => {
          // Still connected to (55006: a pool not yet closed, a process not yet gone): the scratch database is ours to end.
          if (error.code !== '55006') throw error;
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        });
      } finally {
        await c.end().catch(() => {});
      }
    },
  };
}
