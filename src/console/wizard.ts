/**
 * The console's runbook wizard, on the session side: it runs a runbook through the one runner
 * (src/ops/runbook.ts over src/runbook/runner.ts) with the wizard's hooks, and turns every gate of
 * the run into a prompt the views show and the keys answer: before each step (Enter runs, `s`
 * skips where the runbook allows it, `x` aborts), and every `ctx.confirm(plan)` (y/n, or the typed
 * word of a destructive plan). The run goes on when the view is left (Esc); the header's badge
 * reads the open incidents. An incident another console works is watched read-only and may be
 * taken over after a confirmation; an incident whose process died is offered for resume.
 * No Ink here: the views subscribe to `subscribe`/`getSnapshot`.
 */
import { isDeepStrictEqual } from 'node:util';
import { Declined, planLines, type ActionPlan } from '../common/plan.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { Logger } from '../engine/logger.js';
import { runContext, type OpEvent } from '../ops/context.js';
import type { RunbookRegistry } from '../ops/runbook.js';
import { claimIsLive, IncidentStore, whoAmI, whoLabel, type HandedIncident, type Incident, type Who } from '../runbook/incidents.js';
import { stepPosition, type RunState } from '../runbook/machine.js';
import type { StepChoice } from '../runbook/runner.js';
import type { RunbookDecl, StepDecl } from '../runbook/types.js';
import type { Db } from '../store/sqlite.js';

/** A step as the wizard's list shows it. `current` is the step waiting for a key; `running` runs now. */
export type WizardStepState = 'done' | 'current' | 'running' | 'pending' | 'skipped' | 'failed';

export interface WizardStep {
  id: string;
  title: string;
  kind: string;
  risk: 'read' | 'mutate' | 'destructive';
  why: string;
  skippable: boolean;
  state: WizardStepState;
  /** The step's last result, or why it was skipped, or `already done`. */
  summary: string | null;
}

/** What the run waits for from the person at the keyboard. */
export type WizardPrompt =
  | { kind: 'step'; stepId: string; title: string; skippable: boolean; risk: WizardStep['risk'] }
  /** A plan to consent to: y/n, or its word typed when `word` is set. */
  | { kind: 'confirm'; title: string; lines: string[]; risk: 'mutate' | 'destructive'; word: string | null }
  /** An interrupted incident: resume it where it stopped? */
  | { kind: 'resume'; incidentId: number; at: string | null }
  /** Another console works it: take it over? */
  | { kind: 'take-over'; incidentId: number; by: string; since: number };

export type WizardAnswer = 'run' | 'skip' | 'abort' | 'yes' | 'no' | { word: string };

export interface WizardRun {
  runbookId: string;
  title: string;
  incidentId: number | null;
  alert: { id: number; rule: string } | null;
  steps: WizardStep[];
  /** "step k of n" (k 0 before the first step). */
  position: { index: number; total: number };
  phase: RunState['phase'] | 'starting';
  /** The live output of the run: its steps' events and the operations' progress, newest last. */
  output: string[];
  prompt: WizardPrompt | null;
  finished: { outcome: 'resolved' | 'escalated' | 'aborted'; reason: string | null } | null;
  /**
   * Read-only: somebody else works this incident, or (`here`) this console's leader runs it as an
   * automatic runbook, which is not taken over from the same process.
   */
  watching: { by: string; since: number; here?: boolean } | null;
  error: string | null;
}

export interface RunbookEntry {
  id: string;
  title: string;
  opensOn: readonly string[];
  automatic: boolean;
  steps: number;
}

/** An open incident, for the header badge. */
export interface IncidentBadge {
  id: number;
  runbook: string;
  /** `user@host` working it, null when nobody (interrupted). */
  by: string | null;
  since: number | null;
  mine: boolean;
  step: string | null;
  /**
   * store.backend postgres: the leader's host, for an incident it mirrored (another host leads):
   * `id` is its number there, and it is worked there, not from this console.
   */
  host?: string;
}

/** The leader's mirrored incidents (src/alerts/handover.ts), null when this host leads or none were mirrored. */
export type LeaderIncidents = () => Promise<{ host: string; incidents: readonly HandedIncident[] } | null>;

export interface WizardSnapshot {
  runbooks: RunbookEntry[];
  incidents: IncidentBadge[];
  run: WizardRun | null;
  /** Bumped when the wizard asks to be shown (an interrupted run offered for resume). */
  attention: number;
}

const OUTPUT_LINES = 200;

