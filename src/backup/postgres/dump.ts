import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import type pg from 'pg';
import { shownUrl } from '../../store/postgres/pool.js';
import { removeWithSideFiles } from '../files.js';
import type { Verdict } from '../verify.js';
import { cleanMessage, connect, createScratchDatabase, toolConnection } from './connection.js';
import { comparePgFacts, dumpScopeExclusions, readPgFacts, summarize, VERSIONS_TABLE, type PgFacts } from './facts.js';
import { checkClientFor, findPgTools, serverMajor, type PgTools, type ToolSearch } from './tools.js';

/** A dump went wrong on the store's side (unreachable, refused, a client too old): another tier would not help. */
export class PgSourceProblem extends Error {}

/** Long enough for a large store over a slow link; a hung server still ends. */
const TOOL_TIMEOUT_MS = 4 * 3_600_000;

/** The client programs, checked against the server's major. */
export async function toolsFor(client: pg.Client, search?: ToolSearch): Promise<PgTools> {
  const tools = await findPgTools(search);
  const num = Number((await client.query<{ server_version_num: string }>('SHOW server_version_num')).rows[0]!.server_version_num);
  checkClientFor(tools, serverMajor(num));
  return tools;
}

export interface PgDumpInfo {
  /** When the snapshot was taken. */
  createdAt: number;
  facts: PgFacts;
  tools: PgTools;
}

/**
 * `pg_dump --format=custom` of the store's market data into `dest` (a temp path), and its facts
 * from the same snapshot: a REPEATABLE READ, READ ONLY transaction exports its snapshot, pg_dump
 * runs with `--snapshot` (so it dumps exactly what that transaction sees), and the facts are read
 * in the exporting transaction while pg_dump runs. Writers carry on meanwhile (MVCC). The ops
 * tables and the versions table are left out (facts.ts says why); the market schema's version
 * goes into the facts, and so into the catalog.
 */
export async function takePgDump(url: string, dest: string, search?: ToolSearch): Promise<PgDumpInfo> {
  const info = await dumpStore(url, dest, true, search);
  return { ...info, facts: info.facts! };
}

/** The same dump without the facts (the old data kept in quarantine before a restore: nothing compares it). */
export async function dumpForQuarantine(url: string, dest: string): Promise<void> {
  await dumpStore(url, dest, false);
}

async function dumpStore(url: string, dest: string, withFacts: boolean, search?: ToolSearch): Promise<Omit<PgDumpInfo, 'facts'> & { facts: PgFacts | null }> {
  let client: pg.Client;
  try {
    client = await connect(url);
  } catch (error) {
    throw new PgSourceProblem(`cannot reach the PostgreSQL store at ${shownUrl(url)}: ${cleanMessage((error as Error).message)}`);
  }
  const conn = toolConnection(url);
  try {
    let tools: PgTools;
    try {
      tools = await toolsFor(client, search);
    } catch (error) {
      throw new PgSourceProblem((error as Error).message);
    }
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const snapshot = (await client.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]!.s;
    const createdAt = Date.now();
    const dumping = execa(tools.pgDump, [
      '--format=custom', `--snapshot=${snapshot}`, '--no-password', `--file=${dest}`,
      ...dumpScopeExclusions().map((t) => `--exclude-table=${t}`),
      `--dbname=${conn.argUrl}`,
    ], { reject: false, env: conn.env, extendEnv: false, stdin: 'ignore', timeout: TOOL_TIMEOUT_MS, forceKillAfterDelay: 5000 });
    let facts: PgFacts | null = null;
    try {
      if (withFacts) facts = await readPgFacts(client);
    } catch (error) {
      dumping.kill();
      await dumping;
      throw new PgSourceProblem(`cannot read the store's counts at ${shownUrl(url)}: ${cleanMessage((error as Error).message)}`);
    }
    const r = await dumping;
    await client.query('COMMIT');
    if (r.exitCode !== 0 || r.timedOut) {
      const stderr = cleanMessage(String(r.stderr ?? ''));
      const message = `pg_dump of ${conn.shown} failed (${r.timedOut ? 'timed out' : `exit ${r.exitCode ?? r.signal}`})${stderr ? `: ${stderr}` : ''}`;
      // Writing the file failed (disk full, not writable): the next tier may still take its own.
      if (/could not (write|open|close|fsync)|No space left|Permission denied.*(output|file)/i.test(stderr)) {
        throw Object.assign(new Error(message), /No space left/i.test(stderr) ? { code: 'ENOSPC' } : {});
      }
      throw new PgSourceProblem(message);
    }
    return { createdAt, facts, tools };
  } catch (error) {
    removeWithSideFiles(dest);
    throw error;
  } finally {
    conn.close();
    await client.end().catch(() => {});
  }
}

