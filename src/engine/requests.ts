import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { readJsonObject } from '../store/json-column.js';
import type { Db } from '../store/sqlite.js';
import { holderIsGone, readLease, type LeaseHolder } from './leadership.js';

/**
 * Owns the `requests` table of ops.db: what any process asks the leader to do (restart, pause or
 * resume the supervised daemon, run a job), and what came of it. A follower submits and polls;
 * the leader claims (pending -> running, one statement) and records the result (done or failed).
 * A request nobody took up before its expiry is `expired` and never runs later.
 */

export const REQUEST_KINDS = ['daemon.restart', 'daemon.pause', 'daemon.resume', 'job.run'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export interface RequestArgsByKind {
  'daemon.restart': { reason?: string; /** Which supervised process: `backtest` (default) or `litestream`. */ name?: string };
  'daemon.pause': { reason?: string; /** Which supervised process: `backtest` (default) or `litestream`. */ name?: string };
  'daemon.resume': { reason?: string; /** Which supervised process: `backtest` (default) or `litestream`. */ name?: string };
  /** The job's operation options (default: its declared ones) and who asked for the run. */
  'job.run': { job: string; options?: Record<string, unknown>; trigger?: 'manual' | 'runbook' };
}
export type RequestArgs<K extends RequestKind = RequestKind> = RequestArgsByKind[K];

export const REQUEST_STATES = ['pending', 'running', 'done', 'failed', 'expired'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export interface Requester {
  pid: number;
  host: string;
  user: string | null;
}

export interface Handler {
  /** The leader's lease holder id. */
  holderId: string;
  pid: number;
  host: string;
  /** The epoch the leader claimed it under (requests in PostgreSQL); absent in ops.db. */
  epoch?: number;
}

export interface LeaderRequest<K extends RequestKind = RequestKind> {
  id: number;
  kind: K;
  args: RequestArgs<K>;
  requestedBy: Requester;
  requestedAt: number;
  expiresAt: number;
  state: RequestState;
  result: Record<string, unknown> | null;
  handledBy: Handler | null;
  /** When the leader claimed it. */
  handledAt: number | null;
  finishedAt: number | null;
}

// --- pure parts -------------------------------------------------------------------------------

const TRANSITIONS: Record<RequestState, readonly RequestState[]> = {
  pending: ['running', 'expired'],
  // A leader that died mid-request leaves it running: its successor marks it failed.
  running: ['done', 'failed'],
  done: [],
  failed: [],
  expired: [],
};

export function canTransition(from: RequestState, to: RequestState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws naming both states when `from -> to` is not a move a request can make. */
export function assertTransition(from: RequestState, to: RequestState): void {
  if (!canTransition(from, to)) {
    const allowed = TRANSITIONS[from];
    throw new Error(`a request cannot go from ${from} to ${to} (from ${from}: ${allowed.length ? allowed.join(' or ') : 'nothing, it is final'})`);
  }
}

export function isFinal(state: RequestState): boolean {
  return TRANSITIONS[state].length === 0;
}

/** A pending request whose time ran out before any leader claimed it. */
export function isExpired(request: { state: RequestState; expiresAt: number }, now: number): boolean {
  return request.state === 'pending' && now >= request.expiresAt;
}

/** Checks a kind and its arguments (from JSON, a CLI or a runbook), naming what is wrong. */
export function parseRequest<K extends RequestKind>(kind: string, args: unknown): { kind: K; args: RequestArgs<K> } {
  if (!(REQUEST_KINDS as readonly string[]).includes(kind)) {
    throw new Error(`unknown request kind ${JSON.stringify(kind)} (known: ${REQUEST_KINDS.join(', ')})`);
  }
  const value = args ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`the arguments of a ${kind} request must be an object, not ${JSON.stringify(value)}`);
  }
  const record = value as Record<string, unknown>;
  if (record.reason !== undefined && typeof record.reason !== 'string') {
    throw new Error(`the reason of a ${kind} request must be a string, not ${JSON.stringify(record.reason)}`);
  }
  if (kind === 'job.run' && (typeof record.job !== 'string' || record.job === '')) {
    throw new Error(`a job.run request needs the job's name as args.job (got ${JSON.stringify(record.job)})`);
  }
  if (kind === 'job.run' && record.options !== undefined && (record.options === null || typeof record.options !== 'object' || Array.isArray(record.options))) {
    throw new Error(`the options of a job.run request must be an object, not ${JSON.stringify(record.options)}`);
  }
  if (kind === 'job.run' && record.trigger !== undefined && record.trigger !== 'manual' && record.trigger !== 'runbook') {
    throw new Error(`the trigger of a job.run request must be "manual" or "runbook", not ${JSON.stringify(record.trigger)}`);
  }
  return { kind: kind as K, args: record as RequestArgs<K> };
}

// --- errors -----------------------------------------------------------------------------------

/** No live leader holds the lease: nobody would take the request up. */
export class NoLeaderError extends Error {
  readonly exitCode = 1;
  constructor(readonly lease: LeaseHolder | null, detail?: string) {
    super(`no engine leader is running${lease ? ` (the last one, PID ${lease.pid} on ${lease.host}, is gone)` : ''}${detail ? `: ${detail}` : ''}; ` +
      'start `cfa-console --daemon` or open the console, then ask again');
  }
}

/** The request ran out of time: unclaimed (expired) or still running when the caller gave up. */
export class RequestTimeoutError extends Error {
  readonly exitCode = 124;
  constructor(readonly request: LeaderRequest, waitedMs: number, where = 'ops.db') {
    super(request.state === 'running'
      ? `request #${request.id} (${request.kind}) is still running on the leader (PID ${request.handledBy?.pid} on ${request.handledBy?.host}) after ${Math.round(waitedMs / 1000)} s; its result will be recorded in ${where} when it ends`
      : `request #${request.id} (${request.kind}) expired unhandled after ${Math.round(waitedMs / 1000)} s: the leader did not take it up (is it busy or stuck? see \`cfa-console status\`)`);
  }
}

// --- the table --------------------------------------------------------------------------------

/** A row of a requests table: JSON as text (ops.db) or as parsed JSONB (PostgreSQL, which also has the epoch). */
export interface RequestRow {
  id: number; kind: RequestKind; args: string | Record<string, unknown>; requested_by_pid: number; requested_by_host: string; requested_by_user: string | null;
  requested_at: number; expires_at: number; state: RequestState; result: string | Record<string, unknown> | null; handled_by: string | null;
  handled_by_pid: number | null; handled_by_host: string | null; handled_epoch?: number | null; handled_at: number | null; finished_at: number | null;
}
type Row = RequestRow;

const jsonObject = (value: string | Record<string, unknown> | null): Record<string, unknown> | null => (typeof value === 'string' ? readJsonObject(value) : value);

export function requestFromRow(row: RequestRow): LeaderRequest {
  return {
    id: row.id, kind: row.kind, args: (jsonObject(row.args) ?? {}) as RequestArgs,
    requestedBy: { pid: row.requested_by_pid, host: row.requested_by_host, user: row.requested_by_user },
    requestedAt: row.requested_at, expiresAt: row.expires_at, state: row.state, result: jsonObject(row.result),
    handledBy: row.handled_by === null ? null : {
      holderId: row.handled_by, pid: row.handled_by_pid ?? 0, host: row.handled_by_host ?? '?',
      ...(row.handled_epoch === null || row.handled_epoch === undefined ? {} : { epoch: row.handled_epoch }),
    },
    handledAt: row.handled_at, finishedAt: row.finished_at,
  };
}
const fromRow = requestFromRow;

export function thisRequester(): Requester {
  let user: string | null = null;
  try { user = os.userInfo().username; } catch { /* no passwd entry (containers) */ }
  return { pid: process.pid, host: os.hostname(), user };
}

/** The lease holder when it is alive, else null. */
export function liveLeader(db: Db, now = Date.now()): LeaseHolder | null {
  const lease = readLease(db);
  return lease && !holderIsGone(lease, now) ? lease : null;
}

export interface SubmitOptions {
  now?: number;
  /** How long the request may wait unclaimed (default 60 s). */
  ttlMs?: number;
  requester?: Requester;
  /** Refuse with NoLeaderError when no live leader holds the lease (default true). */
  requireLeader?: boolean;
}

export function getRequest(db: Db, id: number): LeaderRequest | null {
  const row = db.prepare('SELECT * FROM requests WHERE id = ?').get(id) as Row | undefined;
  return row ? fromRow(row) : null;
}

/** Records a request for the leader; throws NoLeaderError when there is nobody to take it up. */
export function submitRequest<K extends RequestKind>(db: Db, kind: K, args: RequestArgs<K>, options: SubmitOptions = {}): LeaderRequest<K> {
  const parsed = parseRequest<K>(kind, args);
  const now = options.now ?? Date.now();
  if (options.requireLeader !== false) {
    const lease = readLease(db);
    if (!lease || holderIsGone(lease, now)) throw new NoLeaderError(lease);
  }
  return insertRequest(db, parsed.kind, parsed.args, options.requester ?? thisRequester(), now, options.ttlMs ?? DEFAULT_TTL_MS);
}

const DEFAULT_TTL_MS = 60_000;

function insertRequest<K extends RequestKind>(db: Db, kind: K, args: RequestArgs<K>, by: Requester, now: number, ttlMs: number): LeaderRequest<K> {
  const id = Number(db.prepare(`
    INSERT INTO requests (kind, args, requested_by_pid, requested_by_host, requested_by_user, requested_at, expires_at, state)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')`,
  ).run(kind, JSON.stringify(args), by.pid, by.host, by.user, now, now + ttlMs).lastInsertRowid);
  return getRequest(db, id) as LeaderRequest<K>;
}

/** Marks pending requests past their expiry `expired`; returns how many. */
export function expirePending(db: Db, now = Date.now()): number {
  return db.prepare(`UPDATE requests SET state = 'expired', finished_at = ? WHERE state = 'pending' AND expires_at <= ?`).run(now, now).changes;
}

/**
 * The leader takes the oldest pending request: expired ones are marked first, then one row moves
 * pending -> running in a single UPDATE, so two leaders (a takeover) never both claim it.
 */
export function claimNextRequest(db: Db, handler: Handler, now = Date.now()): LeaderRequest | null {
  // Cheap when idle: one indexed lookup and nothing written.
  if (db.prepare(`SELECT 1 FROM requests WHERE state = 'pending' LIMIT 1`).get() === undefined) return null;
  return db.transaction(() => {
    expirePending(db, now);
    const row = db.prepare(`
      UPDATE requests SET state = 'running', handled_by = ?, handled_by_pid = ?, handled_by_host = ?, handled_at = ?
      WHERE id = (SELECT id FROM requests WHERE state = 'pending' ORDER BY id LIMIT 1) AND state = 'pending'
      RETURNING *`,
    ).get(handler.holderId, handler.pid, handler.host, now) as Row | undefined;
    return row ? fromRow(row) : null;
  }).immediate();
}

/** Records the outcome of a request this handler claimed. */
export function finishRequest(db: Db, id: number, handlerId: string, state: 'done' | 'failed', result: Record<string, unknown>, now = Date.now()): void {
  const current = getRequest(db, id);
  if (!current) throw new Error(`no request #${id} in ops.db`);
  assertTransition(current.state, state);
  db.prepare(`UPDATE requests SET state = ?, result = ?, finished_at = ? WHERE id = ? AND state = 'running' AND handled_by = ?`)
    .run(state, JSON.stringify(result), now, id, handlerId);
}

/**
 * Requests left `running` by another (dead or deposed) leader: marked failed, since nobody will
 * finish them. Called by a leader when it takes over; returns their ids.
 */
export function failOrphanedRequests(db: Db, currentHolderId: string, now = Date.now()): number[] {
  const rows = db.prepare(`SELECT id, handled_by_pid, handled_by_host FROM requests WHERE state = 'running' AND handled_by IS NOT ?`)
    .all(currentHolderId) as { id: number; handled_by_pid: number | null; handled_by_host: string | null }[];
  const update = db.prepare(`UPDATE requests SET state = 'failed', result = ?, finished_at = ? WHERE id = ? AND state = 'running'`);
  for (const r of rows) {
    update.run(JSON.stringify({ error: `the leader handling it (PID ${r.handled_by_pid} on ${r.handled_by_host}) went away before it finished; ask again` }), now, r.id);
  }
  return rows.map((r) => r.id);
}

export function listRequests(db: Db, options: { limit?: number } = {}): LeaderRequest[] {
  return (db.prepare('SELECT * FROM requests ORDER BY id DESC LIMIT ?').all(options.limit ?? 50) as Row[]).map(fromRow);
}

/** Deletes finished requests older than `olderThan`; pending and running ones are kept. */
export function pruneRequests(db: Db, olderThan: number): number {
  return db.prepare(`DELETE FROM requests WHERE requested_at < ? AND state IN ('done', 'failed', 'expired')`).run(olderThan).changes;
}

export interface WaitOptions {
  timeoutMs: number;
  /** Default 200 ms. */
  pollMs?: number;
  /** How long the lease may stay without a live holder before giving up (default 5 s: a takeover). */
  leaderGraceMs?: number;
  signal?: AbortSignal;
}

/**
 * Where a requester's requests go and how it finds the leader: this host's ops.db
 * (opsDbChannel), or PostgreSQL shared by all hosts (src/engine/shared-requests.ts).
 */
export interface RequestChannel {
  /** Where the requests are kept, for messages: `ops.db` or `PostgreSQL`. */
  readonly where: string;
  /** This host's name as the leader knows hosts (engine.host); thisRequester()'s otherwise. */
  readonly host?: string;
  /** The lease as it stands, and whether its holder is alive now. */
  lease(): Promise<{ holder: LeaseHolder | null; live: boolean }>;
  insert<K extends RequestKind>(kind: K, args: RequestArgs<K>, by: Requester, ttlMs: number): Promise<LeaderRequest<K>>;
  get(id: number): Promise<LeaderRequest | null>;
  /** Marks a request expired if it is still pending (it then never runs). */
  expire(id: number): Promise<void>;
}

/** This host's ops.db as a request channel: reaches a leader on this host only. */
export function opsDbChannel(db: Db): RequestChannel {
  return {
    where: 'ops.db',
    lease: async () => {
      const holder = readLease(db);
      return { holder, live: holder !== null && !holderIsGone(holder, Date.now()) };
    },
    insert: async (kind, args, by, ttlMs) => insertRequest(db, kind, args, by, Date.now(), ttlMs),
    get: async (id) => getRequest(db, id),
    expire: async (id) => expire(db, id, Date.now()),
  };
}

/** Records a request through `channel`; throws NoLeaderError when there is nobody to take it up. */
export async function submitVia<K extends RequestKind>(channel: RequestChannel, kind: K, args: RequestArgs<K>, options: Omit<SubmitOptions, 'now'> = {}): Promise<LeaderRequest<K>> {
  const parsed = parseRequest<K>(kind, args);
  if (options.requireLeader !== false) {
    const { holder, live } = await channel.lease();
    if (!live) throw new NoLeaderError(holder);
  }
  const by = options.requester ?? { ...thisRequester(), ...(channel.host ? { host: channel.host } : {}) };
  return channel.insert(parsed.kind, parsed.args, by, options.ttlMs ?? DEFAULT_TTL_MS);
}

/**
 * Polls until the request is done or failed, and returns it. Throws RequestTimeoutError when it
 * is still pending (then marked expired, so it never runs later) or running at the timeout, and
 * NoLeaderError when no live leader holds the lease for `leaderGraceMs` while it is pending.
 */
export async function waitVia(channel: RequestChannel, id: number, options: WaitOptions): Promise<LeaderRequest> {
  const pollMs = options.pollMs ?? 200;
  const graceMs = options.leaderGraceMs ?? 5000;
  const started = Date.now();
  let leaderlessSince: number | null = null;
  for (;;) {
    options.signal?.throwIfAborted();
    const now = Date.now();
    const request = await channel.get(id);
    if (!request) throw new Error(`no request #${id} in ${channel.where} (pruned?)`);
    if (request.state === 'done' || request.state === 'failed') return request;
    if (request.state === 'expired') throw new RequestTimeoutError(request, now - started, channel.where);
    if (request.state === 'pending') {
      const { holder, live } = await channel.lease();
      if (live) {
        leaderlessSince = null;
      } else {
        leaderlessSince ??= now;
        if (now - leaderlessSince >= graceMs) {
          await channel.expire(id);
          throw new NoLeaderError(holder, `request #${id} (${request.kind}) was not taken up`);
        }
      }
    }
    if (now - started >= options.timeoutMs) {
      if (request.state === 'pending') await channel.expire(id);
      throw new RequestTimeoutError((await channel.get(id)) ?? request, now - started, channel.where);
    }
    await sleep(Math.min(pollMs, Math.max(1, options.timeoutMs - (now - started))));
  }
}

/** Submits a request through `channel` and waits for its result (see submitVia and waitVia). */
export async function askVia<K extends RequestKind>(channel: RequestChannel, kind: K, args: RequestArgs<K>, options: WaitOptions & Omit<SubmitOptions, 'ttlMs' | 'now'>): Promise<LeaderRequest<K>> {
  const request = await submitVia(channel, kind, args, { ...options, ttlMs: options.timeoutMs });
  return await waitVia(channel, request.id, options) as LeaderRequest<K>;
}

/** waitVia on this host's ops.db. */
export function waitForRequest(db: Db, id: number, options: WaitOptions): Promise<LeaderRequest> {
  return waitVia(opsDbChannel(db), id, options);
}

function expire(db: Db, id: number, now: number): void {
  db.prepare(`UPDATE requests SET state = 'expired', finished_at = ? WHERE id = ? AND state = 'pending'`).run(now, id);
}

/** askVia on this host's ops.db. */
export function askLeader<K extends RequestKind>(db: Db, kind: K, args: RequestArgs<K>, options: WaitOptions & Omit<SubmitOptions, 'ttlMs'>): Promise<LeaderRequest<K>> {
  return askVia(opsDbChannel(db), kind, args, options);
}
