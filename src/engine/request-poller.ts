import type { Db } from '../store/sqlite.js';
import { claimNextRequest, failOrphanedRequests, finishRequest, type Handler, type LeaderRequest, type RequestArgs, type RequestKind } from './requests.js';

/** What a handler reports: `done` or `failed`, with a JSON result for the asker. */
export interface RequestOutcome {
  ok: boolean;
  result: Record<string, unknown>;
}

export type RequestHandlers = { [K in RequestKind]: (args: RequestArgs<K>, request: LeaderRequest<K>) => Promise<RequestOutcome> };

export interface RequestPollerOptions {
  db: Db;
  handler: Handler;
  handlers: RequestHandlers;
  /** Default 1 s. */
  pollMs?: number;
  onHandled?: (request: LeaderRequest, outcome: RequestOutcome) => void;
  onError?: (error: unknown) => void;
}

/**
 * The leader's side of the request table: every `pollMs` it claims what is pending and runs it.
 * Daemon actions run one after another (a restart and a pause must not interleave); job runs go
 * on concurrently (the per-job lock keeps one run per job).
 */
export class RequestPoller {
  private timer: NodeJS.Timeout | undefined;
  private daemonQueue: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly options: RequestPollerOptions) {}

  start(): void {
    this.stopped = false;
    try {
      const orphans = failOrphanedRequests(this.options.db, this.options.handler.holderId);
      if (orphans.length) this.options.onError?.(new Error(`requests ${orphans.map((id) => `#${id}`).join(', ')} were left running by a previous leader: marked failed`));
    } catch (error) {
      this.options.onError?.(error);
    }
    this.poll();
    this.timer = setInterval(() => this.poll(), this.options.pollMs ?? 1000);
  }

  /** Stops claiming; what is already running finishes and is recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inFlight]);
  }

  poll(): void {
    if (this.stopped) return;
    try {
      for (let request = this.claim(); request; request = this.claim()) this.dispatch(request);
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  private claim(): LeaderRequest | null {
    return this.stopped ? null : claimNextRequest(this.options.db, this.options.handler);
  }

  private dispatch(request: LeaderRequest): void {
    const run = async () => {
      let outcome: RequestOutcome;
      try {
        const handle = this.options.handlers[request.kind] as (args: unknown, request: LeaderRequest) => Promise<RequestOutcome>;
        outcome = await handle(request.args, request);
      } catch (error) {
        outcome = { ok: false, result: { error: (error as Error)?.message ?? String(error) } };
      }
      try {
        finishRequest(this.options.db, request.id, this.options.handler.holderId, outcome.ok ? 'done' : 'failed', outcome.result);
        this.options.onHandled?.(request, outcome);
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