/** Failures that say nothing about the dump: the server, the network, permissions. */
const ENVIRONMENT = /could not connect|connection to server|Connection refused|password authentication failed|no pg_hba\.conf entry|permission denied to create database|too many connections|the database system is (starting|shutting)/i;

export interface VerifyPgOptions {
  search?: ToolSearch;
  /**
   * Run on the scratch database once its facts equal the expected ones, before it is dropped (the
   * drill opens it as a store there). A throw makes the verdict unchecked (contentBad false): the
   * dump held what it should, this build could not use it.
   */
  opened?: (scratchUrl: string) => Promise<void>;
}

/**
 * Restores a dump into a new scratch database on the store's server and compares what it holds
 * with `expected` (the facts read when it was taken): candles, newest candle and checksum per
 * series, rows of every table. `pg_restore --list` first reads the whole table of contents
 * without a server. The scratch database is dropped again whatever happened. Never throws: a
 * server that cannot be reached gives an unchecked verdict (contentBad false).
 */
export async function verifyPgDump(file: string, url: string, expected: PgFacts, options: VerifyPgOptions = {}): Promise<Verdict & { ms: number }> {
  const { search } = options;
  const t0 = performance.now();
  const done = (v: Verdict) => ({ ...v, ms: Math.round(performance.now() - t0) });
  let client: pg.Client;
  try {
    client = await connect(url);
  } catch (error) {
    return done({ ok: false, contentBad: false, facts: null, problems: [`cannot reach ${shownUrl(url)} to restore the backup into a scratch database: ${cleanMessage((error as Error).message)}`] });
  }
  let tools: PgTools;
  try {
    tools = await toolsFor(client, search);
  } catch (error) {
    return done({ ok: false, contentBad: false, facts: null, problems: [(error as Error).message] });
  } finally {
    await client.end().catch(() => {});
  }
  const list = await execa(tools.pgRestore, ['--list', file], { reject: false, stdin: 'ignore', timeout: TOOL_TIMEOUT_MS });
  if (list.exitCode !== 0) {
    return done({ ok: false, contentBad: true, facts: null, problems: [`not a readable pg_dump archive: ${cleanMessage(String(list.stderr ?? ''))}`] });
  }
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  try {
    scratch = await createScratchDatabase(url);
  } catch (error) {
    return done({ ok: false, contentBad: false, facts: null, problems: [(error as Error).message] });
  }
  const conn = toolConnection(scratch.url);
  try {
    const r = await execa(tools.pgRestore, ['--exit-on-error', '--no-owner', '--no-privileges', '--no-password', `--dbname=${conn.argUrl}`, file], {
      reject: false, env: conn.env, extendEnv: false, stdin: 'ignore', timeout: TOOL_TIMEOUT_MS, forceKillAfterDelay: 5000,
    });
    if (r.exitCode !== 0 || r.timedOut) {
      const stderr = cleanMessage(String(r.stderr ?? ''));
      return done({ ok: false, contentBad: !r.timedOut && !ENVIRONMENT.test(stderr), facts: null, problems: [`pg_restore into the scratch database ${scratch.name} failed (${r.timedOut ? 'timed out' : `exit ${r.exitCode ?? r.signal}`}): ${stderr}`] });
    }
    const restored = await connect(scratch.url);
    let actual: PgFacts;
    try {
      actual = await readPgFacts(restored);
    } finally {
      await restored.end().catch(() => {});
    }
    const problems = comparePgFacts(actual, expected);
    if (!problems.length && options.opened) await options.opened(scratch.url);
    return done({ ok: problems.length === 0, contentBad: problems.length > 0, facts: { ...summarize(actual), schemaVersion: expected.schemaVersion }, problems });
  } catch (error) {
    return done({ ok: false, contentBad: false, facts: null, problems: [`checking the restored copy in ${scratch.name}: ${cleanMessage((error as Error).message)}`] });
  } finally {
    conn.close();
    await scratch.drop().catch(() => {});
  }
}

