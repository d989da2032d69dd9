/**
 * Runs a runbook: the steady state before, the steps through the step machine (consent for every
 * mutating step through `ctx.confirm(plan)`, `alreadyDone` first after a crash, wait-until loops,
 * escalation pages, `runbook:<id>` handovers), the steady state after; every step recorded in the
 * incident's timeline and the machine persisted after every event, so a run killed at any point
 * resumes where it stopped without doing a step twice. One event per step goes to `ctx.emit`.
 */
import { Declined, type ActionPlan } from '../common/plan.js';
import { ConfigError } from '../config/config-error.js';
import { AlertStore } from '../alerts/alert-state.js';
import { sendIncidentMessage } from '../alerts/incident-notify.js';
import type { RunContext } from '../ops/context.js';
import { openOpsDb } from '../store/ops-db.js';
import type { Db } from '../store/sqlite.js';
import { IncidentStore, describeClaim, whoAmI, whoLabel, type Incident, type IncidentAlert, type TimelineOutcome, type Who } from './incidents.js';
import {
  apply, initialState, isFinding, isMutating, nextAction, resume, type MachineEvent, type RunOutcome, type RunState,
} from './machine.js';
import type { RunbookDecl, StepCall, StepContext, StepDecl, StepResult } from './types.js';

/** Finds a runbook by id (for `runbook:<id>` handovers and resumes). */
export type RunbookLookup = (id: string) => RunbookDecl | undefined;

export interface RunOptions {
  /** The alert that opened the runbook (`--alert N`, or the leader's automatic run). */
  alertId?: number | null;
  dryRun?: boolean;
  /** Started by the leader on its own when the alert fired. */
  automatic?: boolean;
  who?: Who;
  /** Try a failed step of an escalated incident again (reopens it; the wizard's retry). */
  retry?: { incidentId: number; stepId: string };
  /** Take the incident from a live holder (the person confirmed). */
  takeOver?: boolean;
  /** The other runbooks, for handovers. */
  lookup?: RunbookLookup;
  /**
   * Asked before each step runs (the console's wizard: Enter runs, `s` skips where the step is
   * skippable, `x` aborts); default: run. A skip of a step the runbook does not allow throws.
   */
  beforeStep?: (step: StepDecl, state: RunState, runbook: RunbookDecl) => Promise<StepChoice>;
  /** Told of every change of the run (the wizard's step list and "step k of n"). */
  onState?: (state: RunState, runbook: RunbookDecl, incidentId: number) => void;
  /** How long an escalation page waits to be delivered before the engine's worker takes it over (default 10 s). */
  pageWaitMs?: number;
  now?: () => number;
}

export type StepChoice = 'run' | { skip: string } | { abort: string };

/** Somebody else works this incident; the message names who and since when. */
export class IncidentClaimed extends Error {
  readonly exitCode = 2;
  constructor(readonly incident: Incident, message: string) {
    super(message);
  }
}

export interface StepSummary {
  runbook: string;
  step: string;
  title: string;
  kind: string;
  risk: string;
  outcome: TimelineOutcome;
  summary: string;
  attempts: number;
}

export interface RunSummary {
  event: 'summary';
  incidentId: number;
  runbook: string;
  /** Runbooks this run went through after handovers, the first one first. */
  chain: string[];
  outcome: 'resolved' | 'escalated' | 'aborted';
  reason: string | null;
  dryRun: boolean;
  resumed: boolean;
  steadyBefore: boolean | null;
  steadyAfter: boolean | null;
  steps: StepSummary[];
  /** Outbox rows of the escalation page, when one was sent. */
  paged: { channels: string[]; outboxIds: number[] } | null;
}

function errorResult(error: unknown): StepResult {
  return { ok: false, summary: (error as Error).message ?? String(error), data: { error: (error as Error).name ?? 'Error' } };
}

async function safeRun(call: StepCall, ctx: StepContext): Promise<StepResult> {
  try {
    return await call.run(ctx);
  } catch (error) {
    return errorResult(error);
  }
}

