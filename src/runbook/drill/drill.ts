/**
 * A game-day drill: a sandbox (sandbox.ts), the runbook's fault injected for real (faults.ts), the
 * alert waited for until the real rules fire it in the sandbox's engine, the runbook run on that
 * alert with the drill's script answering consent, the fault reverted, the alert seen resolved by
 * the sandbox's engine, and a score: time from the fault to the alert firing, to its
 * acknowledgement (the console's `a`, or the runbook opened on it: headless, the automatic run's),
 * to the runbook opened, per step, to steady state, the steps skipped, against the runbook's target
 * time. The report is the incident's report, marked as a drill.
 *
 * The sandbox's store is the install's backend: on a postgres install a scratch database on the
 * install's server (sandbox.ts), unless the drill's fault is one of a SQLite file
 * (`sandbox.sqliteOnly`): that drill runs on market.db and says so. The result names the backend.
 */
import ms from 'ms';
import { AlertStore } from '../../alerts/alert-state.js';
import { INTERVALS, intervalMs } from '../../exchange/intervals.js';
import type { RunbookRegistry } from '../../ops/runbook.js';
import { openCandleStore } from '../../store/open-candle-store.js';
import { openOpsDb } from '../../store/ops-db.js';
import { IncidentStore, type TimelineEntry } from '../incidents.js';
import { buildReport, type IncidentReport } from '../report.js';
import type { RunSummary } from '../runner.js';
import type { DrillContext, RunbookDecl, StepContext } from '../types.js';
import { openSandbox, SandboxUnavailable, type Sandbox } from './sandbox.js';

export interface DrillStepScore {
  runbook: string;
  step: string | null;
  kind: string;
  outcome: string;
  durationMs: number | null;
}

export interface DrillScore {
  /** Fault injected -> alert firing (through the real rules). */
  toAlertMs: number | null;
  /** Fault -> the alert acknowledged (the console's `a`, `alerts ack`, or its runbook opened), whichever came first. */
  toAckMs: number | null;
  /** Who acknowledged it (a person, or `runbook <id> (automatic)`). */
  ackedBy: string | null;
  /** Fault -> runbook opened (the incident). */
  toOpenedMs: number | null;
  /** Fault -> steady state reached again. */
  toSteadyMs: number | null;
  /** Fault -> the escalation page (when the runbook paged). */
  toEscalatedMs: number | null;
  steps: DrillStepScore[];
  skipped: string[];
  targetMs: number;
  /** Steady state (or, for a drill that expects one, the escalation) reached within the runbook's target time. */
  metTarget: boolean;
}

export interface CandleCheck {
  series: number;
  missing: number;
  wrong: number;
}

export interface DrillResult {
  event: 'drill';
  scenario: string;
  title: string;
  /** The backend of the sandbox's store the drill ran on (absent in records older than this field: sqlite). */
  backend: 'sqlite' | 'postgres';
  /** Its scratch database on the install's PostgreSQL server (dropped afterwards); null on SQLite. */
  database: string | null;
  /** On a postgres install, why this drill ran on a SQLite sandbox (one line); null otherwise. */
  backendNote: string | null;
  passed: boolean;
  /** Why it did not pass (null when it did). */
  reason: string | null;
  /** Why the drill could not be run on this machine (e.g. a mount that needs root); null when it ran. Not a failure. */
  skipped: string | null;
  startedAt: number;
  endedAt: number;
  injected: string | null;
  /** What the drill's script did as the person on call (DrillDecl.person), when it did. */
  person: string | null;
  reverted: string | null;
  /** After the revert, the sandbox's engine resolved the alert this long after the fault (null: not seen, or not looked for). */
  cleared: { afterMs: number } | null;
  alert: { id: number; rule: string; firedAt: number } | null;
  outcome: RunSummary['outcome'] | null;
  /** What the drill expects of the runbook (default resolved). */
  expected: 'resolved' | 'escalated';
  steadyAfter: boolean | null;
  targetTime: string;
  score: DrillScore | null;
  candles: CandleCheck | null;
  /** The incident's report, marked as a drill. */
  report: (IncidentReport & { drill: true }) | null;
}

