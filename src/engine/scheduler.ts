import { scheduleJob, type Job } from 'node-schedule';
import { ConfigError } from '../config/config-error.js';
import { durationMs, type Config } from '../config/schema.js';
import type { Db } from '../store/sqlite.js';
import type { JobDefinition } from './job-definition.js';
import { claimSlot, jobStates, lastSlot, setNextRun } from './run-history.js';
import { catchUpSlot, latestSlot, nextSlot, validateCron } from './schedule-math.js';

export interface ScheduledJob {
  name: string;
  /** UTC cron; null for a job that only runs on demand. */
  cron: string | null;
  catchUpWindowMs: number;
  enabled: boolean;
  /** The jobs whose first success a due run of this one waits for (JobDefinition.after). */
  after?: readonly string[];
}

export interface ResolvedJob extends ScheduledJob {
  timeoutMs: number;
}

export type DueTrigger = 'schedule' | 'catch-up';

export interface SchedulerOptions {
  jobs: readonly ScheduledJob[];
  db: Db;
  /** The clock for slot arithmetic (tests); node-schedule's timers always follow the real one. */
  now?: () => number;
  /** Called once per slot claimed by this scheduler; running the job is the caller's business. */
  onDue(job: string, slot: number, trigger: DueTrigger): void;
  /** A throwing onDue must not stop the schedule; default: a process warning. */
  onError?(job: string, error: unknown): void;
  /** Told when a due run starts to wait (once per job until it runs). */
  onHeld?(job: string, waitingFor: string[]): void;
  /** Whether a job has ever succeeded; default: job_state of `db` (run-history.ts). */
  hasSucceeded?(job: string): boolean;
  /**
   * Where slots are claimed when it is not `db`'s job_state: the fenced claims in PostgreSQL
   * shared by hosts (pg-leadership.ts). Asynchronous; a claim the database refuses runs nothing.
   */
  claims?: SlotClaims;
}

/** Schedule slots claimed in a store shared by leaders on several hosts. */
export interface SlotClaims {
  lastSlot(job: string): Promise<number | null>;
  /** True only for the one leader that claimed the slot. */
  claim(job: string, slot: number): Promise<boolean>;
}

/** A due run held back until the jobs it follows have succeeded once. */
export interface HeldRun {
  job: string;
  slot: number;
  trigger: DueTrigger;
  waitingFor: string[];
}

const DEFAULT_CATCH_UP = '6h';

/**
 * Each job's effective settings: its declared defaults under the `jobs.<name>` overrides of the
 * config. Throws a ConfigError naming the key and value for a bad cron or an unknown job.
 */
export function resolveSchedule(jobs: readonly JobDefinition[], overrides: Config['jobs']): ResolvedJob[] {
  const known = new Set(jobs.map((j) => j.name));
  for (const name of Object.keys(overrides)) {
    // A typo here would silently leave the intended job on its defaults (or enabled).
    if (!known.has(name)) throw new ConfigError(`jobs.${name}: no such job (known: ${[...known].join(', ')})`);
  }
  for (const job of jobs) {
    for (const before of job.after ?? []) {
      if (!known.has(before) || before === job.name) throw new Error(`job ${job.name}: after names ${JSON.stringify(before)}, which is ${before === job.name ? 'the job itself' : `no job (known: ${[...known].join(', ')})`}`);
    }
  }
  return jobs.map((job) => {
    const o = overrides[job.name] ?? {};
    const cron = o.schedule ?? job.schedule ?? null;
    if (cron !== null) {
      try {
        validateCron(cron);
      } catch (error) {
        const key = o.schedule !== undefined ? `jobs.${job.name}.schedule` : `the default schedule of job ${job.name}`;
        throw new ConfigError(`${key} = ${JSON.stringify(cron)}: ${(error as Error).message}`);
      }
    }
    return {
      name: job.name,
      cron,
      enabled: o.enabled ?? true,
      ...(job.after?.length ? { after: [...job.after] } : {}),
      catchUpWindowMs: durationMs(o.catchUpWindow ?? job.catchUpWindow ?? DEFAULT_CATCH_UP),
      timeoutMs: durationMs(o.timeout ?? job.timeout),
    };
  });
}

type Armed = ScheduledJob & { cron: string };

/**
 * Fires each enabled job at its UTC cron slots while this process leads. A slot is claimed in
 * ops.db before onDue, so among leaders old and new it is due once at most; a fire after a clock
 * jump or a stall yields the newest slot only.
 */
export class Scheduler {
  readonly #handles = new Map<string, Job>();
  /** Per job, the newest slot known to be claimed: lets replayed fires end without a write. */
  readonly #claimed = new Map<string, number>();
  /** Per job, the newest due run that waits for the jobs it follows. */
  readonly #held = new Map<string, HeldRun>();
  readonly #now: () => number;
  #started = false;

  constructor(private readonly options: SchedulerOptions) {
    this.#now = options.now ?? Date.now;
    for (const job of options.jobs) {
      if (job.cron === null) continue;
      try {
        validateCron(job.cron);
      } catch (error) {
        throw new Error(`job ${job.name}: ${(error as Error).message}`);
      }
    }
  }

