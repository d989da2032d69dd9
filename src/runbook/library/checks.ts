/**
 * Read-only calls: what a runbook looks at before it acts, the `alreadyDone` probes of its
 * mutating steps, and the steady-state checks. Each returns `ok: true` when the thing it looks at
 * is healthy (or, for an alreadyDone probe, when the effect is already there).
 */
import path from 'node:path';
import type { RuleId } from '../../alerts/types.js';
import { durationMs } from '../../config/schema.js';
import { alertOutboxSent } from './notify-state.js';
import {
  backupDiskSpace, checkRules, daemonLogTail, diskUsage, daemonReport, exchangeProbe, hangDiagnostics as captureHang, probeNow, rateLimitState,
  staleSeries as findStale, storeIntegrity, symbolListing, type StaleSeries,
} from '../../ops/diagnostics.js';
import { recoveriesSince } from '../../ops/restore.js';
import { worstStatus } from '../../health/status.js';
import { stepCall, fact, failed, human, iso } from './call.js';
import type { StepCall } from '../types.js';

/** The alert rules judged now: the steady state of a runbook is "these rules find nothing". */
export function rulesClear(rules: readonly RuleId[]): StepCall {
  return stepCall('checks.rulesClear', { rules }, async (ctx) => {
    const r = await checkRules({ rules }, ctx);
    const summary = r.clear
      ? `${rules.join(', ')}: nothing wrong`
      : r.findings.length
        ? r.findings.map((f) => `${f.rule}: ${f.summary}`).join('; ')
        : `${r.undetermined.join(', ')}: cannot tell (a probe could not run)`;
    // missingCandles (rules that read freshness): what the report measures as data loss, before and after.
    return { ok: r.clear, summary, data: { findings: r.findings, undetermined: r.undetermined, at: r.at, ...(r.missingCandles !== undefined ? { missingCandles: r.missingCandles } : {}) } };
  });
}

/** The supervised daemon: state, PID (alive with its start time), last exit, heartbeat, crashes, last events. ok = running and alive. */
export function daemonStatus(options: { events?: number } = {}): StepCall {
  return stepCall('checks.daemonStatus', { events: options.events ?? 10 }, (ctx) => {
    const d = daemonReport({ events: options.events ?? 10 }, ctx);
    if (!d.configured) return failed('no daemon is configured (daemon.command is not set)', { configured: false });
    const running = (d.state === 'running' || d.state === 'starting') && d.alive;
    const exit = d.lastExitCode !== null ? `exit ${d.lastExitCode}` : d.lastExitSignal ? `signal ${d.lastExitSignal}` : 'no exit recorded';
    const summary = running
      ? `running: PID ${d.pid} since ${iso(d.startedAt)}, heartbeat ${human(d.heartbeatAgeMs)} old`
      : `not running: state ${d.state ?? 'unknown'}${d.pid !== null ? `, PID ${d.pid} ${d.alive ? 'alive' : 'gone'}` : ''}, last ${exit}; ${d.crashesInWindow} crash(es) in ${human(d.crashWindowMs)}`;
    return {
      ok: running,
      summary,
      data: {
        running, state: d.state, pid: d.pid, alive: d.alive, startedAt: d.startedAt, lastExitCode: d.lastExitCode,
        lastExitSignal: d.lastExitSignal, heartbeatAgeMs: d.heartbeatAgeMs, crashesInWindow: d.crashesInWindow, pidFile: d.pidFile,
      },
      output: d.events.map((e) => `${iso(e.at)} ${e.kind}${e.detail ? ` ${JSON.stringify(e.detail)}` : ''}`),
    };
  });
}

/** The daemon is paused (stopped on purpose, not restarted): the alreadyDone of a pause. */
export function daemonPaused(): StepCall {
  return stepCall('checks.daemonPaused', {}, (ctx) => {
    const d = daemonReport({ events: 0 }, ctx);
    const ok = d.state === 'paused' && !d.alive;
    return { ok, summary: ok ? 'the daemon is paused' : `the daemon is ${d.state ?? 'unknown'}${d.alive ? ` (PID ${d.pid} alive)` : ''}`, data: { state: d.state, pid: d.pid } };
  });
}

/**
 * The daemon runs and has beaten since it started, within the heartbeat limit: the alreadyDone
 * of a restart or resume, and what a wait for a fresh heartbeat polls.
 */