/** The score of a drill from its times and the incident's timeline (pure). */
export function scoreDrill(input: {
  faultAt: number; alertFiredAt: number | null; openedAt: number | null; timeline: readonly TimelineEntry[]; targetTime: string;
  expect?: 'resolved' | 'escalated';
  /** When the alert was acknowledged, and by whom (AlertRecord.ackedAt/ackedBy). */
  ackedAt?: number | null; ackedBy?: string | null;
  /** Who opened the runbook: opening it (even without naming the alert) is taking the alert up. */
  openedBy?: string | null;
}): DrillScore {
  const after = [...input.timeline].reverse().find((e) => e.kind === 'steady-state-after' && e.outcome === 'passed');
  const steadyAt = after ? (after.endedAt ?? after.startedAt) : null;
  const targetMs = ms(input.targetTime as ms.StringValue) ?? Number.NaN;
  const since = (t: number | null) => (t === null ? null : Math.max(0, t - input.faultAt));
  const toSteadyMs = since(steadyAt);
  const page = input.timeline.find((e) => e.kind === 'escalation' && e.outcome !== 'running');
  const toEscalatedMs = since(page ? (page.endedAt ?? page.startedAt) : null);
  const reached = input.expect === 'escalated' ? toEscalatedMs : toSteadyMs;
  // Acknowledged: the alert's own acknowledgement (`a`, `alerts ack`, the runbook opened on it), or the runbook opened, whichever came first.
  const ackedFirst = input.ackedAt != null && (input.openedAt === null || input.ackedAt <= input.openedAt);
  const ack = ackedFirst
    ? { at: input.ackedAt!, by: input.ackedBy ?? null }
    : input.openedAt !== null ? { at: input.openedAt, by: input.openedBy ? `${input.openedBy} (runbook opened)` : 'the runbook opened' } : null;
  return {
    toAlertMs: since(input.alertFiredAt),
    toAckMs: since(ack?.at ?? null),
    ackedBy: ack?.by ?? null,
    toOpenedMs: since(input.openedAt),
    toSteadyMs,
    toEscalatedMs,
    steps: input.timeline
      .filter((e) => e.kind === 'step' || e.kind === 'skip' || e.kind === 'already-done' || e.kind === 'escalation')
      .map((e) => ({ runbook: e.runbook, step: e.step, kind: e.kind, outcome: e.outcome, durationMs: e.endedAt === null ? null : e.endedAt - e.startedAt })),
    skipped: input.timeline.filter((e) => e.kind === 'skip' || e.outcome === 'skipped').map((e) => `${e.runbook}/${e.step ?? '?'}`),
    targetMs,
    metTarget: reached !== null && Number.isFinite(targetMs) && reached <= targetMs,
  };
}

export const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

/** Looks every `everyMs` until `look` finds something; throws after `timeoutMs`, or at once when `signal` aborts. */
export async function until<T>(what: string, timeoutMs: number, look: () => Promise<T | null> | T | null, everyMs = 500, signal?: AbortSignal): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const found = await look();
    if (found !== null) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(everyMs);
  }
}

/**
 * The sandbox's store against the simulator's closed candles, series by series over the stored
 * range; with `closedBy`, also up to the candles closed by then (a sync that began then fetched
 * them): the newest candles of a series missing at its end count too.
 */
export async function compareCandles(sandbox: Pick<Sandbox, 'dataDir' | 'simulator' | 'context'>, closedBy?: number): Promise<CandleCheck> {
  // The sandbox's store, whichever it is (market.db, or its scratch database in PostgreSQL).
  const store = await openCandleStore(sandbox.context(async () => 0).loaded.config, sandbox.dataDir);
  try {
    let missing = 0;
    let wrong = 0;
    const extents = await store.seriesExtents();
    for (const s of extents) {
      if (!(INTERVALS as readonly string[]).includes(s.interval)) continue;
      const interval = s.interval as (typeof INTERVALS)[number];
      const until = closedBy === undefined ? s.lastOpenTime + 1 : Math.max(s.lastOpenTime + 1, closedBy - intervalMs(interval) + 1);
      const expected = sandbox.simulator.closedCandles(s.symbol, interval, s.firstOpenTime, until);
      const stored = new Map((await store.candles(s.symbol, interval, s.firstOpenTime, s.lastOpenTime + 1)).map((c) => [c.openTime, c]));
      for (const c of expected) {
        const got = stored.get(c.openTime);
        if (!got) missing += 1;
        else if (got.open !== c.open || got.high !== c.high || got.low !== c.low || got.close !== c.close || got.volume !== c.volume) wrong += 1;
      }
    }
    return { series: extents.length, missing, wrong };
  } finally {
    await store.close();
  }
}

