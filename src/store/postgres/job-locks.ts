import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { redactUrlPasswords } from '../../config/redact.js';
import type { Migration } from '../sqlite.js';
import { migratePg } from './migrate.js';
import { StoreError } from '../store-error.js';
import { describePgError, openPgPool, shownUrl, type PgClient } from './pool.js';

/**
 * Job locks shared by every host on one PostgreSQL store (store.backend postgres). Owns
 * `cfa_job_locks` (schema name `locks` in cfa_schema_versions).
 *
 * What holds a lock is a session-level advisory lock (pg_try_advisory_lock on a 64-bit key
 * derived from the lock's name) on a connection of its own that the holder keeps open for as long
 * as it runs. A holder that dies (kill -9, a crash, its host lost) loses its connection and with it
 * the advisory lock: no lock outlives its holder, and nobody has to judge from afar whether a PID
 * on another host is still alive. The table only says WHO holds a lock, for the "already running:
 * PID ... on host ..." message; its row is trusted only while the connection that wrote it still
 * holds the advisory lock (pg_locks), so a dead holder's row is simply overwritten by the next
 * taker.
 */

export const JOB_LOCKS_SCHEMA = 'locks';
const TABLE = 'cfa_job_locks';

export const JOB_LOCK_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up: `
      CREATE TABLE ${TABLE} (
        name TEXT PRIMARY KEY,
        holder_id TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        start_ticks BIGINT,
        -- The holder's server process (pg_backend_pid()): its row is live while that backend holds the advisory lock.
        backend_pid INTEGER NOT NULL,
        acquired_at BIGINT NOT NULL
      );
    `,
  },
];

/** Who asks for, or holds, a lock. */
export interface JobLockHolder {
  /** Unique per process run. */
  holderId: string;
  host: string;
  pid: number;
  startTicks: number | null;
}

export interface HeldJobLock extends JobLockHolder {
  acquiredAt: number;
}

export type TakeOutcome =
  | { taken: true; release: () => Promise<void> }
  /** Held by a live holder; null when it took the lock a moment ago and has not said who it is yet. */
  | { taken: false; holder: HeldJobLock | null };

/**
 * The advisory-lock key of a job lock: the first 8 bytes of a SHA-256 of a fixed prefix and the
 * name, as a signed 64-bit integer (PostgreSQL's bigint). Stable across hosts, versions and
 * processes (no hashtext(), whose output PostgreSQL does not promise to keep); the prefix keeps it
 * apart from other users of advisory locks in the same database.
 */
export function jobLockKey(name: string): bigint {
  const digest = createHash('sha256').update(`cfa-console job lock\0${name}`).digest();
  return digest.readBigInt64BE(0);
}

/**
 * How pg_locks shows a bigint advisory lock: the high half in `classid`, the low half in `objid`
 * (both unsigned), `objsubid` 1.
 */
export function advisoryLockParts(key: bigint): { classid: number; objid: number } {
  const unsigned = BigInt.asUintN(64, key);
  return { classid: Number(unsigned >> 32n), objid: Number(unsigned & 0xffff_ffffn) };
}

/** Servers whose `locks` schema this process has brought up to date (each lock has a pool of its own, so migrateOnce's per-pool memo would not do). */
const migrated = new Set<string>();

/** How long a refused taker looks for the row of a holder that took the lock a moment ago. */
const ROW_WAIT_MS = 1000;
/**
 * Server-side TCP keepalive of the lock's connection: a holder whose host is lost (no FIN ever
 * comes) is noticed after about idle + interval x count seconds, and its lock freed.
 */
const KEEPALIVE = { idle: 10, interval: 5, count: 3 };

/**
 * Takes the lock `name` for `me`, on a connection of its own that stays open until release().
 * Refused (taken: false) while a live holder has it; a holder that is `me` (this very process run,
 * as with ops.db's locks) is let through with a release that leaves the outer hold alone, unless
 * it has the same holder ID: that is `me` taking a lost lock again while the server still lists
 * the old session (refused, naming `me`, until that session has ended).
 * Throws a StoreError naming the server (masked) and the lock when PostgreSQL cannot be reached.
 * `onLost` is told, once, if the connection ends while the lock is held (the server restarted,
 * the network failed, an operator terminated it): from then on another host can take the lock.
 */