/**
 * `lock_timeout` for pg_restore: its script sets `lock_timeout = 0` itself, so a PGOPTIONS value
 * would be overridden. Instead this watches the restore's session (by its application name) and
 * cancels the statement that has waited on a lock longer than `timeoutMs` (a reader on another
 * host in a long transaction): pg_restore stops on the error and the whole transaction rolls
 * back. `cancelled()` then names who held the lock.
 */
function watchLockWaits(client: pg.Client, applicationName: string, timeoutMs: number): { stop(): void; cancelled(): string | null } {
  let cancelled: string | null = null;
  let busy = false;
  const timer = setInterval(() => {
    if (busy || cancelled) return;
    busy = true;
    void (async () => {
      const waiting = (await client.query<{ pid: number; blockers: number[] }>(`
        SELECT pid, pg_blocking_pids(pid) AS blockers FROM pg_stat_activity
        WHERE application_name = $1 AND wait_event_type = 'Lock' AND now() - query_start > $2 * interval '1 millisecond'`, [applicationName, timeoutMs])).rows[0];
      if (!waiting) return;
      const holders = (await client.query<{ pid: number; application_name: string; client_addr: string | null; xact_start: Date | null }>(
        'SELECT pid, application_name, client_addr::text, xact_start FROM pg_stat_activity WHERE pid = ANY($1)', [waiting.blockers])).rows;
      const who = holders.map((h) => `PID ${h.pid}${h.application_name ? ` (${h.application_name})` : ''}${h.client_addr ? ` from ${h.client_addr}` : ''}${h.xact_start ? `, in a transaction since ${h.xact_start.toISOString()}` : ''}`).join('; ');
      cancelled = `lock timeout: waited more than ${Math.round(timeoutMs / 1000)} s (backup.writerWait) for a table lock held by ${who || 'another session'}; try again when it has finished`;
      await client.query('SELECT pg_cancel_backend($1)', [waiting.pid]);
    })().catch(() => {}).finally(() => { busy = false; });
  }, 250);
  return { stop: () => clearInterval(timer), cancelled: () => cancelled };
}

/** The market schema's version in the live store (0 when it has none: a fresh or wrecked database). */
async function liveMarketVersion(client: pg.Client): Promise<number> {
  const exists = (await client.query<{ c: string | null }>(`SELECT to_regclass('${VERSIONS_TABLE}')::text AS c`)).rows[0]!.c !== null;
  if (!exists) return 0;
  return Number((await client.query<{ version: number }>(`SELECT version FROM ${VERSIONS_TABLE} WHERE schema = 'market'`)).rows[0]?.version ?? 0);
}

/**
 * Refuses, before anything is touched, a backup of another market schema version than the live
 * store's: `--clean` replaces only what the dump holds, so objects of a newer migration would
 * stay beside older tables, and the versions table would name neither. A store without a version
 * (fresh, or its versions table lost) takes the backup's.
 */
