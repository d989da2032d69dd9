/**
 * The step log of restore, recover and compact: each step with its status, how long it took and
 * what it found, printed as it ends (a line for people, a JSON line for scripts) and stored with
 * the recovery in ops.db.
 */
export type StepStatus = 'ok' | 'warn' | 'failed' | 'skipped';

export interface StepRecord {
  step: string;
  status: StepStatus;
  ms: number;
  detail: string;
}

export class StepLog {
  readonly steps: StepRecord[] = [];

  constructor(private readonly onStep: (step: StepRecord) => void = () => {}) {}

  add(step: string, status: StepStatus, detail: string, ms = 0): StepRecord {
    const record = { step, status, ms: Math.round(ms), detail };
    this.steps.push(record);
    this.onStep(record);
    return record;
  }

  /**
   * Runs one step; `describe` turns its result into the detail (and may downgrade it to a warning).
   * A throw is recorded as a failed step and rethrown.
   */
  async run<T>(step: string, fn: () => T | Promise<T>, describe: (result: T) => string | { status: StepStatus; detail: string } = () => ''): Promise<T> {
    const t0 = performance.now();
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      this.add(step, 'failed', (error as Error).message ?? String(error), performance.now() - t0);
      throw error;
    }
    const d = describe(result);
    if (typeof d === 'string') this.add(step, 'ok', d, performance.now() - t0);
    else this.add(step, d.status, d.detail, performance.now() - t0);
    return result;
  }

  totalMs(filter: (s: StepRecord) => boolean = () => true): number {
    return this.steps.filter(filter).reduce((n, s) => n + s.ms, 0);
  }
}

/** A step that failed has been logged already: the flow stops without logging it twice. */
export class StepFailed extends Error {}
