/**
 * The runbook contract: what a file in `runbooks/` declares, and what a step gives back. A runbook
 * is data plus calls into the step library (src/runbook/library/, over src/ops): no SQL, no HTTP,
 * no process handling in `runbooks/`. The step machine (src/runbook/machine.ts) walks these
 * declarations as plain values; the runner does the I/O and writes the incident's timeline.
 */
import type { ActionPlan } from '../common/plan.js';
import type { RuleId } from '../config/sections/alerts.js';
import type { RunContext } from '../ops/context.js';

/**
 * A `probe`, `decide` or `note` whose result is not ok is a finding, not a failure: the run goes
 * on unless a branch or its `onFail` says otherwise. An `escalate` step pages and ends the run;
 * it is entered by a goto only (a branch or `onFail`), and the steps before it pass over it.
 */
export type StepKind = 'note' | 'probe' | 'action' | 'confirm' | 'decide' | 'wait-until' | 'escalate';

/** read: looks only; mutate: changes state that can be changed back; destructive: replaces or deletes data. */
export type Risk = 'read' | 'mutate' | 'destructive';

/** What a step found or did, kept in the timeline and offered to later steps and the report. */
export interface StepResult {
  /** The step reached what it is for (a probe: the thing checked is healthy; an action: done). */
  ok: boolean;
  /** One line for the wizard, the timeline and the report. */
  summary: string;
  /**
   * Values for later steps, branches and the report (JSON). The report reads two keys: `rootCause`
   * (one of the runbook's `rootCauses`: ticked) and, in a steady-state probe's result,
   * `missingCandles` (a number: the data loss measured before and after). A wait-until step reads
   * `checkAgainAt` (epoch ms): when the answer can change, if sooner than its next regular look.
   */
  data: Record<string, unknown>;
  /** Lines of output worth keeping (log lines, integrity_check's first lines, diagnostics). */
  output?: string[];
}

/** The run as a step sees it: the operations' context, the incident, and what earlier steps published. */
export interface StepContext extends RunContext {
  incidentId: number | null;
  /** The alert that opened the runbook, when one did. */
  alert: { id: number; rule: string; labels: Record<string, string>; summary: string } | null;
  /** Values published by earlier steps, by key (`<stepId>.<key>` and the bare key). */
  facts: Readonly<Record<string, unknown>>;
  /** True under `--dry-run`: read steps run, mutating steps only show their plan. */
  dryRun: boolean;
}

/**
 * One call into the step library: a stable name and arguments for display, the JSON output and
 * `runbook show`, and the function that does it. Built by the library's factories
 * (e.g. `checks.integrity()`, `actions.restartDaemon()`), never by hand in a runbook.
 */
export interface StepCall {
  name: string;
  args: Record<string, unknown>;
  run(ctx: StepContext): Promise<StepResult>;
  /** A mutating call's plan with real numbers, shown before consent and under --dry-run. */
  plan?(ctx: StepContext): Promise<ActionPlan>;
}

/** A branch on a step's result: the first whose test passes chooses the next step. */
export interface Branch {
  /** In words, for `runbook show` and the report ("the store is sound"). */
  when: string;
  test(result: StepResult, facts: Readonly<Record<string, unknown>>): boolean;
  /** A step id of this runbook, or `runbook:<id>` to hand over to another runbook. */
  goto: string;
}

/**
 * A root cause a step's result points to: the first whose test passes is recorded with the step
 * (`rootCause` in its timeline entry) and the report ticks it. `cause` is one of the runbook's
 * `rootCauses`.
 */
export interface CauseRule {
  /** In words, for `runbook show` ("the store is damaged"). */
  when: string;
  test(result: StepResult, facts: Readonly<Record<string, unknown>>): boolean;
  cause: string;
}

export interface OnFail {
  /** Attempts after the first before the failure stands (default 0). */
  retry?: number;
  /** Where to go when it still fails: a step id, `runbook:<id>`, or `escalate` (the default). */
  goto?: string;
}

export interface StepDecl {
  /** Stable: the resume point and the timeline key. */
  id: string;
  kind: StepKind;
  title: string;
  /** Why this step, shown beside it in the wizard (a sentence or two). */
  why: string;
  /** Default `read`. A `mutate` or `destructive` step needs consent (the wizard, `--yes`, a drill's script). */
  risk?: Risk;
  /** What it runs; a `note` has none, a `confirm` may show only a plan. */
  call?: StepCall;
  /**
   * For mutating steps: a read-only check that the step's effect is already there (so a step
   * re-run after a crash or reconnect never restores twice). `ok` true means done: skip it.
   */
  alreadyDone?: StepCall;
  /** Keys of `result.data` offered to later steps and the report. */
  publishes?: string[];
  onFail?: OnFail;
  next?: Branch[];
  /** What this step's result says about the root cause (the report ticks it). */
  causes?: CauseRule[];
  /** The wizard's `s` is allowed here (recorded in the timeline). */
  skippable?: boolean;
  /** A destructive step asks to type this word in the console (default: the plan's confirmWord). */
  confirmWord?: string;
  /** wait-until: repeat `call` every `everyMs` until ok or `timeoutMs` passed. */
  wait?: { timeoutMs: number; everyMs: number };
}

