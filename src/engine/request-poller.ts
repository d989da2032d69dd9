import type { Db } from '../store/sqlite.js';
import { claimNextRequest, failOrphanedRequests, finishRequest, type Handler, type LeaderRequest, type RequestArgs, type RequestKind } from './requests.js';

/** What a handler reports: `done` or `failed`, with a JSON result for the asker. */
export interface RequestOutcome {
  ok: boolean;
  result: Record<string, unknown>;
}

export type RequestHandlers = { [K in RequestKind]: (args: RequestArgs<K>, request: LeaderRequest<K>) => Promise<RequestOutcome> };

/**
 * The leader's side of one requests table: this host's ops.db (opsDbQueue), or the one in
 * PostgreSQL that every host asks through (src/engine/shared-requests.ts).
 */
export interface RequestQueue {
  /** Where its requests are kept, for logs: `ops.db` or `PostgreSQL` (ids are per table). */
  readonly where: string;
  /** Fails the requests a previous leader left running; returns their ids. */
  failOrphans(): Promise<number[]>;
  /** The oldest pending request, now claimed by this leader; null when none waits. */
  claimNext(): Promise<LeaderRequest | null>;
  /** Records the outcome of a request this leader claimed. */
  finish(request: LeaderRequest, state: 'done' | 'failed', result: Record<string, unknown>): Promise<void>;
}

/** ops.db's `requests` table as the leader's queue. */
export function opsDbQueue(db: Db, handler: Handler): RequestQueue {
  return {
    where: 'ops.db',
    failOrphans: async () => failOrphanedRequests(db, handler.holderId),
    claimNext: async () => claimNextRequest(db, handler),
    finish: async (request, state, result) => finishRequest(db, request.id, handler.holderId, state, result),
  };
}

export interface RequestPollerOptions {
  /** This host's ops.db: its requests are always taken up (a restore on this host asks there). */
  db: Db;
  handler: Handler;
  handlers: RequestHandlers;
  /** store.backend postgres: the requests of every host, taken up as well. */
  shared?: RequestQueue;
  /** Default 1 s. */
  pollMs?: number;
  onHandled?: (request: LeaderRequest, outcome: RequestOutcome, where: string) => void;
  onError?: (error: unknown) => void;
}

/**
 * The leader's side of the request tables: every `pollMs` it claims what is pending and runs it.
 * Daemon actions run one after another (a restart and a pause must not interleave), whichever
 * table they came from; job runs go on concurrently (the per-job lock keeps one run per job).
 */
export class RequestPoller {
  private timer: NodeJS.Timeout | undefined;
  private daemonQueue: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly queues: RequestQueue[];
  /** The orphans are failed before the first claim; a poll while one runs is skipped. */
  private polling: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: RequestPollerOptions) {
    this.queues = [opsDbQueue(options.db, options.handler), ...(options.shared ? [options.shared] : [])];
  }

  start(): void {
    this.stopped = false;
    this.polling = this.failOrphans().then(() => this.pollAll()).finally(() => { this.polling = null; });
    this.timer = setInterval(() => this.poll(), this.options.pollMs ?? 1000);
  }

  /** Stops claiming; what is already running finishes and is recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
    await Promise.allSettled([...this.inFlight]);
  }

  poll(): void {
    if (this.stopped || this.polling) return;
    this.polling = this.pollAll().finally(() => { this.polling = null; });
  }

  private async failOrphans(): Promise<void> {
    for (const queue of this.queues) {
      try {
        const orphans = await queue.failOrphans();
        if (orphans.length) this.options.onError?.(new Error(`requests ${orphans.map((id) => `#${id}`).join(', ')} in ${queue.where} were left running by a previous leader: marked failed`));
      } catch (error) {
        this.options.onError?.(error);
      }
    }
  }

  private async pollAll(): Promise<void> {
    for (const queue of this.queues) {
      try {
        for (let request = await this.claim(queue); request; request = await this.claim(queue)) this.dispatch(queue, request);
      } catch (error) {
        this.options.onError?.(error);
      }
    }
  }

  private claim(queue: RequestQueue): Promise<LeaderRequest | null> | null {
    return this.stopped ? null : queue.claimNext();
  }

  private dispatch(queue: RequestQueue, request: LeaderRequest): void {
    const run = async () => {
      let outcome: RequestOutcome;
      try {
        const handle = this.options.handlers[request.kind] as (args: unknown, request: LeaderRequest) => Promise<RequestOutcome>;
        outcome = await handle(request.args, request);
      } catch (error) {
        outcome = { ok: false, result: { error: (error as Error)?.message ?? String(error) } };
      }
      try {
        await queue.finish(request, outcome.ok ? 'done' : 'failed', outcome.result);
        this.options.onHandled?.(request, outcome, queue.where);
      } catch (error) {
        this.options.onError?.(error);
      }
    };
    let work: Promise<void>;
    if (request.kind.startsWith('daemon.')) {
      work = this.daemonQueue = this.daemonQueue.then(run);
    } else {
      work = run();
    }
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }
}
