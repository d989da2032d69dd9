/**
 * The chaos soak (`cfa-console drill chaos`): one sandbox (sandbox.ts) whose engine runs in
 * automatic mode (every runbook automatic) with the sync on a schedule of a minute; over the
 * duration, the faults of the drill catalogue are injected as the seeded plan says (chaos-plan.ts),
 * several at once where they touch different parts, and the engine itself is killed with kill -9
 * and started again as systemd would. Each fault is taken back (the drill's revert) once its
 * runbook is done with it. Then the engine settles, and the soak checks what the product promises:
 * the store equals the exchange's closed candles, every fault raised its alert, and no incident is
 * left open. Nothing here writes an alert or an incident: the engine's real rules and runbooks do.
 */
import { AlertStore } from '../../alerts/alert-state.js';
import { ruleSettings } from '../../alerts/settings.js';
import type { RuleId } from '../../alerts/types.js';
import { listRuns } from '../../engine/run-history.js';
import { firstHealthSnapshotSince } from '../../health/snapshot-store.js';
import { readLease } from '../../engine/leadership.js';
import { isAlive } from '../../engine/process-identity.js';
import { openOpsDb } from '../../store/ops-db.js';
import { IncidentStore } from '../incidents.js';
import { formatDuration } from '../report.js';
import type { DrillContext, RunbookDecl, StepContext } from '../types.js';
import { healedBeforeSeen, type HealProof } from './chaos-heal.js';
import { chaosCatalogue, chaosFault, ENGINE_KILL, planChaos, type PlannedFault } from './chaos-plan.js';
import { deletedCandlesBack } from './faults.js';
import { compareCandles, sleep, until, type CandleCheck } from './drill.js';
import { openSandbox, type Sandbox } from './sandbox.js';

export interface ChaosOptions {
  /** The drills (the runbooks that declare one). */
  scenarios: readonly RunbookDecl[];
  durationMs: number;
  seed: number;
  emit?: (event: { event: string } & Record<string, unknown>) => void;
  /** Ctrl-C, SIGTERM: the soak stops and its sandbox is removed. */
  signal?: AbortSignal;
  /** How long one fault's alert may take to fire (default 150 s: the integrity probe runs once a minute). */
  alertTimeoutMs?: number;
  /** How long the engine may take to close every incident after the last fault (default 5 min). */
  settleTimeoutMs?: number;
  sandboxRoot?: string;
}

/** One injected fault and what came of it. */
export interface ChaosEpisode {
  fault: string;
  plannedAtMs: number;
  /** From the start of the soak. */
  injectedAtMs: number | null;
  injected: string | null;
  /** The alert rule the fault must raise (none for the engine kill). */
  expects: string | null;
  /**
   * The alert that caught the fault. `alreadyFiring`: it was firing (from an earlier fault) when
   * this one was injected, and went on. `via`: another rule fired first and its runbook handed
   * over to this fault's (e.g. `daemon-dead → db-corruption`).
   */
  alert: { id: number; rule: string; firedAt: number; alreadyFiring: boolean; via: string | null } | null;
  /**
   * No alert, because the system undid the fault before its leader looked (chaos-heal.ts): the
   * run that did it, and the leader's first look after the fault (times from the soak's start).
   */
  healed: { runId: number; job: string; trigger: string; runStartedAtMs: number; runEndedAtMs: number | null; stored: number; firstLookAtMs: number } | null;
  reverted: string | null;
  error: string | null;
}

export interface ChaosResult {
  event: 'chaos';
  seed: number;
  durationMs: number;
  startedAt: number;
  endedAt: number;
  passed: boolean;
  reasons: string[];
  aborted: boolean;
  drills: string[];
  excluded: Array<{ id: string; reason: string }>;
  faultsInjected: number;
  engineKills: number;
  alertsRaised: number;
  /** Faults whose alert never fired (and that the system had not healed before its leader looked). */
  alertsLost: Array<{ fault: string; expects: string; injectedAtMs: number | null }>;
  /** Faults the system undid before its leader could see them: no alert was due (see ChaosEpisode.healed). */
  healedBeforeAlert: Array<{ fault: string; injectedAtMs: number | null; by: string }>;
  incidents: { opened: number; resolvedAutomatically: number; resolvedByHand: number; escalated: number; aborted: number; open: number };
  candles: CandleCheck | null;
  episodes: ChaosEpisode[];
  /** Every alert of the soak (times from its start). */
  alertList: Array<{ id: number; rule: string; firedAtMs: number | null; resolvedAtMs: number | null; state: string; summary: string }>;
  /** Every incident of the soak: which runbook, on which alert, how it ended. */
  incidentList: Array<{ id: number; runbook: string; alertRule: string | null; automatic: boolean; state: string; outcome: string | null; resumed: boolean }>;
}