export function heartbeatFresh(): StepCall {
  return stepCall('checks.heartbeatFresh', {}, (ctx) => {
    const d = daemonReport({ events: 0 }, ctx);
    const limit = durationMs(ctx.loaded.config.alerts.thresholds.heartbeatStale ?? ctx.loaded.config.daemon.heartbeatTimeout);
    const running = d.state === 'running' && d.alive;
    const ok = running && d.heartbeatAt !== null && (d.heartbeatAgeMs ?? Infinity) <= limit;
    const summary = !running
      ? `the daemon is not running (${d.state ?? 'unknown'})`
      : d.heartbeatAt === null ? `PID ${d.pid} runs but has not beaten since it started ${iso(d.startedAt)}`
        : `PID ${d.pid}: heartbeat ${human(d.heartbeatAgeMs)} old (limit ${human(limit)})`;
    return { ok, summary, data: { pid: d.pid, state: d.state, startedAt: d.startedAt, heartbeatAgeMs: d.heartbeatAgeMs } };
  });
}

/**
 * The daemon runs as a different process than the one an earlier step saw (fact `pid`), with a
 * fresh heartbeat: the alreadyDone of restarting a hung daemon (which is running, so "running"
 * alone proves nothing).
 */
export function daemonReplaced(options: { fact?: string } = {}): StepCall {
  const key = options.fact ?? 'pid';
  return stepCall('checks.daemonReplaced', { fact: key }, async (ctx) => {
    const before = fact<number | null>(ctx, key) ?? null;
    const beat = await heartbeatFresh().run(ctx);
    const pid = beat.data.pid as number | null;
    const ok = beat.ok && before !== null && pid !== before;
    return { ok, summary: ok ? `PID ${pid} replaced PID ${before}; ${beat.summary}` : before === null ? 'no earlier PID to compare with' : `${beat.summary} (PID before: ${before})`, data: { pid, before } };
  });
}

/** What takes the data dir's space, biggest first (backups, logs, quarantine, the stores). Always ok: it informs. */
export function dataDirUsage(): StepCall {
  return stepCall('checks.dataDirUsage', {}, (ctx) => {
    const u = diskUsage({}, ctx);
    const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
    return {
      ok: true,
      summary: `${mb(u.totalBytes)} in ${ctx.dataDir}; biggest: ${u.entries.slice(0, 3).map((e) => `${e.name} ${mb(e.bytes)}`).join(', ')}`,
      data: { ...u },
      output: u.entries.map((e) => `${mb(e.bytes).padStart(12)}  ${e.name}`),
    };
  });
}

/** The last lines of the daemon's log (only those that look like errors when `errorsOnly`). Always ok: it informs. */
export function daemonLog(options: { lines?: number; errorsOnly?: boolean } = {}): StepCall {
  const lines = options.lines ?? 20;
  return stepCall('checks.daemonLog', { lines, errorsOnly: options.errorsOnly ?? false }, (ctx) => {
    const t = daemonLogTail({ lines, errorsOnly: options.errorsOnly }, ctx);
    const summary = t.lines.length === 0
      ? `nothing${options.errorsOnly ? ' that looks like an error' : ''} in ${t.file}`
      : `${t.errorLines} error line(s) among the last 500 of ${t.file}; last: ${t.lines.at(-1)!.slice(0, 160)}`;
    return { ok: true, summary, data: { file: t.file, errorLines: t.errorLines, lastError: t.lines.at(-1) ?? null }, output: t.lines };
  });
}

/**
 * `PRAGMA integrity_check` of market.db (or every candle read in PostgreSQL), read-only: its first
 * lines. ok = healthy. `damaged` is what a cure (db-corruption) is for; a store in PostgreSQL that
 * cannot be reached is neither sound nor damaged (`unreachable`), and a restore over it would
 * replace a database that may be whole.
 */
export function integrity(options: { lines?: number } = {}): StepCall {
  return stepCall('checks.integrity', { lines: options.lines ?? 20 }, async (ctx) => {
    const r = await storeIntegrity({ lines: options.lines ?? 20 }, ctx);
    return {
      ok: r.state === 'healthy',
      summary: r.summary,
      data: {
        state: r.state, sound: r.state === 'healthy', damaged: r.state !== 'healthy' && r.state !== 'unreachable', unreachable: r.state === 'unreachable',
        indexOnly: r.state === 'index-only', problems: r.problems, file: r.file,
      },
      output: r.problems.length ? r.problems : ['ok'],
    };
  });
}