export async function checkRestorable(url: string, backupVersion: number): Promise<{ liveVersion: number }> {
  const client = await connect(url);
  try {
    const liveVersion = await liveMarketVersion(client);
    if (liveVersion > 0 && backupVersion > 0 && liveVersion !== backupVersion) {
      throw Object.assign(new Error(`the backup holds market schema version ${backupVersion}, the store at ${shownUrl(url)} is at version ${liveVersion}: a pg_dump restores only into the schema version it was taken from; restore a backup taken at version ${liveVersion}, or restore into a new empty database (store.url) and let cfa-console migrate it`), { exitCode: 2 });
    }
    return { liveVersion };
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A database a dump was restored into, without a market version (the dump leaves the versions
 * table out), gets the backup's: then migratePg takes it from there rather than from nothing.
 */
export async function stampMarketVersion(client: pg.Client, version: number): Promise<void> {
  if (version <= 0) return;
  // The same table migratePg keeps (src/store/postgres/migrate.ts).
  await client.query(`CREATE TABLE IF NOT EXISTS ${VERSIONS_TABLE} (schema TEXT PRIMARY KEY, version INTEGER NOT NULL, migrated_at BIGINT NOT NULL)`);
  await client.query(`INSERT INTO ${VERSIONS_TABLE} (schema, version, migrated_at) VALUES ('market', $1, $2) ON CONFLICT (schema) DO NOTHING`, [version, Date.now()]);
}

/**
 * The verified dump replaces the store's market data in place, in ONE transaction:
 * `pg_restore --single-transaction --clean --if-exists --exit-on-error` drops and recreates every
 * object the dump holds and loads its rows; any error rolls all of it back, so the store holds the
 * old data or the backup's, never a mix, and readers on other hosts see one or the other (they
 * wait on the table locks meanwhile; watchLockWaits bounds how long we wait for theirs). Only
 * what the dump holds is touched: the ops tables (the lease and its epoch included) are not in
 * it. Then the rows are counted again in the live store and compared with the backup's facts.
 */
export async function restorePgInPlace(file: string, url: string, expected: PgFacts, options: { lockTimeoutMs: number; liveVersion: number }): Promise<{ problems: string[]; ms: number }> {
  const t0 = performance.now();
  const client = await connect(url);
  const conn = toolConnection(url);
  try {
    const tools = await toolsFor(client);
    const applicationName = `cfa-console restore ${randomBytes(4).toString('hex')}`;
    const restoring = execa(tools.pgRestore, ['--single-transaction', '--clean', '--if-exists', '--exit-on-error', '--no-owner', '--no-password', `--dbname=${conn.argUrl}`, file], {
      reject: false, env: { ...conn.env, PGAPPNAME: applicationName }, extendEnv: false,
      stdin: 'ignore', timeout: TOOL_TIMEOUT_MS, forceKillAfterDelay: 5000,
    });
    const watchdog = watchLockWaits(client, applicationName, Math.max(1000, options.lockTimeoutMs));
    const r = await restoring.finally(() => watchdog.stop());
    if (r.exitCode !== 0 || r.timedOut) {
      const why = watchdog.cancelled() ?? cleanMessage(String(r.stderr ?? ''));
      throw new Error(`pg_restore into ${conn.shown} failed and was rolled back, the store is as it was (${r.timedOut ? 'timed out' : `exit ${r.exitCode ?? r.signal}`}): ${why}`);
    }
    if (options.liveVersion === 0) await stampMarketVersion(client, expected.schemaVersion);
    const live = await readPgFacts(client);
    // Tables the dump does not hold (made by a later migration) are no concern of this check.
    const tables = Object.fromEntries(Object.entries(live.tables).filter(([t]) => t in expected.tables));
    return { problems: comparePgFacts({ series: live.series, tables }, expected), ms: Math.round(performance.now() - t0) };
  } finally {
    conn.close();
    await client.end().catch(() => {});
  }
}
