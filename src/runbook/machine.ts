/**
 * The step machine: a run of one runbook as plain values. `apply(decl, state, event)` is the only
 * way a run changes; `nextAction(decl, state)` says what the runner (or the console's wizard) must
 * do next. No I/O, no clock: every event carries its time. The state is JSON, persisted in the
 * incident after every event, so a run resumes after a crash where it stopped; a step that had
 * started but whose result is unknown is checked with its `alreadyDone` probe first.
 */
import type { RunbookDecl, StepDecl, StepResult } from './types.js';

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

export interface StepRun {
  state: StepState;
  /** Times the step was started (retries and re-runs count). */
  attempts: number;
  result: StepResult | null;
  startedAt: number | null;
  endedAt: number | null;
  /** Started but the run died before its result was known: check `alreadyDone` before running it again. */
  unknown?: boolean;
  /** Why it was skipped, or `already done` when alreadyDone found its effect there. */
  note?: string;
}

export type RunOutcome =
  | { kind: 'resolved'; at: number }
  | { kind: 'escalated'; at: number; reason: string; stepId: string | null }
  | { kind: 'aborted'; at: number; reason: string }
  | { kind: 'handover'; at: number; to: string; stepId: string };

export interface SteadyStateCheck {
  passed: boolean;
  at: number;
  /** Each probe's result, in the runbook's order. */
  results: StepResult[];
}

export interface RunState {
  runbookId: string;
  /** Every step of the runbook, by id. */
  steps: Record<string, StepRun>;
  /** The step to run (or running) now; null before the first and after the last. */
  current: string | null;
  /** Where the run is: checking steady state first, walking the steps, checking it after, finished. */
  phase: 'before' | 'steps' | 'after' | 'finished';
  before: SteadyStateCheck | null;
  after: SteadyStateCheck | null;
  outcome: RunOutcome | null;
  /** Published values: every key of every result, as `<stepId>.<key>` and bare. */
  facts: Record<string, unknown>;
  /** Step ids in the order they were entered (the timeline's skeleton, the loop guard). */
  path: string[];
  /** Who works the run now (`user@host`), as the last take-over said. */
  workedBy: string | null;
  /** Runbooks that handed over to this one (`runbook:<id>`), the first one first. */
  from?: string[];
}

export type MachineEvent =
  | { type: 'steady-state'; at: number; passed: boolean; results: StepResult[] }
  | { type: 'step-started'; at: number; stepId: string }
  | { type: 'step-result'; at: number; stepId: string; result: StepResult }
  /** The run died while the step ran: its outcome is not known (set by `resume`). */
  | { type: 'step-unknown'; stepId: string }
  /** The `alreadyDone` probe of a step whose result was unknown: done means its effect is there. */
  | { type: 'already-done'; at: number; stepId: string; done: boolean; result: StepResult }
  | { type: 'skip'; at: number; stepId: string; reason: string }
  | { type: 'abort'; at: number; reason: string }
  /** Runs a failed step again (by hand), reopening an escalated run. */
  | { type: 'retry'; at: number; stepId: string }
  | { type: 'take-over'; at: number; by: string };

export type NextAction =
  | { kind: 'check-before' }
  | { kind: 'run'; stepId: string }
  /** The step's result is unknown: run its `alreadyDone` probe (or, without one, run it again with consent). */
  | { kind: 'check-done'; stepId: string }
  | { kind: 'check-after' }
  | { kind: 'handover'; to: string }
  | { kind: 'finished'; outcome: RunOutcome };

/** An event that does not fit the run (an unknown step, a skip where the runbook forbids it). */
export class MachineError extends Error {}

/** More step starts than this in one run is a loop of gotos: the run escalates. */
export const MAX_STEP_STARTS = 200;

export const RUNBOOK_PREFIX = 'runbook:';