export interface DrillOptions {
  registry: RunbookRegistry;
  /** Seed from the newest verified backup of this data dir (read-only). */
  fromBackupOf?: string;
  emit?: (event: { event: string } & Record<string, unknown>) => void;
  /** How long the alert may take to fire (default 180 s; the integrity probe runs once a minute). */
  alertTimeoutMs?: number;
  /** How long the engine may take to resolve the alert after the revert (default 150 s; the integrity probe runs once a minute). */
  clearTimeoutMs?: number;
  /** Where the sandbox is made (default: the OS temp dir). */
  sandboxRoot?: string;
  /**
   * Interactive: instead of running the runbook itself, the drill hands the firing alert to a
   * person (the console on the sandbox) and scores the incident they worked when this resolves.
   */
  walk?: (sandbox: Sandbox, alert: { id: number; rule: string }) => Promise<void>;
  /** The install's store: with postgres, the sandbox's store is a scratch database on its server (sandbox.ts). */
  installStore?: { backend: 'sqlite' | 'postgres'; url?: string };
  /** Ctrl-C: the drill stops where it is, and its sandbox (and scratch database) is removed. */
  signal?: AbortSignal;
}

/** The sandbox's backend for `decl` on an install whose store is `installStore`, and why it differs from the install's (pure). */
export function drillBackend(decl: Pick<RunbookDecl, 'drill'>, installStore: DrillOptions['installStore']): { backend: 'sqlite' | 'postgres'; note: string | null } {
  if (installStore?.backend !== 'postgres') return { backend: 'sqlite', note: null };
  const why = decl.drill?.sandbox?.sqliteOnly;
  return why ? { backend: 'sqlite', note: `runs on a SQLite sandbox: ${why}` } : { backend: 'postgres', note: null };
}

/**
 * With --from-backup, why this drill's sandbox is seeded from the simulator after all (pure): a
 * drill on a SQLite sandbox of a postgres install (`db-corruption`) has no market.db backup to
 * copy (the install's backups are pg_dumps). Null when --from-backup applies as asked.
 */
export function fromBackupNote(chosen: { backend: 'sqlite' | 'postgres' }, installStore: DrillOptions['installStore'], fromBackup: boolean): string | null {
  if (!fromBackup || chosen.backend !== 'sqlite' || installStore?.backend !== 'postgres') return null;
  return '--from-backup does not apply: the install\'s backups are pg_dumps and this drill runs on a SQLite sandbox; seeded from the simulator instead';
}