/** The seeds' escalation path: who is paged at which level, through the alert outbox. */
export interface EscalationLevel {
  level: 'L1' | 'L2' | 'L3';
  who: string;
  /** How long L-1 works on it before this level is paged, e.g. "30m". */
  after: string;
}

export interface RunbookDecl {
  id: string;
  title: string;
  /** One paragraph: when this runbook is the right one. */
  summary: string;
  /** The alert rules whose firing opens it. */
  opensOn: readonly RuleId[];
  /** "Fixed" means these pass: the alert's own probe and threshold. Checked before and after. */
  steadyState: readonly StepCall[];
  steps: readonly StepDecl[];
  escalation: readonly EscalationLevel[];
  /** The seeds mark some runbooks automatic (the leader runs them when the alert fires); config `runbooks.auto` overrides. */
  automatic: boolean;
  /** The seeds' target time to resolve, e.g. "2m" (daemon died), "15m" (stale data). */
  targetTime: string;
  /** Root causes a report may tick. */
  rootCauses: readonly string[];
  /** Its game-day drill (`cfa-console drill`): absent, the runbook is not drilled. */
  drill?: DrillDecl;
}

/**
 * What a drill's fault sees: the sandbox (never the real data dir), the simulator playing the
 * exchange there, and a StepContext over the sandbox so a fault may use the step library's checks.
 */
export interface DrillContext {
  /** The sandbox's data dir (a fresh temporary directory). */
  dataDir: string;
  /** The sandbox's config file. */
  configPath: string;
  /** The in-process simulator: faults such as a ban or a 5xx storm are set on it. */
  simulator: import('../exchange/simulator/index.js').SimulatorHandle;
  /** The operations' context over the sandbox (consent: the drill's script). */
  step: StepContext;
  /** Where a fault keeps what its revert needs (a hanging daemon's PID, a file's saved bytes). */
  memo: Record<string, unknown>;
  /**
   * Stops the sandbox's engine and starts it again, waiting until it leads: what a person does
   * after editing the config, which a running engine reads only at its start.
   */
  restartEngine?: () => Promise<void>;
  /** The sandbox's stand-ins for the sentiment sources (with `sandbox.sentiment`). */
  sentiment?: {
    fearGreed: import('../exchange/simulator/index.js').FearGreedStandIn;
    fred: import('../exchange/simulator/index.js').FredStandIn;
  };
}

/** One call into the fault library (src/runbook/drill/faults.ts): a name and arguments for display, the work. */
export interface FaultCall {
  name: string;
  args: Record<string, unknown>;
  /** One line saying what was done (for the drill report). */
  run(ctx: DrillContext): Promise<string>;
}

/**
 * A runbook's game-day drill: a real fault in a sandbox, the alert it must raise through the real
 * rules, and how to take the fault back if the runbook did not (a drill never leaves it behind).
 */
export interface DrillDecl {
  /** One sentence: what is broken, for `drill list`. */
  summary: string;
  /** The alert rule that must fire (one of the runbook's `opensOn`). */
  expects: RuleId;
  inject: FaultCall;
  /** Undoes what the runbook may not have; run after the runbook, whatever its outcome. */
  revert?: FaultCall;
  /** Extra sandbox config for this drill (merged over the sandbox's own), e.g. a shorter `for`. */
  config?: Record<string, unknown>;
  /** Also compare the sandbox's store with the simulator's closed candles at the end. */
  checksCandles?: boolean;
  /**
   * What the runbook must do with this fault (default `resolved`: reach steady state). `escalated`:
   * the fault is one only a person can fix in the sandbox, and the drill rehearses the page.
   */
  outcome?: 'resolved' | 'escalated';
  /** What the drill's sandbox needs beyond the default. */
  sandbox?: {
    /**
     * The sandbox's data dir on a tmpfs of this size (e.g. "64m"): a small disk a fault can fill.
     * Needs root; where it cannot be mounted the drill is skipped and says why.
     */
    smallDisk?: string;
    /** Sentiment sources: the simulator's Binance data, stand-ins for fear & greed and FRED, seeded by a first run. */
    sentiment?: boolean;
    /**
     * The fault is one of a SQLite file (market.db's pages, its WAL, a Litestream replica): the
     * sandbox's store is market.db even on an install whose store is PostgreSQL, and the drill
     * says so with these words, e.g. "the fault is a damaged SQLite file".
     */
    sqliteOnly?: string;
  };
  /**
   * The drill's script plays the person on call where the runbook leaves a step to a person (a
   * note such as "free space by hand"): when the run reaches `atStep`, `does` runs.
   */
  person?: { atStep: string; does: FaultCall };
}
