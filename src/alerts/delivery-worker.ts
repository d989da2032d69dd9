import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { exponentialBackoffMs } from '../common/backoff.js';
import { isAlive, processStartTicks } from '../engine/process-identity.js';
import type { Db } from '../store/sqlite.js';
import type { Channel } from './channels/channel.js';
import type { Channels } from './channels/resolve.js';
import { silentLogger, systemClock, type AlertLogger, type Clock } from './clock.js';
import { Outbox, type OutboxRow } from './outbox.js';
import { nextAllowedAt, pruneSends } from './rate-limit.js';
import { scrub } from './secrets.js';
import type { ChannelName } from './types.js';

/**
 * Sends what the outbox holds. Per channel the queue is first in, first out (a PagerDuty resolve
 * never overtakes its trigger): the head waits for its retry time, the channel's rate limits and
 * any Retry-After the service gave; a storm is gathered for `groupWaitMs` and sent as one
 * message (as many as the channel's size limit needs), so nothing is dropped. A row is claimed
 * before it is sent and marked delivered right after a 2xx.
 */

export interface DeliveryWorkerOptions {
  db: Db;
  channels: Channels;
  logger?: AlertLogger;
  clock?: Clock;
  groupWaitMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How often the outbox is looked at when nothing is due (other processes write to it too). */
  pollMs?: number;
  /** How long a claim holds; a dead claimer on this host is taken over at once. */
  claimTtlMs?: number;
  /**
   * Asked right before a message is sent, with its outbox rows (the engine's leader records the
   * delivery under its epoch in PostgreSQL); false: nothing is sent, the rows are released for
   * whoever leads. Absent: no question.
   */
  admit?: (channel: ChannelName, outbox: number[]) => Promise<boolean>;
}

export interface DrainResult {
  delivered: number;
  givenUp: number;
  /** Still waiting on configured channels when the drain stopped. */
  remaining: number;
  /** Rows waiting for channels not configured in this process (left for one that has them). */
  unroutable: { channel: ChannelName; rows: number }[];
}

const HOST = os.hostname();

/** `host|pid|startTicks|nonce`: who holds a claim, so a dead holder on this host is recognised. */
function claimerId(): string {
  return `${HOST}|${process.pid}|${processStartTicks(process.pid) ?? ''}|${randomUUID().slice(0, 8)}`;
}

export function claimIsFree(claimedBy: string, claimedUntil: number, now: number): boolean {
  if (claimedUntil <= now) return true;
  const [host, pid, ticks] = claimedBy.split('|');
  if (host !== HOST || !pid) return false;
  return !isAlive({ pid: Number(pid), startTicks: ticks ? Number(ticks) : null });
}