/** Runs the drill of `decl` headless: the runbook in automatic mode, consent from the drill's script. */
export async function runDrill(decl: RunbookDecl, options: DrillOptions): Promise<DrillResult> {
  const drill = decl.drill;
  const emit = options.emit ?? (() => {});
  const startedAt = Date.now();
  const chosen = drillBackend(decl, options.installStore);
  const result: DrillResult = {
    event: 'drill', scenario: decl.id, title: decl.title, backend: chosen.backend, database: null, backendNote: chosen.note, passed: false, reason: null, skipped: null, startedAt, endedAt: startedAt,
    injected: null, person: null, reverted: null, cleared: null, alert: null, outcome: null, expected: drill?.outcome ?? 'resolved', steadyAfter: null, targetTime: decl.targetTime,
    score: null, candles: null, report: null,
  };
  if (!drill) {
    result.reason = `runbook ${decl.id} declares no drill`;
    return result;
  }
  // The sandbox being made (or made): whatever stops the drill, it is closed below.
  let opening: Promise<Sandbox> | null = null;
  const signal = options.signal;
  // Ctrl-C ends the drill where it is: the sandbox (and its scratch database) is removed below.
  const stopped = new Promise<never>((_, reject) => {
    if (signal?.aborted) reject(signal.reason);
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  stopped.catch(() => {});
  if (chosen.note) emit({ event: 'drill-step', scenario: decl.id, stage: 'backend', what: chosen.note });
  const seedNote = fromBackupNote(chosen, options.installStore, options.fromBackupOf !== undefined);
  if (seedNote) emit({ event: 'drill-step', scenario: decl.id, stage: 'seed', what: seedNote });
  try {
    await Promise.race([stopped, drillIn()]);
  } catch (error) {
    result.passed = false;
    result.reason = (error as Error).message;
  } finally {
    const made = await (opening as Promise<Sandbox> | null)?.catch(() => null);
    await made?.close().catch(() => {});
    result.endedAt = Date.now();
  }
  return result;

  async function drillIn(): Promise<void> {
    if (!drill) return;
    let sandbox: Sandbox;
    try {
      opening = openSandbox({
        fromBackupOf: seedNote ? undefined : options.fromBackupOf, config: drill.config, root: options.sandboxRoot, emit: (e) => emit({ ...e, scenario: decl.id }),
        smallDisk: drill.sandbox?.smallDisk, sentiment: drill.sandbox?.sentiment,
        postgresServer: chosen.backend === 'postgres' ? options.installStore?.url : undefined,
      });
      sandbox = await opening;
      if (sandbox.store.backend === 'postgres') result.database = sandbox.store.database;
      // Stopped while the sandbox was made: it is removed at once.
      signal?.throwIfAborted();
    } catch (error) {
      if (!(error instanceof SandboxUnavailable)) throw error;
      result.skipped = error.message;
      result.reason = `skipped: ${error.message}`;
      emit({ event: 'drill-step', scenario: decl.id, stage: 'skipped', why: error.message });
      return;
    }
    await sandbox.startEngine();
    // The drill's script: every plan is answered yes at once (no time counted for the answer).
    const ctx = sandbox.context(async () => 0);
    const step: StepContext = { ...ctx, incidentId: null, alert: null, facts: {}, dryRun: false };
    const box = sandbox;
    const dctx: DrillContext = {
      dataDir: sandbox.dataDir, configPath: sandbox.configPath, simulator: sandbox.simulator, step, memo: {},
      restartEngine: () => box.restartEngine(), ...(sandbox.sentiment ? { sentiment: sandbox.sentiment } : {}),
    };
    const { checks } = await import('../library/index.js');

    // Steady before the fault: the daemon beats and the runbook's own steady state holds.
    await until('the sandbox reaching its steady state', 90_000, async () => {
      const beat = await checks.heartbeatFresh().run(step).catch(() => null);
      if (!beat?.ok) return null;
      for (const call of decl.steadyState) if (!(await call.run(step).catch(() => null))?.ok) return null;
      return true;
    }, 500, signal);
    emit({ event: 'drill-step', scenario: decl.id, stage: 'steady' });

    const faultAt = Date.now();
    result.injected = await drill.inject.run(dctx);
    emit({ event: 'drill-step', scenario: decl.id, stage: 'injected', what: result.injected });

    const ops = openOpsDb(sandbox.dataDir);
    let summary: RunSummary;
    try {
      const alerts = new AlertStore(ops);
      const fired = await until(`the ${drill.expects} alert firing`, options.alertTimeoutMs ?? 180_000,
        // Fired counts even when it resolved before this look (a rule over a short window).
        () => alerts.since(faultAt - 1_000).find((a) => a.rule === drill.expects && a.firedAt !== null && a.firedAt >= faultAt - 1_000) ?? null, 500, signal);
      result.alert = { id: fired.id, rule: fired.rule, firedAt: fired.firedAt! };
      emit({ event: 'drill-step', scenario: decl.id, stage: 'alert', alert: fired.id, rule: fired.rule });

      const incidents = new IncidentStore(ops);
      let incidentId: number;
      // The runbook reads the config as it is now (a fault may have changed it), like a `runbook run` started now.
      const runCtx = sandbox.context(async () => 0);
      let personDone: Promise<void> | null = null;
      const person = drill.person;
      const onStep = (e: { event: string } & Record<string, unknown>) => {
        if (!person || personDone || e.event !== 'runbook-step' || e.step !== person.atStep) return;
        personDone = person.does.run(dctx).then(
          (did) => { result.person = did; emit({ event: 'drill-step', scenario: decl.id, stage: 'person', what: did }); },
          (error: Error) => { result.person = `the drill's person failed: ${error.message}`; },
        );
      };
      if (options.walk) {
        await options.walk(sandbox, result.alert);
        const worked = incidents.list({ limit: 50 }).filter((i) => i.runbook === decl.id && i.openedAt >= faultAt && !i.dryRun).at(-1);
        if (!worked) throw new Error(`no incident of runbook ${decl.id} was opened during the drill`);
        const closed = worked.state !== 'open';
        const machine = worked.machine;
        summary = {
          event: 'summary', incidentId: worked.id, runbook: decl.id, chain: [decl.id],
          outcome: closed ? (worked.state as RunSummary['outcome']) : 'aborted', reason: closed ? worked.outcome : 'left open when the console closed',
          dryRun: false, resumed: false, steadyBefore: machine?.before?.passed ?? null, steadyAfter: machine?.after?.passed ?? null, steps: [], paged: null,
        };
        incidentId = worked.id;
      } else {
        const { runRunbook } = await import('../../ops/runbook.js');
        summary = await runRunbook(decl.id, { registry: options.registry, alertId: fired.id, automatic: true }, {
          ...runCtx, emit: (e) => { onStep(e); emit({ ...e, scenario: decl.id }); },
        });
        incidentId = summary.incidentId;
      }
      if (personDone) await personDone;
      result.outcome = summary.outcome;
      result.steadyAfter = summary.steadyAfter;
      const incident = incidents.get(incidentId)!;
      const timeline = incidents.timeline(incident.id);
      const acked = alerts.get(fired.id);
      result.score = scoreDrill({
        faultAt, alertFiredAt: fired.firedAt, openedAt: incident.openedAt, timeline, targetTime: decl.targetTime, expect: drill.outcome,
        ackedAt: acked?.ackedAt ?? null, ackedBy: acked?.ackedBy ?? null, openedBy: incident.openedBy,
      });
      result.report = { ...buildReport(incident, timeline, (id) => options.registry.find((r) => r.id === id)), drill: true };
    } finally {
      ops.close();
    }

    if (drill.revert) result.reverted = await drill.revert.run(dctx).catch((e: Error) => `revert failed: ${e.message}`);
    const expected = drill.outcome ?? 'resolved';
    // Fixed and reverted: the sandbox's engine, by its real rules, resolves the alert.
    const mustClear = expected === 'resolved' || drill.revert !== undefined;
    if (mustClear && result.alert) {
      const alertId = result.alert.id;
      const ops2 = openOpsDb(sandbox.dataDir);
      try {
        const alerts = new AlertStore(ops2);
        const resolved = await until('the alert resolved by the sandbox\'s engine', options.clearTimeoutMs ?? 150_000, () => {
          const a = alerts.get(alertId);
          return a?.state === 'resolved' && a.resolvedAt !== null ? a.resolvedAt : null;
        }, 500, signal).catch(() => null);
        result.cleared = resolved === null ? null : { afterMs: Math.max(0, resolved - faultAt) };
      } finally {
        ops2.close();
      }
      emit({ event: 'drill-step', scenario: decl.id, stage: result.cleared ? 'cleared' : 'not-cleared' });
    }
    if (drill.checksCandles) result.candles = await compareCandles(sandbox);

    const problems: string[] = [];
    if (summary.outcome !== expected) problems.push(`the runbook ended ${summary.outcome}${summary.reason ? `: ${summary.reason}` : ''} (the drill expects ${expected})`);
    if (expected === 'resolved' && summary.steadyAfter !== true) problems.push('the steady state was not reached');
    if (expected === 'escalated' && result.score?.toEscalatedMs === null) problems.push('the runbook did not page the escalation path');
    if (mustClear && result.alert && !result.cleared) problems.push(`the sandbox's engine still has alert #${result.alert.id} (${result.alert.rule}) open ${Math.round((options.clearTimeoutMs ?? 150_000) / 1000)} s after the revert`);
    if (result.candles && (result.candles.missing > 0 || result.candles.wrong > 0)) problems.push(`the store differs from the exchange: ${result.candles.missing} candle(s) missing, ${result.candles.wrong} wrong`);
    result.passed = problems.length === 0;
    result.reason = problems.length ? problems.join('; ') : null;
  }
}