export async function takeJobLock(url: string, name: string, me: JobLockHolder, onLost?: (message: string) => void): Promise<TakeOutcome> {
  const pool = openPgPool(url, { size: 1, applicationName: `cfa-console ${name} lock` });
  let client: PgClient | null = null;
  let kept = false;
  try {
    if (!migrated.has(url)) {
      await migratePg(pool, JOB_LOCKS_SCHEMA, JOB_LOCK_MIGRATIONS);
      migrated.add(url);
    }
    client = await pool.connect();
    // A checked-out client that loses its server emits 'error': without a listener that would kill the job.
    client.on('error', () => {});
    await client.query(`SET tcp_keepalives_idle = ${KEEPALIVE.idle}; SET tcp_keepalives_interval = ${KEEPALIVE.interval}; SET tcp_keepalives_count = ${KEEPALIVE.count}`);
    const key = jobLockKey(name).toString();
    // The lock and the row in one statement: the row is written only by the session that got the lock.
    const { rows } = await client.query<{ ok: boolean }>(
      `WITH got AS (SELECT pg_try_advisory_lock($1::bigint) AS ok),
       wrote AS (
         INSERT INTO ${TABLE} (name, holder_id, host, pid, start_ticks, backend_pid, acquired_at)
         SELECT $2, $3, $4, $5, $6, pg_backend_pid(), (extract(epoch FROM clock_timestamp()) * 1000)::bigint FROM got WHERE ok
         ON CONFLICT (name) DO UPDATE SET holder_id = EXCLUDED.holder_id, host = EXCLUDED.host, pid = EXCLUDED.pid,
           start_ticks = EXCLUDED.start_ticks, backend_pid = EXCLUDED.backend_pid, acquired_at = EXCLUDED.acquired_at
         RETURNING 1)
       SELECT ok FROM got, (SELECT count(*) FROM wrote) AS written`,
      [key, name, me.holderId, me.host, me.pid, me.startTicks]);
    if (!rows[0]?.ok) {
      const holder = await liveHolder(client, name);
      // Our own holder ID is not a nested hold but our lost session, not yet ended by the server: refused until it is.
      if (holder && holder.holderId !== me.holderId && holder.host === me.host && holder.pid === me.pid && holder.startTicks === me.startTicks) {
        return { taken: true, release: async () => {} };
      }
      return { taken: false, holder };
    }
    kept = true;
    const held = client;
    let releasing = false;
    const lost = (error?: Error) => {
      if (releasing) return;
      releasing = true;
      const reason = error ? ` (${redactUrlPasswords(error.message)})` : '';
      onLost?.(`the connection that holds the ${name} lock in PostgreSQL at ${shownUrl(url)} was lost${reason}; another host can start ${name} now`);
    };
    held.on('error', lost);
    held.on('end', () => lost());
    return {
      taken: true,
      release: async () => {
        releasing = true;
        try {
          await held.query(`DELETE FROM ${TABLE} WHERE name = $1 AND holder_id = $2`, [name, me.holderId]);
          await held.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
        } catch {
          // The connection is gone: so is the advisory lock, and the row is overwritten by the next taker.
        } finally {
          held.release(true);
          await pool.end().catch(() => {});
        }
      },
    };
  } catch (error) {
    // Whatever went wrong, the next taker checks the schema again (the database may have been recreated).
    migrated.delete(url);
    const e = describePgError(url, error);
    throw new StoreError(`${e.message}; the ${name} lock is kept there for every host, and ${name} does not run without it`, e.code, { cause: error });
  } finally {
    if (!kept) {
      client?.release(true);
      await pool.end().catch(() => {});
    }
  }
}

interface HolderRow { holder_id: string; host: string; pid: number; start_ticks: number | null; acquired_at: number; live: boolean }

/**
 * The holder of `name` as its row says, if the backend that wrote the row holds the advisory lock
 * now. A holder that got the lock a moment ago commits its row a moment later: until then the row
 * is missing or a dead holder's, so it is looked for again for up to ROW_WAIT_MS.
 */
async function liveHolder(client: PgClient, name: string): Promise<HeldJobLock | null> {
  const { classid, objid } = advisoryLockParts(jobLockKey(name));
  const deadline = Date.now() + ROW_WAIT_MS;
  for (;;) {
    const { rows } = await client.query<HolderRow>(
      `SELECT j.holder_id, j.host, j.pid, j.start_ticks, j.acquired_at,
              EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.pid = j.backend_pid
                        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                        AND l.classid = $2::bigint::oid AND l.objid = $3::bigint::oid AND l.objsubid = 1) AS live
       FROM ${TABLE} j WHERE j.name = $1`, [name, classid, objid]);
    const r = rows[0];
    if (r?.live) return { holderId: r.holder_id, host: r.host, pid: r.pid, startTicks: r.start_ticks, acquiredAt: r.acquired_at };
    if (Date.now() >= deadline) return null;
    await sleep(50);
  }
}
