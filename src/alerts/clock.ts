/**
 * Time for the worker and the evaluator. Production uses the system clock; tests pass a manual
 * one whose `sleep` moves time forward at once, so limits measured in seconds and minutes are
 * proven in milliseconds of real time and nothing asserts on wall time.
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  }),
};

/** A clock that only moves when someone sleeps on it (or calls `advance`). */
export class ManualClock implements Clock {
  constructor(private time: number) {}

  now(): number {
    return this.time;
  }

  advance(ms: number): void {
    this.time += Math.max(0, ms);
  }

  async sleep(ms: number): Promise<void> {
    this.advance(ms);
    // Let I/O callbacks run, as a real sleep would.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The minimal logger the alerting modules write to (a pino logger fits). */
export interface AlertLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: AlertLogger = { debug() {}, info() {}, warn() {}, error() {} };