export function initialState(decl: RunbookDecl): RunState {
  if (decl.steps.length === 0) throw new MachineError(`runbook ${decl.id} has no steps`);
  const steps: Record<string, StepRun> = {};
  for (const s of decl.steps) {
    if (steps[s.id]) throw new MachineError(`runbook ${decl.id} declares step ${s.id} twice; step ids must be unique`);
    steps[s.id] = { state: 'pending', attempts: 0, result: null, startedAt: null, endedAt: null };
  }
  return { runbookId: decl.id, steps, current: null, phase: 'before', before: null, after: null, outcome: null, facts: {}, path: [], workedBy: null };
}

function stepOf(decl: RunbookDecl, id: string): StepDecl {
  const step = decl.steps.find((s) => s.id === id);
  if (!step) throw new MachineError(`runbook ${decl.id} has no step ${id}; its steps are ${decl.steps.map((s) => s.id).join(', ')}`);
  return step;
}

/** A step that looks and reports (probe, decide, note): its `ok` false is a finding, not a failure. */
export function isFinding(step: StepDecl): boolean {
  return step.kind === 'probe' || step.kind === 'decide' || step.kind === 'note';
}

/** Mutating or destructive: needs consent and, after a crash, an alreadyDone check. */
export function isMutating(step: StepDecl): boolean {
  return step.risk === 'mutate' || step.risk === 'destructive';
}

function clone(state: RunState): RunState {
  return structuredClone(state);
}

/** Every key of the result, as `<stepId>.<key>` and bare (a later step's value replaces an earlier one's). */
function publish(step: StepDecl, result: StepResult, facts: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(result.data)) {
    facts[`${step.id}.${key}`] = value;
    facts[key] = value;
  }
}

/** Moves to a target (`step id`, `runbook:<id>`, `escalate`) or, with null, to the step after `from`. */
function go(decl: RunbookDecl, s: RunState, target: string | null, from: string, at: number, reason: string): void {
  if (target === null) {
    // An escalate step is entered by a goto (a branch, onFail) only: the flow passes over it.
    const index = decl.steps.findIndex((x) => x.id === from);
    const following = decl.steps.slice(index + 1).find((x) => x.kind !== 'escalate');
    enter(decl, s, following ? following.id : null, at);
    return;
  }
  if (target === 'escalate') {
    finish(s, { kind: 'escalated', at, reason, stepId: from });
    return;
  }
  if (target.startsWith(RUNBOOK_PREFIX)) {
    s.current = null;
    finish(s, { kind: 'handover', at, to: target.slice(RUNBOOK_PREFIX.length), stepId: from });
    return;
  }
  stepOf(decl, target);
  enter(decl, s, target, at);
}

function enter(decl: RunbookDecl, s: RunState, id: string | null, at: number): void {
  if (id === null) {
    s.current = null;
    s.phase = 'after';
    return;
  }
  const step = stepOf(decl, id);
  const run = s.steps[id]!;
  // Entering a step again (a goto back) starts it afresh; its attempts keep counting.
  if (run.state !== 'pending') Object.assign(run, { state: 'pending', result: null, startedAt: null, endedAt: null, unknown: false, note: undefined });
  s.current = step.id;
  s.path.push(step.id);
  if (s.path.length > MAX_STEP_STARTS) finish(s, { kind: 'escalated', at, reason: `more than ${MAX_STEP_STARTS} steps entered: the runbook loops`, stepId: id });
}

function finish(s: RunState, outcome: RunOutcome): void {
  s.outcome = outcome;
  s.phase = 'finished';
  s.current = null;
}

/** The first branch whose test passes, or undefined. A throwing test counts as not passing. */
function branchFor(step: StepDecl, result: StepResult, facts: Readonly<Record<string, unknown>>): string | undefined {
  for (const b of step.next ?? []) {
    let passes = false;
    try { passes = b.test(result, facts); } catch { passes = false; }
    if (passes) return b.goto;
  }
  return undefined;
}