  private get active(): Armed[] {
    return this.options.jobs.filter((j): j is Armed => j.enabled && j.cron !== null);
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    // Catch-up first: a slot it claims is then never claimed again by the first fire.
    for (const job of this.active) this.catchUp(job);
    for (const job of this.options.jobs) {
      if (job.enabled && job.cron !== null) this.arm(job as Armed);
      else setNextRun(this.options.db, job.name, null);
    }
  }

  stop(): void {
    for (const handle of this.#handles.values()) handle.cancel();
    this.#handles.clear();
    this.#held.clear();
    this.#started = false;
  }

  /** The due runs waiting for the first success of the jobs they follow. */
  held(): HeldRun[] {
    return [...this.#held.values()];
  }

  /**
   * Runs what was held for jobs that have now succeeded. The engine calls it when a run ends;
   * each fire calls it too, so a success recorded by another process is seen within a slot.
   */
  release(): void {
    for (const held of [...this.#held.values()]) {
      const job = this.active.find((j) => j.name === held.job);
      if (!job) {
        this.#held.delete(held.job);
        continue;
      }
      if (this.waitingFor(job).length > 0) continue;
      this.#held.delete(held.job);
      this.claimAndRun(job, held.slot, held.trigger);
    }
  }

  /** The enabled jobs this one follows that have never succeeded. */
  private waitingFor(job: ScheduledJob): string[] {
    const succeeded = this.options.hasSucceeded ?? ((name: string) => jobStates(this.options.db).some((s) => s.job === name && s.lastSuccessAt !== null));
    return (job.after ?? []).filter((name) => {
      const before = this.options.jobs.find((j) => j.name === name);
      return before !== undefined && before.enabled && !succeeded(name);
    });
  }

  nextRuns(): { job: string; at: number }[] {
    return this.active.flatMap((job) => {
      const at = this.nextAt(job);
      return at === null ? [] : [{ job: job.name, at }];
    });
  }

  private catchUp(job: Armed): void {
    const { claims } = this.options;
    if (claims) {
      // Asynchronous: a fire that claims a newer slot first makes this claim lose, as it should.
      claims.lastSlot(job.name).then((last) => {
        if (!this.#started) return;
        const slot = catchUpSlot({ cron: job.cron, lastSlot: last, now: this.#now(), windowMs: job.catchUpWindowMs });
        if (slot !== null) this.claimAndRun(job, slot, 'catch-up');
      }, (error: unknown) => this.reportError(job.name, error));
      return;
    }
    const slot = catchUpSlot({ cron: job.cron, lastSlot: lastSlot(this.options.db, job.name), now: this.#now(), windowMs: job.catchUpWindowMs });
    if (slot !== null) this.claimAndRun(job, slot, 'catch-up');
  }

  private arm(job: Armed): void {
    // Anonymous: node-schedule's registry is global, and two schedulers may run in one process.
    const handle = scheduleJob({ rule: job.cron, tz: 'Etc/UTC' }, () => this.fire(job));
    if (handle) this.#handles.set(job.name, handle);
    setNextRun(this.options.db, job.name, this.nextAt(job));
  }

  private fire(job: Armed): void {
    const handle = this.#handles.get(job.name);
    if (!handle) return;
    // node-schedule steps from the previous fire date, so after a clock jump or a stalled loop it
    // would replay every missed slot back to back; restart it from now instead.
    const pending = handle.nextInvocation();
    if (pending && pending.getTime() <= Date.now()) {
      handle.cancel();
      this.#handles.delete(job.name);
      this.arm(job);
    } else {
      setNextRun(this.options.db, job.name, this.nextAt(job));
    }
    const slot = latestSlot(job.cron, this.#now());
    if (slot !== null) this.claimAndRun(job, slot, 'schedule');
    this.release();
  }

  private claimAndRun(job: Armed, slot: number, trigger: DueTrigger): void {
    if (slot <= (this.#claimed.get(job.name) ?? 0)) return;
    const waitingFor = this.waitingFor(job);
    if (waitingFor.length > 0) {
      // Unclaimed, so the newest due run is the one that runs once they have succeeded.
      const held = this.#held.get(job.name);
      if (!held || slot > held.slot) this.#held.set(job.name, { job: job.name, slot, trigger, waitingFor });
      if (!held) this.options.onHeld?.(job.name, waitingFor);
      return;
    }
    this.#claimed.set(job.name, slot);
    const { claims } = this.options;
    if (claims) {
      claims.claim(job.name, slot).then((claimed) => {
        // Stopped meanwhile (leadership lost): the claim, if it was granted, is this epoch's last.
        if (claimed && this.#started) this.due(job.name, slot, trigger);
      }, (error: unknown) => this.reportError(job.name, error));
      return;
    }
    // False: another leader claimed this slot or a newer one.
    if (!claimSlot(this.options.db, job.name, slot)) return;
    this.due(job.name, slot, trigger);
  }

  private due(job: string, slot: number, trigger: DueTrigger): void {
    try {
      this.options.onDue(job, slot, trigger);
    } catch (error) {
      this.reportError(job, error);
    }
  }

  private reportError(job: string, error: unknown): void {
    if (this.options.onError) this.options.onError(job, error);
    else process.emitWarning(`scheduler: ${job}: ${(error as Error).message}`);
  }

  private nextAt(job: Armed): number | null {
    const pending = this.#handles.get(job.name)?.nextInvocation();
    return pending ? pending.getTime() : nextSlot(job.cron, this.#now());
  }
}