/** The plan shown before a mutating step: the call's own, or one built from the step. */
export async function planFor(step: StepDecl, ctx: StepContext): Promise<ActionPlan> {
  if (step.call?.plan) return step.call.plan(ctx);
  return {
    action: step.id,
    title: `${step.title}?`,
    risk: step.risk === 'destructive' ? 'destructive' : 'mutate',
    facts: Object.entries(step.call?.args ?? {}).map(([label, value]) => ({ label, value: typeof value === 'string' ? value : JSON.stringify(value) })),
    effects: [step.why],
    ...(step.confirmWord ? { confirmWord: step.confirmWord } : {}),
    data: { step: step.id, call: step.call?.name ?? null, args: step.call?.args ?? {} },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) { resolve(); return; }
    const timer = setTimeout(() => { signal?.removeEventListener('abort', done); resolve(); }, ms);
    const done = (): void => { clearTimeout(timer); resolve(); };
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Runs a wait-until step's call every `everyMs` until it is ok, the time is up or the run is cancelled. */
async function waitUntil(step: StepDecl, ctx: StepContext, now: () => number): Promise<StepResult> {
  const wait = step.wait ?? { timeoutMs: 60_000, everyMs: 1_000 };
  const started = now();
  let tries = 0;
  for (;;) {
    tries += 1;
    const result = await safeRun(step.call!, ctx);
    if (result.ok) return { ...result, data: { ...result.data, tries } };
    // A dry run changed nothing to wait for: one look is the answer.
    if (ctx.dryRun) return { ...result, summary: `dry run: not waited for: ${result.summary}`, data: { ...result.data, tries } };
    if (ctx.signal?.aborted) return { ...result, summary: `cancelled while waiting: ${result.summary}`, data: { ...result.data, tries } };
    // A call that knows when its answer can change (a ban's recorded end) is asked again then,
    // if that comes before the next regular look.
    const at = result.data.checkAgainAt;
    const pause = typeof at === 'number' && at > now() ? Math.min(wait.everyMs, at - now()) : wait.everyMs;
    if (now() - started + pause > wait.timeoutMs) {
      return { ...result, summary: `not reached within ${Math.round(wait.timeoutMs / 1000)} s: ${result.summary}`, data: { ...result.data, tries } };
    }
    await sleep(pause, ctx.signal);
  }
}

async function steadyState(calls: readonly StepCall[], ctx: StepContext): Promise<{ passed: boolean; results: StepResult[] }> {
  const results: StepResult[] = [];
  for (const call of calls) results.push(await safeRun(call, ctx));
  return { passed: results.every((r) => r.ok), results };
}

function loadAlert(db: Db, id: number | null | undefined): { alert: StepContext['alert']; record: IncidentAlert | null } {
  if (id === null || id === undefined) return { alert: null, record: null };
  const a = new AlertStore(db).get(id);
  if (!a) throw new ConfigError(`no alert #${id}; \`cfa-console alerts list\` shows the alerts and their numbers`);
  return {
    alert: { id: a.id, rule: a.rule, labels: a.labels, summary: a.summary },
    record: { id: a.id, rule: a.rule, pendingSince: a.pendingSince, firedAt: a.firedAt },
  };
}

/** Acknowledges an alert still open and not yet acknowledged (a resolved one is left as it is). */
function acknowledge(db: Db, id: number, by: string, at: number): void {
  const alerts = new AlertStore(db);
  const a = alerts.get(id);
  if (a && a.state !== 'resolved' && a.ackedAt === null) alerts.ack(id, by, at);
}

/**
 * Pages the escalation path through the alert outbox (src/alerts/incident-notify.ts: the critical
 * route, under the incident's page key, so a page already sent by the runbook's own page step, or
 * before a crash, is not sent again), and gives delivery `waitMs` before the engine's worker.
 */
export async function pageEscalation(db: Db, ctx: RunContext, incident: { id: number; alertId: number | null }, message: { title: string; text: string }, waitMs: number): Promise<{ channels: string[]; outboxIds: number[]; already: boolean }> {
  const sent = await sendIncidentMessage(db, ctx.loaded.config, { key: `incident/${incident.id}/page`, page: true, alertId: incident.alertId, ...message }, { waitMs });
  return { channels: sent.channels, outboxIds: sent.outboxIds, already: sent.already };
}

/** The step's result with the root cause it points to (`data.rootCause`, which the report ticks), if any. */
export function withCause(step: StepDecl, result: StepResult, facts: Readonly<Record<string, unknown>>): StepResult {
  const found = step.causes?.find((c) => {
    try { return c.test(result, facts); } catch { return false; }
  });
  return found ? { ...result, data: { ...result.data, rootCause: found.cause } } : result;
}

/** A probe's finding is passed or not-passed; anything else did its job (ok) or failed. */
function outcomeOf(step: StepDecl, result: StepResult): TimelineOutcome {
  if (step.kind === 'note' && !step.call) return 'noted';
  if (isFinding(step) && !step.onFail) return result.ok ? 'passed' : 'not-passed';
  return result.ok ? 'ok' : 'failed';
}

/**
 * Runs (or resumes) the runbook `decl`. An open incident of the runbook is resumed when its
 * holder is gone (or taken over with `takeOver`); otherwise a new incident is opened. Throws
 * IncidentClaimed when somebody else works it, ConfigError when a mutating step cannot be
 * confirmed by anybody (the run is aborted first and says so).
 */
export async function runRunbook(decl: RunbookDecl, ctx: RunContext, options: RunOptions = {}): Promise<RunSummary> {
  const now = options.now ?? Date.now;
  const who = options.who ?? whoAmI();
  const lookup: RunbookLookup = (id) => (id === decl.id ? decl : options.lookup?.(id));
  const dryRun = options.dryRun ?? false;
  const db = openOpsDb(ctx.dataDir);
  const store = new IncidentStore(db);
  try {
    const opened = loadAlert(db, options.alertId);
    const record = opened.record;

    // Another try of an escalated incident: reopen it at the failed step (the wizard's retry).
    if (options.retry && !dryRun) {
      const escalated = store.get(options.retry.incidentId);
      if (!escalated || escalated.runbook !== decl.id || escalated.state !== 'escalated' || !escalated.machine) {
        throw new ConfigError(`incident #${options.retry.incidentId} is not an escalated incident of runbook ${decl.id}; only those are retried`);
      }
      const inRunbook = lookup(escalated.machine.runbookId);
      if (!inRunbook) throw new ConfigError(`incident #${escalated.id} is in runbook ${escalated.machine.runbookId}, which is not known here`);
      const retried = apply(inRunbook, escalated.machine, { type: 'retry', at: now(), stepId: options.retry.stepId });
      store.reopen(escalated.id);
      store.saveMachine(escalated.id, retried);
      store.takeOver(escalated.id, who, now());
      store.addEntry(escalated.id, { runbook: inRunbook.id, step: options.retry.stepId, kind: 'retry', startedAt: now(), endedAt: now(), outcome: 'noted', summary: `step ${options.retry.stepId} tried again by ${whoLabel(who)}`, by: whoLabel(who) });
    }

    // Resume the open incident of this runbook, or open one.
    let incident: Incident | null = dryRun ? null : store.activeFor(decl.id);
    let resumed = false;
    let state: RunState;
    if (incident && incident.machine) {
      const claim = store.claim(incident.id, who, now());
      if (!claim.ok) {
        if (!options.takeOver) {
          throw new IncidentClaimed(incident, `incident #${incident.id} (${decl.id}) is ${describeClaim(claim.holder)}; watch it read-only, or take it over with --take-over`);
        }
        store.takeOver(incident.id, who, now());
        store.addEntry(incident.id, { runbook: decl.id, kind: 'take-over', startedAt: now(), endedAt: now(), outcome: 'noted', summary: `taken over from ${claim.holder.by} by ${whoLabel(who)}`, by: whoLabel(who) });
      }
      resumed = true;
      state = resume(incident.machine);
      if (options.takeOver) state = apply(lookup(state.runbookId) ?? decl, state, { type: 'take-over', at: now(), by: whoLabel(who) });
      const unknown = store.markUnknown(incident.id, now());
      const at = state.current ? ` at step ${state.current}` : '';
      store.addEntry(incident.id, { runbook: state.runbookId, kind: 'resume', startedAt: now(), endedAt: now(), outcome: 'noted', summary: `resumed by ${whoLabel(who)}${at}${unknown ? ` (${unknown} step(s) with an unknown result)` : ''}`, by: whoLabel(who) });
    } else {
      state = initialState(decl);
      const openedAt = now();
      incident = store.open({ runbook: decl.id, alert: record, who, automatic: options.automatic, dryRun, at: openedAt, machine: state });
      // Opening the runbook on an alert is taking it up: acknowledged then (no more repeats), unless someone already did.
      if (record && !dryRun) acknowledge(db, record.id, options.automatic ? `runbook ${decl.id} (automatic)` : `${whoLabel(who)} (runbook ${decl.id})`, openedAt);
    }
    const incidentId = incident.id;
    const facts: Record<string, unknown> = { ...state.facts };
    // A resumed incident keeps the alert that opened it.
    let alert = opened.alert;
    if (!alert && incident.alert) {
      try { alert = loadAlert(db, incident.alert.id).alert; } catch { alert = null; /* pruned since: the incident keeps its number */ }
    }
    const stepCtx: StepContext = { ...ctx, incidentId, alert, facts, dryRun };
    const steps: StepSummary[] = [];
    const chain: string[] = [...(state.from ?? []), state.runbookId];
    let paged: RunSummary['paged'] = null;
    let steadyBefore: boolean | null = state.before?.passed ?? null;

    const step = (current: RunbookDecl, id: string): StepDecl => current.steps.find((s) => s.id === id)!;
    const advance = (current: RunbookDecl, event: MachineEvent): void => {
      state = apply(current, state, event);
      Object.assign(facts, state.facts);
      store.saveMachine(incidentId, state);
      options.onState?.(state, current, incidentId);
    };
    const emitStep = (current: RunbookDecl, s: StepDecl, outcome: TimelineOutcome, result: StepResult, extra: Record<string, unknown> = {}): void => {
      const summary: StepSummary = {
        runbook: current.id, step: s.id, title: s.title, kind: s.kind, risk: s.risk ?? 'read', outcome, summary: result.summary,
        attempts: state.steps[s.id]?.attempts ?? 0,
      };
      steps.push(summary);
      ctx.emit({ event: 'runbook-step', incidentId, ...summary, data: result.data, ...extra });
    };
    const abort = (current: RunbookDecl, reason: string): void => {
      advance(current, { type: 'abort', at: now(), reason });
      store.addEntry(incidentId, { runbook: current.id, step: null, kind: 'abort', startedAt: now(), endedAt: now(), outcome: 'aborted', summary: reason, by: whoLabel(who) });
    };

    let refusal: unknown = null;
    for (;;) {
      const current = lookup(state.runbookId);
      if (!current) throw new ConfigError(`incident #${incidentId} is in runbook ${state.runbookId}, which is not known here`);
      if (ctx.signal?.aborted && state.phase !== 'finished') {
        abort(current, cancelReason(ctx.signal));
        continue;
      }
      if (!store.holds(incidentId, who) && !dryRun) {
        throw new IncidentClaimed(store.get(incidentId)!, `incident #${incidentId} was taken over by ${store.get(incidentId)?.claim?.by ?? 'somebody'}; this run stops here`);
      }
      const action = nextAction(current, state);
      if (action.kind === 'finished') break;

      if (action.kind === 'check-before' || action.kind === 'check-after') {
        const phase = action.kind === 'check-before' ? 'before' : 'after';
        const startedAt = now();
        // After handovers, "fixed" means every runbook of the chain reaches its steady state.
        const calls = phase === 'before' ? current.steadyState : chain.flatMap((id) => lookup(id)?.steadyState ?? []);
        const check = await steadyState(calls, stepCtx);
        store.addEntry(incidentId, {
          runbook: current.id, kind: phase === 'before' ? 'steady-state-before' : 'steady-state-after', intent: 'the steady state: the alert\'s own probe and threshold',
          startedAt, endedAt: now(), outcome: check.passed ? 'passed' : 'not-passed',
          summary: check.results.map((r) => `${r.ok ? 'ok' : 'not ok'}: ${r.summary}`).join('; '),
          data: { results: check.results.map((r) => ({ ok: r.ok, summary: r.summary, data: r.data })) },
          output: check.results.flatMap((r) => r.output ?? []), by: whoLabel(who),
        });
        ctx.emit({ event: 'steady-state', incidentId, runbook: current.id, phase, passed: check.passed, results: check.results.map((r) => ({ ok: r.ok, summary: r.summary, data: r.data })) });
        if (phase === 'before') steadyBefore = check.passed;
        advance(current, { type: 'steady-state', at: now(), passed: check.passed, results: check.results });
        continue;
      }

      if (action.kind === 'handover') {
        const target = lookup(action.to);
        const at = now();
        const reason = !target ? `runbook ${action.to} is not known` : chain.includes(action.to) ? `runbook ${action.to} was already run in this incident` : null;
        store.addEntry(incidentId, { runbook: current.id, kind: 'handover', startedAt: at, endedAt: at, outcome: reason ? 'failed' : 'noted', summary: reason ?? `handed over to ${action.to}`, data: { to: action.to }, by: whoLabel(who) });
        ctx.emit({ event: 'handover', incidentId, from: current.id, to: action.to, ok: reason === null });
        if (!target || reason) {
          // Nothing else to try: escalate from where the handover was asked.
          state = { ...state, outcome: { kind: 'escalated', at, reason: reason!, stepId: state.outcome?.kind === 'handover' ? state.outcome.stepId : null } };
          store.saveMachine(incidentId, state);
          break;
        }
        chain.push(target.id);
        state = { ...initialState(target), before: state.before, phase: 'steps', facts: state.facts, from: chain.slice(0, -1), workedBy: state.workedBy };
        state.current = target.steps[0]!.id;
        state.path = [target.steps[0]!.id];
        store.saveMachine(incidentId, state);
        continue;
      }

      const s = step(current, action.stepId);

      if (action.kind === 'check-done') {
        // The step started before the run died: is its effect already there?
        const startedAt = now();
        if (s.alreadyDone) {
          const result = await safeRun(s.alreadyDone, stepCtx);
          advance(current, { type: 'already-done', at: now(), stepId: s.id, done: result.ok, result });
          store.addEntry(incidentId, { runbook: current.id, step: s.id, kind: 'already-done', intent: `is "${s.title}" already done?`, risk: 'read', startedAt, endedAt: now(), outcome: result.ok ? 'already-done' : 'ok', summary: result.summary, data: result.data, output: result.output, by: whoLabel(who) });
          if (result.ok) emitStep(current, s, 'already-done', result);
        } else if (!isMutating(s)) {
          // A read step is simply run again.
          advance(current, { type: 'already-done', at: now(), stepId: s.id, done: false, result: { ok: false, summary: 'result unknown: run again', data: {} } });
        } else {
          // No way to tell: run it again, with consent again (the plan says why).
          advance(current, { type: 'already-done', at: now(), stepId: s.id, done: false, result: { ok: false, summary: 'result unknown and no alreadyDone probe', data: {} } });
        }
        continue;
      }

      const choice = options.beforeStep ? await options.beforeStep(s, state, current) : 'run';
      if (choice !== 'run') {
        if ('abort' in choice) {
          abort(current, choice.abort);
          continue;
        }
        advance(current, { type: 'skip', at: now(), stepId: s.id, reason: choice.skip });
        store.addEntry(incidentId, { runbook: current.id, step: s.id, kind: 'skip', intent: s.title, risk: s.risk ?? 'read', startedAt: now(), endedAt: now(), outcome: 'skipped', summary: choice.skip, by: whoLabel(who) });
        emitStep(current, s, 'skipped', { ok: true, summary: `skipped: ${choice.skip}`, data: {} });
        continue;
      }

      // Run the step.
      const mutating = (isMutating(s) || s.kind === 'confirm') && s.kind !== 'escalate';
      const startedAt = now();
      let consented: ActionPlan | null = null;
      if (mutating) {
        let plan: ActionPlan | null = null;
        try {
          plan = await planFor(s, stepCtx);
        } catch (error) {
          plan = null;
          advance(current, { type: 'step-started', at: startedAt, stepId: s.id });
          const result = errorResult(error);
          result.summary = `its plan could not be made: ${result.summary}`;
          advance(current, { type: 'step-result', at: now(), stepId: s.id, result });
          store.addEntry(incidentId, { runbook: current.id, step: s.id, kind: 'step', intent: s.title, risk: s.risk ?? 'read', startedAt, endedAt: now(), outcome: 'failed', summary: result.summary, by: whoLabel(who) });
          emitStep(current, s, 'failed', result);
          continue;
        }
        if (dryRun) {
          const result: StepResult = { ok: true, summary: `dry run: ${plan.title}`, data: { plan } };
          advance(current, { type: 'step-started', at: startedAt, stepId: s.id });
          advance(current, { type: 'step-result', at: now(), stepId: s.id, result });
          store.addEntry(incidentId, { runbook: current.id, step: s.id, kind: 'step', intent: s.title, risk: s.risk ?? 'read', startedAt, endedAt: now(), outcome: 'planned', summary: result.summary, data: { plan }, by: whoLabel(who) });
          emitStep(current, s, 'planned', result, { plan });
          continue;
        }
        try {
          await ctx.confirm(plan);
          consented = plan;
        } catch (error) {
          const declined = error instanceof Declined;
          const reason = declined ? `${s.title}: not confirmed` : `${s.title}: ${(error as Error).message}`;
          store.addEntry(incidentId, { runbook: current.id, step: s.id, kind: 'step', intent: s.title, risk: s.risk ?? 'read', startedAt, endedAt: now(), outcome: 'declined', summary: reason, data: { plan }, by: whoLabel(who) });
          emitStep(current, s, 'declined', { ok: false, summary: reason, data: { plan } });
          abort(current, reason);
          if (!declined) refusal = error;
          continue;
        }
      }

      if (s.kind === 'escalate') {
        // The page is what a runbook does when it cannot go on: it needs nobody's consent. Its
        // call (the library's notify.page) pages; a step without one is paged by the runner.
        advance(current, { type: 'step-started', at: startedAt, stepId: s.id });
        const entry = store.addEntry(incidentId, { runbook: current.id, step: s.id, kind: 'escalation', intent: s.title, risk: s.risk ?? 'read', startedAt, outcome: 'running', by: whoLabel(who) });
        const text = escalationText(current, state, incidentId, s.why);
        let result: StepResult;
        if (dryRun) {
          const plan = s.call?.plan ? await s.call.plan(stepCtx).catch(() => null) : null;
          result = { ok: true, summary: `dry run: would page the escalation path${plan ? ` (${plan.title})` : ''}`, data: { text, ...(plan ? { plan } : {}) } };
        } else if (s.call) {
          result = await safeRun(s.call, stepCtx);
          const channels = Array.isArray(result.data.channels) ? result.data.channels as string[] : [];
          paged = { channels, outboxIds: Array.isArray(result.data.outboxIds) ? result.data.outboxIds as number[] : [] };
        } else {
          const sent = await pageEscalation(db, ctx, { id: incidentId, alertId: alert?.id ?? null }, { title: `runbook ${current.id} escalates (incident #${incidentId})`, text }, options.pageWaitMs ?? 10_000);
          paged = { channels: sent.channels, outboxIds: sent.outboxIds };
          result = {
            ok: sent.channels.length > 0,
            summary: sent.channels.length > 0 ? `paged ${sent.channels.join(', ')}` : 'no channel on the critical route: nobody was paged',
            data: { channels: sent.channels, outboxIds: sent.outboxIds }, output: text.split('\n'),
          };
        }
        const outcome: TimelineOutcome = dryRun ? 'planned' : result.ok ? 'sent' : 'failed';
        store.finishEntry(entry, { endedAt: now(), outcome, summary: result.summary, data: result.data, output: result.output });
        advance(current, { type: 'step-result', at: now(), stepId: s.id, result });
        emitStep(current, s, outcome, result);
        continue;
      }

      advance(current, { type: 'step-started', at: startedAt, stepId: s.id });
      const entry = store.addEntry(incidentId, { runbook: current.id, step: s.id, kind: 'step', intent: s.title, risk: s.risk ?? 'read', startedAt, outcome: 'running', data: s.call ? { call: s.call.name, args: s.call.args } : null, by: whoLabel(who) });
      let result: StepResult;
      if (!s.call) result = { ok: true, summary: s.why, data: {} };
      else if (s.kind === 'wait-until') result = await waitUntil(s, stepCtx, now);
      else if (s.kind === 'confirm') result = { ok: true, summary: 'confirmed', data: {} };
      else result = await safeRun(s.call, consented ? onceConsented(stepCtx, consented) : stepCtx);
      result = withCause(s, result, facts);
      if (ctx.signal?.aborted && !result.ok) {
        // Cut short by the cancellation: not a failure of the step, the run stops here.
        const reason = cancelReason(ctx.signal);
        store.finishEntry(entry, { endedAt: now(), outcome: 'aborted', summary: result.summary, data: result.data, output: result.output });
        emitStep(current, s, 'aborted', result);
        abort(current, reason);
        continue;
      }
      store.finishEntry(entry, { endedAt: now(), outcome: outcomeOf(s, result), summary: result.summary, data: result.data, output: result.output });
      advance(current, { type: 'step-result', at: now(), stepId: s.id, result });
      emitStep(current, s, outcomeOf(s, result), result);
    }

    // Escalated without an escalate step (a failure, steady state not reached): page now.
    const outcome = state.outcome as Exclude<RunOutcome, { kind: 'handover' }> | null;
    const final = outcome ?? { kind: 'escalated' as const, at: now(), reason: 'the run ended without an outcome', stepId: null };
    if (final.kind === 'escalated' && paged === null && !dryRun) {
      const current = lookup(state.runbookId) ?? decl;
      const at = now();
      const text = escalationText(current, state, incidentId, final.reason);
      paged = await pageEscalation(db, ctx, { id: incidentId, alertId: alert?.id ?? null }, { title: `runbook ${current.id} escalates (incident #${incidentId})`, text }, options.pageWaitMs ?? 10_000);
      store.addEntry(incidentId, {
        runbook: current.id, kind: 'escalation', intent: 'page the escalation path', startedAt: at, endedAt: now(),
        outcome: paged.channels.length > 0 ? 'sent' : 'failed',
        summary: paged.channels.length > 0 ? `paged ${paged.channels.join(', ')}: ${final.reason}` : `no channel on the critical route: nobody was paged (${final.reason})`,
        data: { ...paged, levels: current.escalation }, output: text.split('\n'), by: whoLabel(who),
      });
      ctx.emit({ event: 'escalation', incidentId, runbook: current.id, reason: final.reason, channels: paged.channels });
    }
    const reason = final.kind === 'resolved' ? null : final.reason;
    store.close(incidentId, final.kind, reason ?? 'steady state reached', now());
    if (refusal) throw refusal;
    return {
      event: 'summary', incidentId, runbook: decl.id, chain, outcome: final.kind, reason, dryRun, resumed,
      steadyBefore, steadyAfter: state.after?.passed ?? null, steps, paged,
    };
  } finally {
    db.close();
  }
}

/**
 * The step's context once its plan was consented to: a call that asks again with the same action
 * (the library's `recover` and `restore` ask inside the operation, with the operation's own plan:
 * args `confirm: 'in-run'`) is not asked twice; any other plan is still asked.
 */
function onceConsented(ctx: StepContext, plan: ActionPlan): StepContext {
  return { ...ctx, confirm: (asked) => (asked.action === plan.action ? Promise.resolve(0) : ctx.confirm(asked)) };
}

function cancelReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return `cancelled: ${reason instanceof Error ? reason.message : String(reason ?? 'the run was stopped')}`;
}

function escalationText(decl: RunbookDecl, state: RunState, incidentId: number, reason: string): string {
  const done = Object.entries(state.steps).filter(([, r]) => r.state !== 'pending').map(([id, r]) => `${id}: ${r.state}${r.result ? ` (${r.result.summary})` : ''}`);
  return [
    `Incident #${incidentId}, runbook ${decl.id} (${decl.title}): ${reason}`,
    ...done.map((l) => `  ${l}`),
    `Escalation: ${decl.escalation.map((l) => `${l.level} ${l.who} after ${l.after}`).join('; ') || 'none declared'}`,
    `Report: cfa-console incident report ${incidentId}`,
  ].join('\n');
}