/**
 * Captures what a hung daemon is doing, before it is killed: process state, wchan,
 * /proc/<pid>/stack where readable, CPU/RSS history, last log lines. Kept in the result's output
 * and written as JSON under the data dir's `incidents/` for later. ok = captured.
 */
export function hangDiagnostics(options: { historyMs?: number; logLines?: number } = {}): StepCall {
  return stepCall('checks.hangDiagnostics', { historyMs: options.historyMs ?? 900_000, logLines: options.logLines ?? 30 }, (ctx) => {
    const saveDir = path.join(ctx.dataDir, 'incidents', String(ctx.incidentId ?? 'adhoc'));
    const h = captureHang({ ...options, saveDir }, ctx);
    const output = [
      h.pid === null ? 'process: not running' : `process: PID ${h.pid} state ${h.proc?.state ?? '?'} (${h.proc?.comm ?? '?'}), utime ${h.proc?.utime ?? '?'} stime ${h.proc?.stime ?? '?'} ticks`,
      `wchan: ${h.wchan ?? 'unreadable'}`,
      ...(h.stack ? ['stack:', ...h.stack.map((l) => `  ${l}`)] : ['stack: /proc/<pid>/stack not readable (root only)']),
      `cpu/rss (${h.samples.length} samples):`,
      ...h.samples.slice(-10).map((s) => `  ${iso(s.at)} cpu ${s.cpuPercent === null ? '?' : s.cpuPercent.toFixed(0)}% rss ${s.rssBytes === null ? '?' : `${Math.round(s.rssBytes / 1048576)} MB`}`),
      'last log lines:',
      ...h.logLines.map((l) => `  ${l}`),
    ];
    return {
      ok: true,
      summary: `${h.pid === null ? 'no live process to inspect' : `PID ${h.pid} in state ${h.proc?.state ?? '?'}, wchan ${h.wchan ?? '?'}`}; saved to ${h.savedTo}`,
      data: { pid: h.pid, procState: h.proc?.state ?? null, wchan: h.wchan, stackReadable: h.stack !== null, samples: h.samples.length, diagnostics: h.savedTo },
      output,
    };
  });
}

/** The configured series older than the stale-data alerts' limits, with their ages. ok = none. Publishes `stale`. */
export function staleSeries(): StepCall {
  return stepCall('checks.staleSeries', {}, async (ctx) => {
    const r = await findStale({}, ctx);
    const show = (s: StaleSeries) => `${s.symbol} ${s.interval}: ${human(s.ageMs)} old (limit ${human(s.limitMs)})`;
    return {
      ok: r.stale.length === 0,
      summary: r.stale.length === 0 ? `all ${r.series} series are fresh` : `${r.stale.length} of ${r.series} series are stale; worst ${show(r.stale[0]!)}`,
      data: { stale: r.stale, count: r.stale.length, symbols: [...new Set(r.stale.map((s) => s.symbol))], intervals: [...new Set(r.stale.map((s) => s.interval))] },
      output: r.stale.slice(0, 20).map(show),
    };
  });
}

/**
 * The series an earlier step found stale (fact `stale`) are fresh now; with no such fact, every
 * configured series. The alreadyDone of a sync, and what a freshness wait polls.
 */
export function seriesFresh(options: { fact?: string } = {}): StepCall {
  const key = options.fact ?? 'stale';
  return stepCall('checks.seriesFresh', { fact: key }, async (ctx) => {
    const wanted = fact<StaleSeries[]>(ctx, key);
    const r = await findStale({}, ctx);
    const still = wanted ? r.stale.filter((s) => wanted.some((w) => w.symbol === s.symbol && w.interval === s.interval)) : r.stale;
    return {
      ok: still.length === 0,
      summary: still.length === 0 ? `${wanted ? `the ${wanted.length} series found stale are` : 'every series is'} fresh` : `${still.length} series still stale (worst ${still[0]!.symbol} ${still[0]!.interval}, ${human(still[0]!.ageMs)} old)`,
      data: { stillStale: still },
    };
  });
}