function settle(decl: RunbookDecl, s: RunState, step: StepDecl, result: StepResult, at: number): void {
  const run = s.steps[step.id]!;
  run.result = result;
  run.endedAt = at;
  run.unknown = false;
  publish(step, result, s.facts);
  // An escalate step ends the run: its page is the last thing the runbook does.
  if (step.kind === 'escalate') {
    run.state = result.ok ? 'done' : 'failed';
    // The reason names what led here (the step that went to the page), then the page itself.
    const before = s.path.length > 1 ? s.path[s.path.length - 2]! : null;
    const cause = before && before !== step.id ? s.steps[before]?.result : null;
    finish(s, { kind: 'escalated', at, reason: cause ? `${before}: ${cause.summary}; ${result.summary}` : result.summary, stepId: step.id });
    return;
  }
  const branch = branchFor(step, result, s.facts);
  if (branch !== undefined) {
    run.state = 'done';
    go(decl, s, branch, step.id, at, result.summary);
    return;
  }
  // A probe that finds the thing unhealthy has done its job (the next steps fix it); only an
  // action, a wait-until or a confirm fails, or a probe whose runbook declares what its failure means.
  if (result.ok || (isFinding(step) && !step.onFail)) {
    run.state = 'done';
    go(decl, s, null, step.id, at, result.summary);
    return;
  }
  const retries = step.onFail?.retry ?? 0;
  if (run.attempts <= retries) {
    // Another attempt of the same step.
    run.state = 'pending';
    return;
  }
  run.state = 'failed';
  go(decl, s, step.onFail?.goto ?? 'escalate', step.id, at, `${step.title}: ${result.summary}`);
}

/** The run after one event. Throws MachineError for an event that does not fit the state. */
export function apply(decl: RunbookDecl, state: RunState, event: MachineEvent): RunState {
  if (state.runbookId !== decl.id) throw new MachineError(`the run is of runbook ${state.runbookId}, not ${decl.id}`);
  const s = clone(state);
  switch (event.type) {
    case 'steady-state': {
      const check = { passed: event.passed, at: event.at, results: event.results };
      if (s.phase === 'before') {
        s.before = check;
        s.phase = 'steps';
        enter(decl, s, decl.steps[0]!.id, event.at);
      } else if (s.phase === 'after') {
        s.after = check;
        finish(s, event.passed
          ? { kind: 'resolved', at: event.at }
          : { kind: 'escalated', at: event.at, reason: `steady state not reached: ${event.results.filter((r) => !r.ok).map((r) => r.summary).join('; ')}`, stepId: null });
      } else {
        throw new MachineError(`a steady-state check does not fit now (the run is ${s.phase})`);
      }
      return s;
    }
    case 'step-started': {
      expectCurrent(s, event.stepId, 'start');
      const run = s.steps[event.stepId]!;
      if (run.state !== 'pending') throw new MachineError(`step ${event.stepId} is ${run.state}; only a pending step starts`);
      Object.assign(run, { state: 'running', attempts: run.attempts + 1, startedAt: event.at, endedAt: null, result: null, unknown: false });
      return s;
    }
    case 'step-result': {
      expectCurrent(s, event.stepId, 'finish');
      const run = s.steps[event.stepId]!;
      if (run.state !== 'running') throw new MachineError(`step ${event.stepId} is ${run.state}; only a running step has a result`);
      settle(decl, s, stepOf(decl, event.stepId), event.result, event.at);
      return s;
    }
    case 'step-unknown': {
      const run = s.steps[event.stepId];
      if (!run || run.state !== 'running') return s;
      run.unknown = true;
      return s;
    }
    case 'already-done': {
      expectCurrent(s, event.stepId, 'check');
      const run = s.steps[event.stepId]!;
      if (!run.unknown) throw new MachineError(`step ${event.stepId} has a known result; nothing to check`);
      if (event.done) {
        run.note = 'already done';
        settle(decl, s, stepOf(decl, event.stepId), { ...event.result, ok: true }, event.at);
      } else {
        // Not there: the step runs again (with consent again, when it mutates).
        Object.assign(run, { state: 'pending', unknown: false, result: null, startedAt: null });
      }
      return s;
    }
    case 'skip': {
      expectCurrent(s, event.stepId, 'skip');
      const step = stepOf(decl, event.stepId);
      if (!step.skippable) throw new MachineError(`step ${step.id} (${step.title}) may not be skipped: the runbook does not allow it`);
      const run = s.steps[step.id]!;
      if (run.state === 'running' && !run.unknown) throw new MachineError(`step ${step.id} is running; abort it or wait for its result`);
      Object.assign(run, { state: 'skipped', endedAt: event.at, note: event.reason, unknown: false });
      go(decl, s, null, step.id, event.at, event.reason);
      return s;
    }
    case 'abort': {
      if (s.phase === 'finished' && s.outcome?.kind !== 'escalated') throw new MachineError('the run has finished; nothing to abort');
      const run = s.current ? s.steps[s.current] : undefined;
      if (run && run.state === 'running') Object.assign(run, { state: 'failed', endedAt: event.at, note: 'aborted' });
      s.current = null;
      finish(s, { kind: 'aborted', at: event.at, reason: event.reason });
      return s;
    }
    case 'retry': {
      const run = s.steps[event.stepId];
      stepOf(decl, event.stepId);
      if (!run || run.state !== 'failed') throw new MachineError(`step ${event.stepId} is ${run?.state ?? 'unknown'}; only a failed step is retried`);
      if (s.phase === 'finished' && s.outcome?.kind !== 'escalated') throw new MachineError(`the run ended ${s.outcome?.kind}; only an escalated run is retried`);
      s.outcome = null;
      s.after = null;
      s.phase = 'steps';
      enter(decl, s, event.stepId, event.at);
      return s;
    }
    case 'take-over':
      s.workedBy = event.by;
      return s;
  }
}