export class DeliveryWorker {
  readonly id = claimerId();
  private readonly outbox: Outbox;
  private readonly logger: AlertLogger;
  private readonly clock: Clock;
  private readonly sent = new Map<ChannelName, number[]>();
  private readonly blockedUntil = new Map<ChannelName, number>();
  private wake = new AbortController();
  private loop: Promise<void> | null = null;
  private stopped = false;
  private totals = { delivered: 0, givenUp: 0 };

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.outbox = new Outbox(options.db);
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
  }

  private get pollMs(): number {
    return this.options.pollMs ?? 1000;
  }

  /** Delivers in the background until stop(). */
  start(): void {
    if (this.loop) return;
    this.stopped = false;
    this.loop = (async () => {
      while (!this.stopped) {
        let next: number | null = null;
        try {
          next = await this.pass();
        } catch (error) {
          this.logger.error({ error: (error as Error).message }, 'alert delivery pass failed');
        }
        if (this.stopped) break;
        const now = this.clock.now();
        const wait = next === null ? this.pollMs : Math.min(Math.max(0, next - now), this.pollMs);
        await this.clock.sleep(wait, this.wake.signal);
        if (this.wake.signal.aborted) this.wake = new AbortController();
      }
    })();
  }

  /** Wakes the loop now: new rows were just written. */
  kick(): void {
    this.wake.abort();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.kick();
    await this.loop;
    this.loop = null;
  }

  /**
   * One look at every channel with work: sends at most one message per channel (in parallel
   * across channels). Returns when something may be sent next, or null when nothing waits.
   */
  async pass(): Promise<number | null> {
    const now = this.clock.now();
    const results = await Promise.all(this.outbox.channelsWithWork().map((name) => {
      const channel = this.options.channels.get(name);
      // Rows for a channel this process does not have (its secret only in another process's
      // environment) are left for a worker that has it, never dropped.
      return channel ? this.serve(channel, now) : Promise.resolve(null);
    }));
    const times = results.filter((t): t is number => t !== null);
    return times.length ? Math.min(...times) : null;
  }

  private limiterNext(channel: Channel, now: number): number {
    const sent = pruneSends(this.sent.get(channel.name) ?? [], channel.limits, now);
    this.sent.set(channel.name, sent);
    return Math.max(nextAllowedAt(sent, channel.limits, now), this.blockedUntil.get(channel.name) ?? 0);
  }

  private async serve(channel: Channel, now: number): Promise<number | null> {
    const queue = this.outbox.queue(channel.name, 500);
    const head = queue[0];
    if (!head) return null;
    let due = Math.max(head.nextAttemptAt, this.limiterNext(channel, now));
    // A storm is gathered first; a test message is someone waiting at a terminal.
    if (channel.groups && head.kind !== 'test') due = Math.max(due, head.createdAt + this.options.groupWaitMs);
    if (head.claimedBy && head.claimedBy !== this.id && head.claimedUntil !== null && !claimIsFree(head.claimedBy, head.claimedUntil, now)) {
      due = Math.max(due, head.claimedUntil);
    }
    if (due > now) return due;

    // Alerts are grouped with alerts; a digest or a test message goes alone, with its own title.
    const standalone = (r: OutboxRow) => r.kind === 'digest' || r.kind === 'test';
    const ready: OutboxRow[] = [];
    for (const row of queue) {
      if (row.nextAttemptAt > now || (ready.length > 0 && (standalone(row) || standalone(head)))) break;
      ready.push(row);
    }
    const size = channel.groups ? channel.batchSize(ready.map((r) => r.payload)) : 1;
    const wanted = ready.slice(0, Math.max(1, size));
    const claimed = new Set(this.outbox.claim(wanted.map((r) => r.id), this.id, now + (this.options.claimTtlMs ?? 60_000), now, claimIsFree));
    // Only the unbroken run from the head: order is kept even when another worker holds a row.
    const batch: OutboxRow[] = [];
    for (const row of wanted) {
      if (!claimed.has(row.id)) break;
      batch.push(row);
    }
    const notBatched = wanted.filter((r) => claimed.has(r.id) && !batch.includes(r)).map((r) => r.id);
    if (notBatched.length) this.outbox.release(notBatched, this.id);
    if (batch.length === 0) return now + this.pollMs;

    const ids = batch.map((r) => r.id);
    if (this.options.admit && !(await this.options.admit(channel.name, ids).catch(() => false))) {
      this.outbox.release(ids, this.id);
      return now + this.pollMs;
    }
    // The attempt counts against the limit whatever its outcome: the service saw it.
    this.sent.get(channel.name)!.push(now);
    let result;
    try {
      result = await channel.send(batch.map((r) => r.payload));
    } catch (error) {
      result = { ok: false as const, error: scrub((error as Error).message ?? 'send failed', channel.secrets) };
    }
    const after = this.clock.now();
    if (result.ok) {
      this.outbox.markDelivered(ids, after);
      this.totals.delivered += ids.length;
      this.logger.info({ channel: channel.name, outbox: ids, kinds: [...new Set(batch.map((r) => r.kind))] }, 'alert notification delivered');
      return after;
    }
    const rateLimited = result.retryAfterMs !== undefined || result.error.startsWith('HTTP 429');
    const wait = result.retryAfterMs ?? exponentialBackoffMs(head.attempts + 1, this.options.backoffBaseMs, this.options.backoffMaxMs);
    const nextAttemptAt = after + wait;
    if (rateLimited) this.blockedUntil.set(channel.name, nextAttemptAt);
    const givenUp = this.outbox.markFailed(ids, {
      error: result.error, nextAttemptAt, now: after, maxAttempts: this.options.maxAttempts, keepTrying: rateLimited,
    });
    this.logger.warn({ channel: channel.name, outbox: ids, attempt: head.attempts + 1, error: result.error, retryInMs: wait },
      rateLimited ? 'alert channel asked to slow down' : 'alert notification not delivered; will retry');
    if (givenUp.length) {
      this.totals.givenUp += givenUp.length;
      this.logger.error({ channel: channel.name, outbox: givenUp, attempts: this.options.maxAttempts, error: result.error },
        'alert notification given up after its last attempt (kept in the outbox; see `cfa-console alerts`)');
    }
    return nextAttemptAt;
  }

  /**
   * Delivers until nothing is left, waiting for limits and retries, for at most `maxWaitMs` in
   * all: what is left then stays in the outbox for the engine's worker.
   */
  async drain(options: { maxWaitMs?: number } = {}): Promise<DrainResult> {
    const deadline = this.clock.now() + (options.maxWaitMs ?? 60_000);
    const before = { ...this.totals };
    for (;;) {
      const next = await this.pass();
      const now = this.clock.now();
      const waiting = this.outbox.channelsWithWork().filter((c) => this.options.channels.has(c));
      if (waiting.length === 0) break;
      const at = next ?? now + this.pollMs;
      if (at > deadline) break;
      await this.clock.sleep(Math.max(0, at - now));
    }
    const stats = this.outbox.stats();
    return {
      delivered: this.totals.delivered - before.delivered,
      givenUp: this.totals.givenUp - before.givenUp,
      remaining: stats.filter((s) => this.options.channels.has(s.channel)).reduce((n, s) => n + s.pending, 0),
      unroutable: stats.filter((s) => !this.options.channels.has(s.channel) && s.pending > 0).map((s) => ({ channel: s.channel, rows: s.pending })),
    };
  }
}