/** The soak's own settings over the drills': every runbook automatic, the sync once a minute. */
function soakConfig(scenarios: readonly RunbookDecl[], drillsConfig: Record<string, unknown>): Record<string, unknown> {
  return {
    ...drillsConfig,
    jobs: { sync: { enabled: true, schedule: '*/1 * * * *', catchUpWindow: '1m' } },
    runbooks: { auto: Object.fromEntries(scenarios.map((r) => [r.id, true])) },
  };
}

/** Holds the parts of the system a running fault touches, so a conflicting one waits. */
class Resources {
  private readonly held = new Map<string, number>();
  free(resources: readonly string[]): boolean {
    return resources.every((r) => !this.held.has(r) && (r === '*' ? this.held.size === 0 : !this.held.has('*')));
  }
  take(resources: readonly string[]): void { for (const r of resources) this.held.set(r, (this.held.get(r) ?? 0) + 1); }
  release(resources: readonly string[]): void { for (const r of resources) this.held.delete(r); }
}


export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const emit = options.emit ?? (() => {});
  const signal = options.signal;
  const startedAt = Date.now();
  const catalogue = chaosCatalogue(options.scenarios);
  const result: ChaosResult = {
    event: 'chaos', seed: options.seed, durationMs: options.durationMs, startedAt, endedAt: startedAt, passed: false, reasons: [], aborted: false,
    drills: catalogue.drills.map((d) => d.id), excluded: catalogue.excluded,
    faultsInjected: 0, engineKills: 0, alertsRaised: 0, alertsLost: [], healedBeforeAlert: [],
    incidents: { opened: 0, resolvedAutomatically: 0, resolvedByHand: 0, escalated: 0, aborted: 0, open: 0 },
    candles: null, episodes: [], incidentList: [], alertList: [],
  };
  const plan = planChaos({
    seed: options.seed, durationMs: options.durationMs,
    catalogue: [...catalogue.drills.map((d) => chaosFault(d.id, d.drill!.inject.name)), chaosFault(ENGINE_KILL, ENGINE_KILL)],
    // Every soak kills the engine at least once: the promise must hold across a crash of the leader.
    always: [ENGINE_KILL],
  });
  for (const ex of catalogue.excluded) emit({ event: 'chaos-step', stage: 'excluded', fault: ex.id, what: ex.reason });

  let sandbox: Sandbox | null = null;
  let soakStart = startedAt;
  const at = () => Date.now() - soakStart;
  try {
    sandbox = await openSandbox({
      config: soakConfig(options.scenarios, catalogue.config), root: options.sandboxRoot, emit,
      sentiment: catalogue.drills.some((d) => d.drill!.sandbox?.sentiment),
    });
    const box = sandbox;
    await box.startEngine();
    const ctx = box.context(async () => 0);
    const step: StepContext = { ...ctx, incidentId: null, alert: null, facts: {}, dryRun: false };
    const settings = ruleSettings(ctx.loaded.config);
    const { checks } = await import('../library/index.js');
    await until('the sandbox\'s daemon beating', 90_000, async () => ((await checks.heartbeatFresh().run(step).catch(() => null))?.ok ? true : null), 500, signal);
    soakStart = Date.now();
    emit({ event: 'chaos-step', stage: 'steady', at: 0, what: `the engine leads the sandbox; seed ${options.seed}: ${plan.length} faults planned over ${formatDuration(options.durationMs)}`, plan: plan.map((p) => ({ fault: p.id, atMs: p.atMs })) });

    const ops = openOpsDb(box.dataDir);
    const alerts = new AlertStore(ops);
    const incidents = new IncidentStore(ops);
    const held = new Resources();
    let closedBy: number | undefined;
    const running: Promise<void>[] = [];
    let active = 0;
    try {
      const leaderIs = (pid: number) => readLease(ops)?.pid === pid;

      const killEngine = async (episode: ChaosEpisode): Promise<void> => {
        const pid = box.engine!.pid;
        process.kill(pid, 'SIGKILL');
        await until(`engine PID ${pid} gone`, 10_000, () => (isAlive({ pid, startTicks: null }) ? null : true), 100, signal);
        episode.injectedAtMs = at();
        episode.injected = `engine PID ${pid} killed with SIGKILL`;
        result.engineKills += 1;
        emit({ event: 'chaos-step', stage: 'injected', at: episode.injectedAtMs, fault: ENGINE_KILL, what: episode.injected });
        // systemd's RestartSec.
        await sleep(1_000);
        await box.startEngine();
        const next = box.engine!.pid;
        await until(`the restarted engine (PID ${next}) leading`, 60_000, () => (leaderIs(next) ? true : null), 250, signal);
        episode.reverted = `engine restarted: PID ${next} leads`;
        emit({ event: 'chaos-step', stage: 'reverted', at: at(), fault: ENGINE_KILL, what: episode.reverted });
      };

      const drillFault = async (decl: RunbookDecl, episode: ChaosEpisode): Promise<void> => {
        const drill = decl.drill!;
        const dctx: DrillContext = {
          dataDir: box.dataDir, configPath: box.configPath, simulator: box.simulator, step, memo: {},
          restartEngine: () => box.restartEngine(), ...(box.sentiment ? { sentiment: box.sentiment } : {}),
        };
        // Its alert quiet first, so the alert seen after is this fault's (a fault before may have raised it too).
        const firing = () => alerts.open().find((a) => a.rule === drill.expects && a.state === 'firing') ?? null;
        await until(`the ${drill.expects} alert quiet`, 90_000, () => (firing() ? null : true), 1_000, signal).catch((error: Error) => {
          if (signal?.aborted) throw error;
          emit({ event: 'chaos-step', stage: 'busy', at: at(), fault: decl.id, what: `${drill.expects} still firing (alert #${firing()?.id ?? '?'}): injecting anyway` });
        });
        const before = firing();
        // A fault may find its target busy (a sync running, the daemon being restarted): it tries again.
        let faultAt = 0;
        for (let attempt = 1; ; attempt += 1) {
          faultAt = Date.now();
          try {
            episode.injected = await drill.inject.run(dctx);
            break;
          } catch (error) {
            if (attempt >= 5) throw error;
            emit({ event: 'chaos-step', stage: 'retry', at: at(), fault: decl.id, what: (error as Error).message });
            await sleep(3_000);
          }
        }
        const madeAt = Date.now();
        episode.injectedAtMs = faultAt - soakStart;
        emit({ event: 'chaos-step', stage: 'injected', at: episode.injectedAtMs, fault: decl.id, what: episode.injected });
        const healedBy = chaosFault(decl.id, drill.inject.name).healedBy;
        // The leader's first look after the fault was made (its rules judged this very snapshot).
        let firstLook: ReturnType<typeof firstHealthSnapshotSince> = null;
        const healed = async (): Promise<HealProof | null> => {
          if (!healedBy) return null;
          firstLook ??= firstHealthSnapshotSince(ops, madeAt);
          if (!firstLook) return null;
          return healedBeforeSeen({
            faultAt, rule: drill.expects as RuleId, firstLook: firstLook.snapshot, runs: listRuns(ops, { job: healedBy, since: faultAt - 1_000 }),
            healedBy, settings, undone: await deletedCandlesBack(dctx),
          });
        };
        try {
          // The incidents since the fault that ran this fault's runbook: opened on it, or handed over to it.
          const working = () => incidents.list({ limit: 200 }).filter((i) => i.openedAt >= faultAt - 1_000 && !i.dryRun
            && (i.runbook === decl.id || incidents.timeline(i.id).some((e) => e.runbook === decl.id)));
          const fired = await until(`the ${drill.expects} alert of ${decl.id} firing`, options.alertTimeoutMs ?? 150_000, async () => {
            const own = alerts.since(faultAt - 1_000).find((a) => a.rule === drill.expects && a.firedAt !== null && a.firedAt >= faultAt - 1_000);
            if (own) return { alert: own, via: null };
            // Still firing from before (it never went quiet): the fault is in that alert.
            if (before && alerts.get(before.id)?.state === 'firing') return { alert: before, via: null };
            // Caught first by another alert whose runbook handed over to this fault's (the daemon
            // crashed on a corrupt page: daemon-dead, then db-corruption), and cured before the
            // expected alert's own probe came round: the fault did not go unnoticed.
            const handed = working().find((i) => i.runbook !== decl.id && i.alert !== null);
            const via = handed ? alerts.get(handed.alert!.id) : null;
            if (via && via.firedAt !== null) return { alert: via, via: `${handed!.runbook} → ${decl.id}` };
            const proof = await healed();
            return proof ? { healed: proof } : null;
          }, 500, signal).catch((error: Error) => {
            if (signal?.aborted) throw error;
            // What the leader saw first after the fault: for the person reading up on a lost alert.
            const look = firstLook ?? firstHealthSnapshotSince(ops, madeAt);
            throw new Error(`${error.message} (the leader's first look after the fault: ${look ? `${look.takenAt - faultAt} ms after it, overall ${look.snapshot.overall}` : 'not stored'})`);
          });
          if (fired.healed) {
            const { run, firstLookAt } = fired.healed;
            episode.healed = {
              runId: run.id, job: run.job, trigger: run.trigger, runStartedAtMs: run.startedAt - soakStart,
              runEndedAtMs: run.endedAt === null ? null : run.endedAt - soakStart, stored: run.stored, firstLookAtMs: firstLookAt - soakStart,
            };
            const began = run.startedAt - faultAt;
            emit({ event: 'chaos-step', stage: 'healed', at: at(), fault: decl.id, what: `no ${drill.expects} alert due: ${run.job} run ${run.id} (${run.trigger}), begun ${Math.abs(began)} ms ${began < 0 ? 'before' : 'after'} the fault, stored ${run.stored} candle(s), every deleted one back; the leader's first look, ${firstLookAt - faultAt} ms after the fault, found nothing` });
            return;
          }
          episode.alert = { id: fired.alert.id, rule: fired.alert.rule, firedAt: fired.alert.firedAt!, alreadyFiring: fired.alert.id === before?.id, via: fired.via };
          const how = episode.alert.alreadyFiring ? ', firing since before the fault' : fired.via ? `, whose runbook handed over: ${fired.via}` : '';
          emit({ event: 'chaos-step', stage: 'alert', at: at(), fault: decl.id, what: `${fired.alert.rule} firing (alert #${fired.alert.id}${how})` });
          // Done with it: the alert resolved and no incident of its runbook open, or the runbook paged.
          await until(`${decl.id}'s alert resolved and its incident closed`, options.settleTimeoutMs ?? 300_000, () => {
            const alert = alerts.get(fired.alert.id);
            const mine = working();
            if (mine.some((i) => i.state === 'escalated')) return true;
            return alert && alert.state !== 'firing' && alert.state !== 'pending' && mine.every((i) => i.state !== 'open') ? true : null;
          }, 1_000, signal);
        } finally {
          if (drill.revert) episode.reverted = await drill.revert.run(dctx).catch((e: Error) => `revert failed: ${e.message}`);
          emit({ event: 'chaos-step', stage: 'reverted', at: at(), fault: decl.id, what: episode.reverted ?? 'the runbook\'s own fix' });
        }
      };

      const runEpisode = async (p: PlannedFault): Promise<void> => {
        const episode: ChaosEpisode = { fault: p.id, plannedAtMs: p.atMs, injectedAtMs: null, injected: null, expects: null, alert: null, healed: null, reverted: null, error: null };
        result.episodes.push(episode);
        try {
          if (p.id === ENGINE_KILL) await killEngine(episode);
          else {
            const decl = catalogue.drills.find((d) => d.id === p.id)!;
            episode.expects = decl.drill!.expects;
            await drillFault(decl, episode);
          }
        } catch (error) {
          episode.error = (error as Error).message;
          emit({ event: 'chaos-step', stage: 'error', at: at(), fault: p.id, what: episode.error });
        } finally {
          held.release(p.resources);
          active -= 1;
          if (episode.injected) result.faultsInjected += 1;
        }
      };

      const progress = setInterval(() => {
        const open = incidents.active().length;
        const firing = alerts.open().filter((a) => a.state === 'firing').length;
        emit({ event: 'chaos-step', stage: 'progress', at: at(), what: `${result.faultsInjected} faults injected, ${active} active, ${firing} alerts firing, ${open} incidents open` });
      }, 15_000);
      try {
        for (const p of plan) {
          // The plan's time, and the parts it touches free (a runbook may run longer than planned).
          await until('the plan', Number.MAX_SAFE_INTEGER, () => (at() >= p.atMs && held.free(p.resources) ? true : null), 250, signal);
          held.take(p.resources);
          active += 1;
          running.push(runEpisode(p));
        }
        await Promise.all(running);
        emit({ event: 'chaos-step', stage: 'settling', at: at(), what: 'every fault taken back; waiting for the engine to close every incident' });
        await until('every incident closed or escalated', options.settleTimeoutMs ?? 300_000, () => (incidents.active().length === 0 ? true : null), 1_000, signal)
          .catch((error: Error) => { if (signal?.aborted) throw error; });
      } finally {
        clearInterval(progress);
      }

      const raised = alerts.since(soakStart).filter((a) => a.firedAt !== null && a.firedAt >= soakStart);
      result.alertsRaised = raised.length;
      result.alertList = raised.map((a) => ({ id: a.id, rule: a.rule, firedAtMs: a.firedAt! - soakStart, resolvedAtMs: a.resolvedAt === null ? null : a.resolvedAt - soakStart, state: a.state, summary: a.summary })).sort((a, b) => a.id - b.id);
      for (const e of result.episodes) {
        if (e.healed) result.healedBeforeAlert.push({ fault: e.fault, injectedAtMs: e.injectedAtMs, by: `${e.healed.job} run ${e.healed.runId} (${e.healed.trigger})` });
        else if (e.expects && !e.alert) result.alertsLost.push({ fault: e.fault, expects: e.expects, injectedAtMs: e.injectedAtMs });
      }
      const mine = incidents.list({ limit: 10_000 }).filter((i) => i.openedAt >= soakStart && !i.dryRun);
      result.incidentList = mine.map((i) => ({ id: i.id, runbook: i.runbook, alertRule: i.alert?.rule ?? null, automatic: i.automatic, state: i.state, outcome: i.outcome,
        // Resumed after its runner died (the engine's kill -9).
        resumed: incidents.timeline(i.id).some((e) => e.kind === 'resume') })).reverse();
      result.incidents = {
        opened: mine.length,
        resolvedAutomatically: mine.filter((i) => i.state === 'resolved' && i.automatic).length,
        resolvedByHand: mine.filter((i) => i.state === 'resolved' && !i.automatic).length,
        escalated: mine.filter((i) => i.state === 'escalated').length,
        aborted: mine.filter((i) => i.state === 'aborted').length,
        open: mine.filter((i) => i.state === 'open').length,
      };
      // The store is judged after the engine's next scheduled sync: every candle closed when it
      // began must be there (also the newest of each series), not only the stored range.
      const settledAt = Date.now();
      emit({ event: 'chaos-step', stage: 'settling', at: at(), what: 'waiting for the next scheduled sync, then comparing the store with the exchange' });
      const scheduled = await until('a scheduled sync after the soak', 150_000, () => listRuns(ops, { job: 'sync', since: settledAt, limit: 20 })
        .find((r) => r.trigger === 'schedule' && r.status !== 'running' && r.status !== 'skipped') ?? null, 1_000, signal)
        .catch((error: Error) => { if (signal?.aborted) throw error; return null; });
      if (!scheduled) result.reasons.push('no scheduled sync ran within 150 s after the soak: the store is compared over its stored range only');
      else if (scheduled.status !== 'success') result.reasons.push(`the scheduled sync after the soak (run ${scheduled.id}) ended ${scheduled.status}`);
      closedBy = scheduled?.status === 'success' ? scheduled.startedAt : undefined;
    } finally {
      ops.close();
    }
    result.candles = await compareCandles(box, closedBy);

    const reasons: string[] = [...result.reasons];
    if (result.faultsInjected === 0) reasons.push('no fault was injected');
    for (const e of result.episodes) if (e.error) reasons.push(`${e.fault}: ${e.error}`);
    for (const l of result.alertsLost) reasons.push(`${l.fault}'s ${l.expects} alert never fired`);
    if (result.incidents.open > 0) reasons.push(`${result.incidents.open} incident(s) left open`);
    if (result.candles.missing > 0 || result.candles.wrong > 0) reasons.push(`the store differs from the exchange: ${result.candles.missing} candle(s) missing, ${result.candles.wrong} wrong`);
    result.reasons = reasons;
    result.passed = reasons.length === 0;
  } catch (error) {
    result.aborted = Boolean(signal?.aborted);
    result.reasons.push(result.aborted ? `stopped: ${String((signal!.reason as Error)?.message ?? signal!.reason)}` : (error as Error).message);
    result.passed = false;
  } finally {
    await sandbox?.close().catch(() => {});
    result.endedAt = Date.now();
  }
  return result;
}