/** GET /fapi/v1/time once: reachable, its latency, the clock skew; a 418 ban's end. ok = reachable. */
export function exchangeReachable(): StepCall {
  return stepCall('checks.exchangeReachable', { endpoint: '/fapi/v1/time' }, async (ctx) => {
    const r = await exchangeProbe({}, ctx);
    return {
      ok: r.reachable,
      summary: r.reachable
        ? `${r.url} answers in ${r.latencyMs} ms (clock skew ${Math.round(r.clockSkewMs ?? 0)} ms)`
        : r.bannedUntil ? `banned until ${iso(r.bannedUntil)} (${human(r.bannedUntil - Date.now())} left)` : `${r.url} unreachable: ${r.error}`,
      data: { ...r, banned: r.bannedUntil !== null },
    };
  });
}

/**
 * Rate-limit state from the sync's recorded summaries: weight used, 429s in the alert's window,
 * a ban and its end. ok = no ban and the 429s within the alert's limit.
 */
export function rateLimit(): StepCall {
  return stepCall('checks.rateLimit', {}, (ctx) => {
    const r = rateLimitState({}, ctx);
    const banned = r.bannedUntil !== null;
    const ok = !banned && r.hits429InWindow <= r.hitLimit;
    const last = r.lastSync ? `last sync (run ${r.lastSync.runId}, ${r.lastSync.status}) used ${r.lastSync.weightUsed ?? '?'} weight, ${r.lastSync.rateLimited429 ?? 0} 429s, ${r.lastSync.banned418 ?? 0} 418s` : 'no sync has run';
    return {
      ok,
      summary: `${banned ? `BANNED until ${iso(r.bannedUntil)}; ` : ''}${r.hits429InWindow} 429s in ${human(r.windowMs)} (limit ${r.hitLimit}); ${last}; budget ${r.weightBudget}/${r.ipWeightLimit} weight per minute`,
      data: { ...r, banned },
    };
  });
}

/** The exchange answers and no ban is in force: what a wait for a ban's end polls. */
export function banLifted(): StepCall {
  return stepCall('checks.banLifted', { endpoint: '/fapi/v1/time' }, async (ctx) => {
    const recorded = rateLimitState({}, ctx).bannedUntil;
    // Asking during a ban makes it longer: do not knock before the recorded end.
    if (recorded !== null && recorded > Date.now()) return failed(`banned until ${iso(recorded)}: not asking before then`, { bannedUntil: recorded, checkAgainAt: recorded + 100 });
    const r = await exchangeProbe({}, ctx);
    return { ok: r.reachable, summary: r.reachable ? `the exchange answers (${r.latencyMs} ms)` : r.error ?? 'unreachable', data: { bannedUntil: r.bannedUntil } };
  });
}

/** One health probe's verdict (disk, backup, coverage, ...). ok = the probe says ok. */
export function probe(id: 'disk' | 'backup' | 'coverage' | 'continuity' | 'integrity' | 'last-sync' | 'size' | 'sentiment'): StepCall {
  return stepCall(`checks.probe`, { probe: id }, async (ctx) => {
    const p = await probeNow({ probe: id }, ctx);
    return {
      ok: p.status === 'ok',
      summary: `${p.title}: ${p.status}: ${p.detail}`,
      data: { status: p.status, value: p.value, threshold: p.threshold, offenders: p.offenders },
      output: p.offenders.map((o) => `${o.name}: ${o.value ?? ''}${o.detail ? ` ${o.detail}` : ''}`),
    };
  });
}

/** Free disk space of the data dir's filesystem against the health thresholds. */
export const diskSpace = (): StepCall => probe('disk');

/**
 * Free space where backups are written: the data dir's file system and each local tier's.
 * ok = none is critically full. `dataDirFull` / `tierFull` say which kind is (a tier on a disk of
 * its own is not the disk-low runbook's: that one judges the data dir).
 */
export function backupDisk(): StepCall {
  return stepCall('checks.backupDisk', {}, (ctx) => {
    const places = backupDiskSpace({}, ctx);
    const full = places.filter((p) => p.status === 'critical');
    return {
      ok: full.length === 0,
      summary: full.length
        ? `critically full: ${full.map((p) => `${p.where}: ${p.detail}`).join('; ')}`
        : places.map((p) => `${p.where} ${p.freePercent === null ? '?' : `${p.freePercent}%`} free`).join(', '),
      data: { status: worstStatus(places.map((p) => p.status)), places, dataDirFull: full.some((p) => p.sameAsDataDir), tierFull: full.some((p) => !p.sameAsDataDir) },
      output: places.map((p) => `${p.where}: ${p.status}: ${p.detail}`),
    };
  });
}
/**
 * The newest verified backup's age, per tier, judged by the backup-stale alert's limit (the
 * probe's own verdict is unknown while a tier is not configured). ok = the alert finds nothing.
 */