function expectCurrent(s: RunState, stepId: string, verb: string): void {
  if (s.phase !== 'steps' || s.current !== stepId) {
    throw new MachineError(`cannot ${verb} step ${stepId}: ${s.phase === 'steps' ? `the current step is ${s.current}` : `the run is ${s.phase === 'finished' ? 'finished' : `in its ${s.phase} check`}`}`);
  }
}

/** What to do next. */
export function nextAction(decl: RunbookDecl, s: RunState): NextAction {
  if (s.phase === 'before') return { kind: 'check-before' };
  if (s.phase === 'after') return { kind: 'check-after' };
  if (s.phase === 'finished') {
    const outcome = s.outcome!;
    return outcome.kind === 'handover' ? { kind: 'handover', to: outcome.to } : { kind: 'finished', outcome };
  }
  const id = s.current!;
  stepOf(decl, id);
  const run = s.steps[id]!;
  if (run.state === 'running') {
    if (run.unknown) return { kind: 'check-done', stepId: id };
    throw new MachineError(`step ${id} is running; wait for its result`);
  }
  return { kind: 'run', stepId: id };
}

/**
 * A persisted run picked up again by a new process: a step left running has an unknown result
 * (the process that ran it died), so it is checked before anything runs again.
 */
export function resume(state: RunState): RunState {
  if (state.phase !== 'steps' || !state.current) return state;
  const run = state.steps[state.current];
  if (!run || run.state !== 'running') return state;
  const s = clone(state);
  s.steps[state.current]!.unknown = true;
  return s;
}

/** "step k of n" for the wizard: the current step's place in the declaration. */
export function stepPosition(decl: RunbookDecl, s: RunState): { index: number; total: number } {
  const index = s.current ? decl.steps.findIndex((x) => x.id === s.current) + 1 : (s.phase === 'before' ? 0 : decl.steps.length);
  return { index, total: decl.steps.length };
}