/** Every view of a runbook's steps from its declaration and the machine's state. */
export function wizardSteps(decl: RunbookDecl, state: RunState | null, prompt: WizardPrompt | null): WizardStep[] {
  return decl.steps.map((s: StepDecl) => {
    const run = state?.runbookId === decl.id ? state.steps[s.id] : undefined;
    let st: WizardStepState = 'pending';
    if (run?.state === 'done') st = 'done';
    else if (run?.state === 'skipped') st = 'skipped';
    else if (run?.state === 'failed') st = 'failed';
    else if (run?.state === 'running') st = 'running';
    else if (state?.current === s.id && state.phase === 'steps') st = prompt?.kind === 'confirm' ? 'running' : 'current';
    return {
      id: s.id, title: s.title, kind: s.kind, risk: s.risk ?? 'read', why: s.why, skippable: Boolean(s.skippable), state: st,
      summary: run?.note && run.state === 'skipped' ? `skipped: ${run.note}` : run?.result ? `${run.note === 'already done' ? 'already done: ' : ''}${run.result.summary}` : null,
    };
  });
}

/** An operation's event as one line of live output. */
export function outputLine(e: OpEvent): string | null {
  if (e.event === 'runbook-step') return `${String(e.outcome)}: ${String(e.step)}: ${String(e.summary)}`;
  if (e.event === 'steady-state') return `steady state ${String(e.phase)}: ${e.passed ? 'passed' : 'not passed'}`;
  if (e.event === 'handover') return `handed over to runbook ${String(e.to)}`;
  if (e.event === 'escalation') return `escalated: ${String(e.reason)}`;
  const fields = Object.entries(e).filter(([k, v]) => k !== 'event' && v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`).slice(0, 6).join(' ');
  return `${e.event}${fields ? ` ${fields}` : ''}`;
}

export interface WizardSessionOptions {
  loaded: LoadedConfig;
  /** The console's ops.db connection (the engine's), for the badge and read-only watching. */
  db: Db;
  logger?: Logger;
  /** The runbooks; default: the build's (src/ops/runbook.ts). */
  registry?: () => Promise<RunbookRegistry>;
  who?: Who;
  /** How often the open incidents are read for the badge and a watched run (default 1 s). */
  pollMs?: number;
  /** store.backend postgres: the leader's incidents, when another host leads, for the badge. */
  leaderIncidents?: LeaderIncidents;
  /** How often those are read (default 5 s: a query to PostgreSQL). */
  leaderPollMs?: number;
}

interface Pending {
  prompt: WizardPrompt;
  resolve(answer: WizardAnswer): void;
}

export class WizardSession {
  private snapshot: WizardSnapshot = { runbooks: [], incidents: [], run: null, attention: 0 };
  private readonly listeners = new Set<() => void>();
  private registry: RunbookRegistry = [];
  private timer: NodeJS.Timeout | undefined;
  private notifyTimer: NodeJS.Timeout | undefined;
  private pending: Pending | null = null;
  /** The run this console drives, when one is. */
  private active: { runbookId: string; controller: AbortController; done: Promise<void> } | null = null;
  private readonly who: Who;
  private state: RunState | null = null;
  private decl: RunbookDecl | null = null;
  private offeredResume = false;
  /** The leader's open incidents as last read (another host leads), with when each was opened. */
  private remote: { badge: IncidentBadge; openedAt: number }[] = [];
  private leaderTimer: NodeJS.Timeout | undefined;
  private readingLeader = false;

  constructor(private readonly options: WizardSessionOptions) {
    this.who = options.who ?? whoAmI();
  }

  getSnapshot = (): WizardSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  async start(): Promise<void> {
    const load = this.options.registry ?? (async () => (await import('../ops/runbook.js')).loadRunbooks());
    try {
      this.registry = await load();
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'the runbooks could not be loaded');
      this.registry = [];
    }
    this.set({ runbooks: this.registry.map((r) => ({ id: r.id, title: r.title, opensOn: r.opensOn, automatic: r.automatic, steps: r.steps.length })) });
    this.poll();
    this.timer = setInterval(() => this.poll(), this.options.pollMs ?? 1_000);
    if (this.options.leaderIncidents) {
      void this.pollLeader();
      this.leaderTimer = setInterval(() => void this.pollLeader(), this.options.leaderPollMs ?? 5_000);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.leaderTimer);
    this.leaderTimer = undefined;
    clearTimeout(this.notifyTimer);
  }

  /** True while this console drives a run (quitting leaves it to be resumed). */
  running(): string | null {
    return this.active?.runbookId ?? null;
  }

  /**
   * Opens runbook `id` (from an alert, with its number, or by hand): shows the run this console
   * drives, offers resume of an interrupted incident, watches one that another console works, or
   * starts a new run.
   */
  open(id: string, alertId: number | null = null): void {
    const decl = this.registry.find((r) => r.id === id);
    if (!decl) {
      this.setRun({ ...this.emptyRun(id, id), error: `no runbook ${id}; the runbooks are ${this.registry.map((r) => r.id).join(', ')}` });
      return;
    }
    if (this.active?.runbookId === id) return;
    if (this.active) {
      this.setRun({ ...this.snapshot.run!, error: `runbook ${this.active.runbookId} runs here: finish or abort it (x) before opening ${id}` });
      return;
    }
    const incident = new IncidentStore(this.options.db).activeFor(id);
    if (incident && incident.machine) {
      const claim = incident.claim;
      const mine = claim && claim.pid === this.who.pid && claim.host === this.who.host;
      // Live elsewhere, or an automatic run of this very process (the leader's): watch it.
      if (claim && (mine || claimIsLive(claim, this.who.host))) {
        this.watch(decl, incident);
        return;
      }
      this.offerResume(decl, incident);
      return;
    }
    this.run(decl, { alertId });
  }

  /** The person's answer to the current prompt. */
  answer(answer: WizardAnswer): void {
    const run = this.snapshot.run;
    const prompt = run?.prompt;
    if (!run) return;
    if (prompt?.kind === 'resume') {
      if (answer === 'yes' || answer === 'run') {
        const decl = this.registry.find((r) => r.id === run.runbookId);
        if (decl) this.run(decl, {});
      } else {
        this.setRun(null);
      }
      return;
    }
    if (prompt?.kind === 'take-over') {
      if (answer === 'yes') {
        const decl = this.registry.find((r) => r.id === run.runbookId);
        if (decl) this.run(decl, { takeOver: true });
      } else {
        this.setRun({ ...run, prompt: null });
      }
      return;
    }
    if (answer === 'abort' && this.active && !this.pending) {
      this.active.controller.abort(new Error(`aborted in the console by ${whoLabel(this.who)}`));
      return;
    }
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    this.setRun({ ...run, prompt: null });
    pending.resolve(answer);
  }

  /** `t` on a watched incident: ask before taking it over. */
  askTakeOver(): void {
    const run = this.snapshot.run;
    if (!run?.watching || run.incidentId === null) return;
    if (run.watching.here) {
      this.setRun({ ...run, error: null, output: [...run.output, 'this console\'s leader runs it automatically: it pages if it fails; wait for it'].slice(-OUTPUT_LINES) });
      return;
    }
    this.setRun({ ...run, prompt: { kind: 'take-over', incidentId: run.incidentId, by: run.watching.by, since: run.watching.since } });
  }

  /** Forget a finished or watched run (the view closes it). */
  dismiss(): void {
    if (this.active) return;
    this.setRun(null);
  }

  private emptyRun(id: string, title: string): WizardRun {
    return {
      runbookId: id, title, incidentId: null, alert: null, steps: [], position: { index: 0, total: 0 }, phase: 'starting', output: [],
      prompt: null, finished: null, watching: null, error: null,
    };
  }

  private offerResume(decl: RunbookDecl, incident: Incident): void {
    const machine = incident.machine!;
    const at = machine.current ? decl.steps.find((s) => s.id === machine.current)?.title ?? machine.current : null;
    this.setRun({
      ...this.emptyRun(decl.id, decl.title), incidentId: incident.id,
      alert: incident.alert ? { id: incident.alert.id, rule: incident.alert.rule } : null,
      steps: wizardSteps(decl, machine, null), position: stepPosition(decl, machine), phase: machine.phase,
      prompt: { kind: 'resume', incidentId: incident.id, at },
    });
  }

  private watch(decl: RunbookDecl, incident: Incident): void {
    const machine = incident.machine!;
    const claim = incident.claim!;
    const here = claim.pid === this.who.pid && claim.host === this.who.host;
    const current = this.snapshot.run;
    const keepPrompt = current?.runbookId === decl.id && current.prompt?.kind === 'take-over' ? current.prompt : null;
    this.setRun({
      ...this.emptyRun(decl.id, decl.title), incidentId: incident.id,
      alert: incident.alert ? { id: incident.alert.id, rule: incident.alert.rule } : null,
      steps: wizardSteps(decl, machine, null), position: stepPosition(decl, machine), phase: machine.phase,
      watching: { by: here ? `${claim.by} (this console's automatic run)` : claim.by, since: claim.since, ...(here ? { here } : {}) }, prompt: keepPrompt,
    });
  }

  private run(decl: RunbookDecl, how: { alertId?: number | null; takeOver?: boolean }): void {
    const controller = new AbortController();
    this.decl = decl;
    this.state = null;
    const previous = this.snapshot.run;
    this.setRun({
      ...this.emptyRun(decl.id, decl.title),
      incidentId: previous?.runbookId === decl.id ? previous.incidentId : null,
      alert: previous?.runbookId === decl.id ? previous.alert : null,
      steps: wizardSteps(decl, null, null), position: { index: 0, total: decl.steps.length },
    });
    const ctx = runContext(this.options.loaded, {
      logger: this.options.logger,
      signal: controller.signal,
      emit: (e) => this.output(e),
      confirm: (plan) => this.confirm(plan),
    });
    const started = (async () => {
      const { runRunbook } = await import('../ops/runbook.js');
      try {
        const summary = await runRunbook(decl.id, {
          registry: this.registry, alertId: how.alertId ?? null, who: this.who, takeOver: how.takeOver,
          beforeStep: (step, state, current) => this.beforeStep(step, state, current),
          onState: (state, current, incidentId) => this.onState(state, current, incidentId),
        }, ctx);
        this.update((run) => ({ ...run, incidentId: summary.incidentId, prompt: null, finished: { outcome: summary.outcome, reason: summary.reason } }));
      } catch (error) {
        this.options.logger?.warn({ err: error, runbook: decl.id }, 'runbook run in the console stopped');
        this.update((run) => ({ ...run, prompt: null, error: (error as Error).message ?? String(error) }));
      } finally {
        this.pending = null;
        this.active = null;
        this.poll();
      }
    })();
    this.active = { runbookId: decl.id, controller, done: started };
  }

  private beforeStep(step: StepDecl, state: RunState, decl: RunbookDecl): Promise<StepChoice> {
    // A resumed run asks before its first event: the list shows where it stands from here.
    this.state = state;
    this.decl = decl;
    this.update((run) => ({ ...run, phase: state.phase, position: stepPosition(decl, state) }));
    return this.ask({ kind: 'step', stepId: step.id, title: step.title, skippable: Boolean(step.skippable), risk: step.risk ?? 'read' }).then((answer): StepChoice => {
      if (answer === 'skip') return { skip: `skipped in the console by ${whoLabel(this.who)}` };
      if (answer === 'abort') return { abort: `aborted in the console by ${whoLabel(this.who)}` };
      return 'run';
    });
  }

  private async confirm(plan: ActionPlan): Promise<number> {
    const t0 = performance.now();
    const word = plan.risk === 'destructive' ? (this.stepWord() ?? plan.confirmWord ?? plan.action) : null;
    const answer = await this.ask({ kind: 'confirm', title: plan.title, lines: planLines(plan), risk: plan.risk, word });
    const yes = word === null ? answer === 'yes' : typeof answer === 'object' && answer.word === word;
    if (!yes) throw new Declined(`not confirmed: ${plan.title}`);
    return performance.now() - t0;
  }

  /** The typed word of the current step, when the runbook declares one. */
  private stepWord(): string | null {
    const id = this.state?.current;
    return id ? this.decl?.steps.find((s) => s.id === id)?.confirmWord ?? null : null;
  }

  private ask(prompt: WizardPrompt): Promise<WizardAnswer> {
    return new Promise((resolve) => {
      this.pending = { prompt, resolve };
      this.update((run) => ({ ...run, prompt, steps: this.decl ? wizardSteps(this.decl, this.state, prompt) : run.steps }));
    });
  }

  private onState(state: RunState, current: RunbookDecl, incidentId: number): void {
    const stepChanged = state.current !== this.state?.current;
    this.state = state;
    this.decl = current;
    const alert = this.snapshot.run?.incidentId === incidentId ? this.snapshot.run.alert : this.alertOf(incidentId);
    this.update((run) => ({
      ...run, runbookId: current.id, title: current.title, incidentId, alert, phase: state.phase,
      steps: wizardSteps(current, state, run.prompt), position: stepPosition(current, state),
      output: stepChanged && state.current ? [...run.output, `— ${current.steps.find((s) => s.id === state.current)?.title ?? state.current}`].slice(-OUTPUT_LINES) : run.output,
    }));
  }

  private alertOf(incidentId: number): WizardRun['alert'] {
    try {
      const alert = new IncidentStore(this.options.db).get(incidentId)?.alert;
      return alert ? { id: alert.id, rule: alert.rule } : null;
    } catch {
      return null;
    }
  }

  private output(e: OpEvent): void {
    const line = outputLine(e);
    if (line === null) return;
    this.update((run) => ({ ...run, output: [...run.output, line].slice(-OUTPUT_LINES) }));
  }

  /** Reads the leader's incidents (one at a time); a failure keeps the last ones and is logged. */
  private async pollLeader(): Promise<void> {
    if (this.readingLeader || !this.options.leaderIncidents) return;
    this.readingLeader = true;
    try {
      const mirror = await this.options.leaderIncidents();
      this.remote = (mirror?.incidents ?? []).filter((i) => i.state === 'open' && !i.dryRun).map((i) => ({
        openedAt: i.openedAt,
        badge: { id: i.originId, runbook: i.runbook, by: i.claim?.by ?? null, since: i.claim?.since ?? null, mine: false, step: i.machine?.current ?? null, host: mirror!.host },
      }));
      if (this.leaderTimer) this.poll();
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'the leader\'s incidents could not be read from PostgreSQL');
    } finally {
      this.readingLeader = false;
    }
  }

  /** The open incidents for the badge; a watched run follows its incident; an interrupted one is offered once. */
  private poll(): void {
    let open: Incident[];
    try {
      open = new IncidentStore(this.options.db).active();
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'incidents could not be read');
      return;
    }
    const incidents = open.map((i): IncidentBadge => ({
      id: i.id, runbook: i.runbook, by: i.claim && claimIsLive(i.claim, this.who.host) ? i.claim.by : null, since: i.claim?.since ?? null,
      mine: Boolean(i.claim && i.claim.pid === this.who.pid && i.claim.host === this.who.host), step: i.machine?.current ?? null,
    }));
    // The leader's, after this host's own; one this ops.db has too (it travelled here before) is shown once, as here.
    const here = new Set(open.map((i) => `${i.runbook} ${i.openedAt}`));
    incidents.push(...this.remote.filter((r) => !here.has(`${r.badge.runbook} ${r.openedAt}`)).map((r) => r.badge));
    this.set({ incidents });
    const run = this.snapshot.run;
    if (run?.watching) {
      const incident = open.find((i) => i.id === run.incidentId);
      const decl = this.registry.find((r) => r.id === run.runbookId);
      if (!incident || !decl || !incident.machine) {
        // Closed by whoever worked it: show how it ended.
        const closed = run.incidentId === null ? null : new IncidentStore(this.options.db).get(run.incidentId);
        const outcome = closed && closed.state !== 'open' ? closed.state : 'aborted';
        this.setRun({ ...run, steps: decl && closed?.machine ? wizardSteps(decl, closed.machine, null) : run.steps, watching: null, prompt: null, finished: { outcome, reason: closed?.state === 'resolved' ? null : closed?.outcome ?? 'the incident is gone' } });
      }
      else if (incident.claim && claimIsLive(incident.claim, this.who.host)) this.watch(decl, incident);
      else this.offerResume(decl, incident);
    }
    if (!this.offeredResume && this.registry.length > 0) {
      this.offeredResume = true;
      const interrupted = open.find((i) => i.machine && (!i.claim || !claimIsLive(i.claim, this.who.host)));
      const decl = interrupted && this.registry.find((r) => r.id === interrupted.runbook);
      if (interrupted && decl && !this.snapshot.run && !this.active) {
        this.offerResume(decl, interrupted);
        this.set({ attention: this.snapshot.attention + 1 });
      }
    }
  }

  private update(fn: (run: WizardRun) => WizardRun): void {
    const run = this.snapshot.run;
    if (run) this.setRun(fn(run));
  }

  private setRun(run: WizardRun | null): void {
    this.set({ run });
  }

  private set(partial: Partial<WizardSnapshot>): void {
    const next = { ...this.snapshot, ...partial };
    if (isDeepStrictEqual(next, this.snapshot)) return;
    this.snapshot = next;
    // A burst of events (a step's progress) is one redraw.
    if (this.notifyTimer) return;
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = undefined;
      for (const l of this.listeners) l();
    }, 50);
  }
}