export function backupAge(): StepCall {
  return stepCall('checks.backupAge', {}, async (ctx) => {
    const p = await probeNow({ probe: 'backup' }, ctx);
    const rule = await checkRules({ rules: ['backup-stale'] }, ctx);
    return {
      ok: rule.clear,
      summary: rule.clear ? `within the limit: ${p.detail}` : rule.findings[0]?.summary ?? `cannot tell: ${p.detail}`,
      data: { status: p.status, ageMs: p.value, offenders: p.offenders },
    };
  });
}

/** Configured symbols without candles, and those the exchange no longer lists (delisted). ok = none of either. Publishes `missing`, `unlisted`. */
export function symbols(): StepCall {
  return stepCall('checks.symbols', {}, async (ctx) => {
    const r = await symbolListing({}, ctx);
    return {
      ok: r.missing.length === 0 && r.unlisted.length === 0,
      summary: `${r.missing.length} of ${r.configured.length} symbols lack candles${r.missing.length ? ` (${r.missing.slice(0, 5).join(', ')})` : ''}; ${r.unlisted.length} no longer listed${r.unlisted.length ? ` (${r.unlisted.join(', ')})` : ''}`,
      data: { missing: r.missing, unlisted: r.unlisted, configured: r.configured.length },
    };
  });
}

/** None of the symbols of fact `key` (default `unlisted`) is still configured: the alreadyDone of their removal. */
export function symbolsRemoved(options: { fact?: string } = {}): StepCall {
  const key = options.fact ?? 'unlisted';
  return stepCall('checks.symbolsRemoved', { fact: key }, (ctx) => {
    const wanted = fact<string[]>(ctx, key) ?? [];
    const still = wanted.filter((s) => ctx.loaded.config.symbols.includes(s));
    return { ok: still.length === 0, summary: still.length ? `still configured: ${still.join(', ')}` : `none of ${wanted.join(', ') || 'them'} is configured`, data: { still } };
  });
}

/** The last sync run's outcome. ok = it succeeded. */
export function lastSync(): StepCall {
  return stepCall('checks.lastSync', {}, (ctx) => {
    const r = rateLimitState({}, ctx).lastSync;
    if (!r) return failed('no sync has run yet', {});
    return { ok: r.status === 'success', summary: `the last sync (run ${r.runId}) ended ${r.status} at ${iso(r.endedAt)}`, data: { ...r } };
  });
}

/**
 * A restore (or recovery) that ended ok within the last `withinMs`, of a backup old enough when
 * `beforeMs` is given: the alreadyDone of a restore, so a step re-run after a crash never
 * restores twice.
 */
export function restoredRecently(options: { withinMs: number; kind?: 'restore' | 'recover' }): StepCall {
  return stepCall('checks.restoredRecently', { withinMs: options.withinMs, kind: options.kind ?? 'any' }, (ctx) => {
    const done = recoveriesSince({ since: Date.now() - options.withinMs }, ctx)
      .find((r) => (options.kind === undefined || r.kind === options.kind) && (r.result === 'ok' || r.result === 'partial'));
    return done
      ? { ok: true, summary: `${done.kind} #${done.id} ended ${done.result} at ${iso(done.endedAt)} (backup #${done.backupId ?? '-'})`, data: { recoveryId: done.id, backupId: done.backupId } }
      : failed(`no ${options.kind ?? 'restore or recovery'} ended ok in the last ${human(options.withinMs)}`);
  });
}

/** The incident's message `purpose` has been written to the outbox already: the alreadyDone of a notify or a page. */
export function notified(purpose: string): StepCall {
  return stepCall('checks.notified', { purpose }, (ctx) => {
    const ids = alertOutboxSent(ctx, purpose);
    return ids === null
      ? failed('no incident: cannot tell whether it was sent')
      : { ok: ids.length > 0, summary: ids.length ? `sent already (outbox ${ids.join(', ')})` : 'not sent yet', data: { outboxIds: ids } };
  });
}
