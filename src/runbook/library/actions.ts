/**
 * Calls that change things. Each has a `plan()` with the real numbers for consent and
 * `--dry-run`; the runbook pairs each with an `alreadyDone` check from checks.ts. The daemon is
 * driven through the engine's leader (which owns it); jobs run on the leader when one leads, else
 * here under their own locks. `recover` and `restore` ask `ctx.confirm` themselves with the
 * operation's own plan (args `confirm: 'in-run'`): a runner must not ask a second time.
 */
import type { ActionPlan } from '../../common/plan.js';
import { removeSymbols as removeFromConfig } from '../../config/symbols.js';
import type { Interval } from '../../exchange/intervals.js';
import { daemonReport, staleSeries as findStale, type StaleSeries } from '../../ops/diagnostics.js';
import { pauseDaemon as askPause, restartDaemon as askRestart, resumeDaemon as askResume } from '../../ops/leader.js';
import { recover as recoverOp, recoverPreview, restore as restoreOp, restorePreview, recoverySummaryJson } from '../../ops/restore.js';
import { runJobAnywhere } from '../../ops/run-job.js';
import type { StepCall, StepContext, StepResult } from '../types.js';
import { fact, failed, human, stepCall } from './call.js';

/** A job of the step's met a run of the same job (the schedule's, another runbook's): it waits for that one, then runs. */
const WAIT_IF_RUNNING = { waitIfRunning: true } as const;

function plan(action: string, title: string, facts: [string, string][], effects: string[], data: Record<string, unknown> = {}, risk: 'mutate' | 'destructive' = 'mutate'): ActionPlan {
  return { action, title, risk, facts: facts.map(([label, value]) => ({ label, value })), effects, data };
}

function daemonFacts(ctx: StepContext): [string, string][] {
  const d = daemonReport({ events: 0 }, ctx);
  return [['daemon', d.name], ['state', d.state ?? 'unknown'], ['PID', d.pid === null ? '-' : `${d.pid} (${d.alive ? 'alive' : 'gone'})`]];
}

type DaemonAsk = (ctx: StepContext, call: { reason?: string; timeoutMs?: number }) => Promise<{ id: number; state: string; result: Record<string, unknown> | null }>;

function daemonAction(name: string, ask: DaemonAsk, verb: string, effects: string[], reason: string | undefined, timeoutMs: number): StepCall {
  return stepCall(`actions.${name}`, { reason: reason ?? null, timeoutMs }, async (ctx) => {
    if (!ctx.loaded.config.daemon.command) return { ok: true, summary: `no daemon is configured (daemon.command): nothing to ${verb}`, data: { configured: false } };
    const request = await ask(ctx, { reason: reason ?? `runbook step${ctx.incidentId !== null ? ` (incident #${ctx.incidentId})` : ''}`, timeoutMs });
    const r = (request.result ?? {}) as Record<string, unknown>;
    if (request.state !== 'done') return failed(`the leader could not ${verb} the daemon: ${String(r.error ?? request.state)}`, { request: request.id, ...r });
    return { ok: true, summary: `${verb}: was ${String(r.previousState)} (PID ${String(r.previousPid ?? '-')}), now ${String(r.state)} (PID ${String(r.pid ?? '-')})`, data: { request: request.id, ...r } };
  }, (ctx) => plan(name, `${verb} the ${daemonReport({ events: 0 }, ctx).name} daemon through the engine's leader`, daemonFacts(ctx), effects));
}

/** Stops the daemon (SIGTERM to its group, SIGKILL after daemon.killGrace) and starts it again; lifts a pause or crash-loop. */
export function restartDaemon(options: { reason?: string; timeoutMs?: number } = {}): StepCall {
  return daemonAction('restartDaemon', askRestart, 'restart', [
    'the leader sends SIGTERM to the daemon\'s process group, SIGKILL after the kill grace',
    'it starts the daemon again (a deliberate restart: no crash is counted, a crash-loop is lifted)',
  ], options.reason, options.timeoutMs ?? 60_000);
}

/** Stops the daemon and keeps it stopped (no restart, no crash counted) until resumed. */
export function pauseDaemon(options: { reason?: string; timeoutMs?: number } = {}): StepCall {
  return daemonAction('pauseDaemon', askPause, 'pause', [
    'the leader stops the daemon (SIGTERM, SIGKILL after the kill grace)', 'it is not restarted until resumed',
  ], options.reason, options.timeoutMs ?? 60_000);
}

/** Starts a paused daemon again. */
export function resumeDaemon(options: { reason?: string; timeoutMs?: number } = {}): StepCall {
  return daemonAction('resumeDaemon', askResume, 'resume', ['the leader starts the paused daemon'], options.reason, options.timeoutMs ?? 60_000);
}

async function seriesToSync(ctx: StepContext, options: SyncSeriesOptions): Promise<{ symbols: string[]; intervals: Interval[] }> {
  if (options.all) return { symbols: [...ctx.loaded.config.symbols], intervals: [...ctx.loaded.config.intervals] };
  if (options.symbolsFact) {
    const named = fact<string[]>(ctx, options.symbolsFact) ?? [];
    return { symbols: named.filter((s) => ctx.loaded.config.symbols.includes(s)), intervals: [...ctx.loaded.config.intervals] };
  }
  if (options.symbols || options.intervals) {
    return { symbols: [...(options.symbols ?? ctx.loaded.config.symbols)], intervals: [...(options.intervals ?? ctx.loaded.config.intervals)] };
  }
  const stale = fact<StaleSeries[]>(ctx, options.fact ?? 'stale') ?? (await findStale({}, ctx)).stale;
  return { symbols: [...new Set(stale.map((s) => s.symbol))], intervals: [...new Set(stale.map((s) => s.interval))] };
}

function budgetOf(ctx: StepContext, options: SyncSeriesOptions): number {
  const configured = ctx.loaded.config.exchange.weightBudget;
  return options.weightShare === undefined ? configured : Math.max(1, Math.floor(configured * options.weightShare));
}

export interface SyncSeriesOptions {
  symbols?: readonly string[];
  intervals?: readonly Interval[];
  /** A fact holding StaleSeries[] (default `stale`, from checks.staleSeries); found now when absent. */
  fact?: string;
  /** Every configured series (a retry of the whole sync). */
  all?: boolean;
  /** A fact holding symbol names (e.g. `missing`): those still configured, every configured interval. */
  symbolsFact?: string;
  /** A share (0..1) of the configured weight budget, after 429s or a ban. */
  weightShare?: number;
  timeoutMs?: number;
}

/** A sync of the given series only (by default those found stale), on the leader when one leads. */
export function syncSeries(options: SyncSeriesOptions = {}): StepCall {
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  return stepCall('actions.syncSeries', { ...options, timeoutMs }, async (ctx) => {
    const { symbols, intervals } = await seriesToSync(ctx, options);
    if (symbols.length === 0) return { ok: true, summary: 'no series to sync', data: { symbols, intervals } };
    const weightBudget = budgetOf(ctx, options);
    const r = await runJobAnywhere(ctx, 'sync', 'sync', { symbols, intervals, weightBudget, timeoutMs }, timeoutMs, WAIT_IF_RUNNING);
    const s = r.summary ?? {};
    const ok = r.status === 'success';
    return {
      ok,
      summary: `sync of ${symbols.length} symbol(s) x ${intervals.join(',')} ${r.where === 'leader' ? 'on the leader' : 'here'} (run ${r.runId ?? '-'}): ${r.status}; ${String(s.candlesStored ?? 0)} candles stored${r.error ? `; ${r.error}` : ''}`,
      data: { where: r.where, runId: r.runId, status: r.status, symbols, intervals, candlesStored: s.candlesStored ?? null, weightUsed: s.weightUsed ?? null, rateLimited429: s.rateLimited429 ?? null, banned418: s.banned418 ?? null, failures: s.failures ?? [] },
      output: Array.isArray(s.failures) ? (s.failures as { symbol: string; interval: string; error: string }[]).slice(0, 10).map((f) => `${f.symbol} ${f.interval}: ${f.error}`) : undefined,
    };
  }, async (ctx) => {
    const { symbols, intervals } = await seriesToSync(ctx, options);
    return plan('sync', `sync ${symbols.length} symbol(s) x ${intervals.length} interval(s) from the exchange`, [
      ['symbols', symbols.slice(0, 8).join(', ') + (symbols.length > 8 ? ` and ${symbols.length - 8} more` : '')],
      ['intervals', intervals.join(', ')],
      ['weight budget', `${budgetOf(ctx, options)} per minute`],
      ['timeout', human(timeoutMs)],
    ], ['an incremental sync of these series only, under the sync lock', 'recorded in the run history (trigger runbook)'], { symbols, intervals });
  });
}

function recoveryResult(o: Awaited<ReturnType<typeof recoverOp>>): StepResult {
  const j = recoverySummaryJson(o);
  const ok = o.result === 'ok' || o.result === 'not-needed' || o.result === 'partial';
  return {
    ok,
    summary: `${o.kind} ${o.result}${o.backup ? ` from backup #${o.backup.id} (${o.backup.tier})` : ''}${o.quarantine ? `; damaged files kept in ${o.quarantine}` : ''}${o.resync ? `; resync ${o.resync.status}, ${o.resync.candlesStored} candles` : ''}${o.error ? `: ${o.error}` : ''}`,
    data: { ...j, recovered: ok },
    output: o.steps.map((s) => `${s.step}: ${s.status}${s.detail ? ` ${s.detail}` : ''}`),
  };
}

/**
 * The least drastic cure for a damaged market.db: REINDEX when only indexes are damaged, else the
 * newest backup that verifies (tier by tier), the resync of the gap, writers paused meanwhile.
 * The plan (which copy, its age, size, newest candle) goes through ctx.confirm inside the call.
 */
export function recover(): StepCall {
  return stepCall('actions.recover', { confirm: 'in-run' }, async (ctx) => recoveryResult(await recoverOp({}, ctx)), (ctx) =>
    recoverPreview({}, ctx) ?? plan('recover', 'recover market.db: nothing to do, integrity_check says ok', [], ['nothing'], {}, 'destructive'));
}

/**
 * Replaces market.db with the newest verified backup taken at least `beforeMs` ago (the 48 h
 * rollback), the live files kept in quarantine, then the resync. The plan goes through
 * ctx.confirm inside the call.
 */
export function restoreBackup(options: { beforeMs?: number } = {}): StepCall {
  const selection = options.beforeMs !== undefined ? { beforeMs: options.beforeMs } : { latest: true };
  return stepCall('actions.restoreBackup', { ...selection, confirm: 'in-run' }, async (ctx) => {
    try {
      return recoveryResult(await restoreOp({ selection }, ctx));
    } catch (error) {
      return failed(`restore refused: ${(error as Error).message}`, { selection });
    }
  }, (ctx) => restorePreview({ selection }, ctx));
}

/** A full validation (integrity_check, continuity, coverage), healing gaps from the exchange. */
export function validate(options: { heal?: boolean; timeoutMs?: number } = {}): StepCall {
  const timeoutMs = options.timeoutMs ?? 20 * 60_000;
  const heal = options.heal !== false;
  return stepCall('actions.validate', { heal, timeoutMs }, async (ctx) => {
    const r = await runJobAnywhere(ctx, 'validate', 'validate', { heal }, timeoutMs, WAIT_IF_RUNNING);
    const s = (r.summary ?? {}) as { status?: string; holes?: { found: number; filled: number }; missingSeries?: { found: number; backfilled: number }; probes?: { id: string; status: string; detail: string }[] };
    const bad = (s.probes ?? []).filter((p) => p.status !== 'ok');
    return {
      ok: r.status === 'success',
      summary: `validation ${s.status ?? r.status} (run ${r.runId ?? '-'}): ${s.holes ? `${s.holes.found} holes, ${s.holes.filled} filled` : ''}${s.missingSeries ? `; ${s.missingSeries.found} missing series, ${s.missingSeries.backfilled} backfilled` : ''}${r.error ? `; ${r.error}` : ''}`,
      data: { runId: r.runId, status: s.status ?? r.status, holes: s.holes ?? null, missingSeries: s.missingSeries ?? null },
      output: bad.map((p) => `${p.id}: ${p.status}: ${p.detail}`),
    };
  }, (ctx) => plan('validate', 'run a full validation of market.db', [['heal', heal ? 'yes: refetch gaps from the exchange' : 'no'], ['series', String(ctx.loaded.config.symbols.length * ctx.loaded.config.intervals.length)]],
    ['integrity_check, continuity and coverage under the validate lock', ...(heal ? ['gaps and missing series refetched from the exchange'] : [])]));
}

/** A backup now, to every configured tier, verified. */
export function backupNow(options: { timeoutMs?: number } = {}): StepCall {
  const timeoutMs = options.timeoutMs ?? 2 * 3_600_000;
  return stepCall('actions.backupNow', { timeoutMs }, async (ctx) => {
    const r = await runJobAnywhere(ctx, 'backup', 'backup', {}, timeoutMs, WAIT_IF_RUNNING);
    const tiers = Array.isArray(r.summary?.tiers) ? (r.summary.tiers as { tier: string; status: string; error?: string | null }[]) : [];
    return {
      ok: r.status === 'success',
      summary: `backup ${r.status} (run ${r.runId ?? '-'}): ${tiers.map((t) => `${t.tier} ${t.status}${t.error ? ` (${t.error})` : ''}`).join(', ') || r.error || ''}`,
      data: { runId: r.runId, status: r.status, tiers },
    };
  }, (ctx) => plan('backup', 'back market.db up now, to every configured tier', [['data dir', ctx.dataDir]],
    ['a snapshot under the backup lock, verified before it counts', 'retention applied afterwards']));
}

/** The sentiment and macro job now (funding, open interest, ratios, fear & greed, FRED), each source on its own. */
export function sentimentNow(options: { timeoutMs?: number } = {}): StepCall {
  const timeoutMs = options.timeoutMs ?? 20 * 60_000;
  return stepCall('actions.sentimentNow', { timeoutMs }, async (ctx) => {
    const r = await runJobAnywhere(ctx, 'sentiment', 'sentiment', {}, timeoutMs, WAIT_IF_RUNNING);
    const sources = Array.isArray(r.summary?.sources) ? (r.summary.sources as { source: string; status: string; error?: string | null }[]) : [];
    return {
      ok: r.status === 'success',
      summary: `sentiment ${r.status} (run ${r.runId ?? '-'})${sources.length ? `: ${sources.map((x) => `${x.source} ${x.status}${x.error ? ` (${x.error})` : ''}`).join(', ')}` : r.error ? `: ${r.error}` : ''}`,
      data: { runId: r.runId, status: r.status, sources },
    };
  }, (ctx) => plan('sentiment', 'fetch the sentiment and macro data now', [['data dir', ctx.dataDir]],
    ['every source in its own transaction; one failing leaves the others stored']));
}

/** Removes the symbols of fact `key` (default `unlisted`, from checks.symbols) from the configured list, in the config file. */
export function removeSymbols(options: { symbols?: readonly string[]; fact?: string } = {}): StepCall {
  const wanted = (ctx: StepContext) => [...(options.symbols ?? fact<string[]>(ctx, options.fact ?? 'unlisted') ?? [])];
  return stepCall('actions.removeSymbols', { symbols: options.symbols ?? null, fact: options.fact ?? 'unlisted' }, (ctx) => {
    const list = wanted(ctx);
    if (list.length === 0) return { ok: true, summary: 'no symbol to remove', data: { removed: [] } };
    try {
      const r = removeFromConfig(ctx.loaded, list);
      return {
        ok: true,
        summary: r.removed.length ? `removed ${r.removed.join(', ')} from the configured symbols (${r.symbols.length} left) in ${ctx.loaded.path}; a running engine picks it up at its next start` : `${list.join(', ')} already not configured`,
        data: { removed: r.removed, left: r.symbols.length, configFile: ctx.loaded.path },
      };
    } catch (error) {
      return failed(`cannot remove ${list.join(', ')}: ${(error as Error).message}`);
    }
  }, (ctx) => {
    const list = wanted(ctx);
    return plan('remove-symbols', `remove ${list.length} symbol(s) from the configured list`, [
      ['symbols', list.join(', ') || '-'], ['config file', ctx.loaded.path], ['left afterwards', String(ctx.loaded.config.symbols.filter((s) => !list.includes(s)).length)],
    ], ['the config file is rewritten without them (validated first)', 'their stored candles are kept'], { symbols: list });
  });
}
