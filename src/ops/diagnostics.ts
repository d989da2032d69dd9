/**
 * Read-only operations an incident needs: what the supervised daemon is doing, the last lines of
 * its log, the store's integrity, a hung process's state, the stale series, the exchange's
 * reachability and the rate-limit state, the alert rules judged now. Each reads through the
 * module that owns the data (the supervisor's store, the health probes, the exchange client, the
 * run history); the runbook step library and the CLI are their clients.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { evaluateRules, RULES, rateLimitHitsInWindow } from '../alerts/rules.js';
import { ruleSettings } from '../alerts/settings.js';
import { DAEMON_NAME, readDaemonFacts, recentRuns } from '../alerts/sources.js';
import type { ActiveAlert, DaemonFacts, RuleId } from '../alerts/types.js';
import { describeDiagnosis, diagnose } from '../backup/diagnose.js';
import { tailLines } from '../common/log-tail.js';
import { readProcStat, type ProcStat } from '../common/proc-stat.js';
import { durationMs } from '../config/schema.js';
import { samplesSince, type StoredSample } from '../engine/resource-sampler.js';
import { listRuns } from '../engine/run-history.js';
import { CRASH_KINDS, DaemonStore, type DaemonEvent, type DaemonState } from '../engine/supervisor/daemon-store.js';
import { heartbeatFilePath, readHeartbeat } from '../engine/supervisor/heartbeat.js';
import { pidFilePath, readPidFile, type PidRecord } from '../engine/supervisor/pid-file.js';
import { daemonLogPath } from '../engine/supervisor/supervisor.js';
import { isAlive } from '../engine/process-identity.js';
import { BannedError } from '../exchange/exchange-errors.js';
import { parseBanUntil } from '../exchange/retry-policy.js';
import { intervalMs, type Interval } from '../exchange/intervals.js';
import { collectHealth, type CollectHealthOptions } from '../health/collect-health.js';
import { PgMarketFactsSource } from '../health/sources/pg-market-facts.js';
import { judgeDiskFree } from '../health/probes/disk.js';
import { diskSpace } from '../health/sources/disk-space.js';
import { healthThresholds } from '../health/thresholds.js';
import { tierSettings } from '../backup/tiers.js';
import type { ProbeId } from '../health/probe-ids.js';
import type { HealthSnapshot, HealthStatus, ProbeResult } from '../health/types.js';
import { MARKET_DB_FILE } from '../store/market-db.js';
import { openOpsDb } from '../store/ops-db.js';
import { describePgError, pgFailureKind, pgRootError } from '../store/postgres/pool.js';
import { redactUrlPasswords as shownUrl } from '../config/redact.js';
import type { Db } from '../store/sqlite.js';
import { clientFromConfig } from '../sync/exchange-client.js';
import { unlistedSymbols } from '../sync/run-sync.js';
import type { RunContext } from './context.js';

const DAY_MS = 86_400_000;

function withOps<T>(ctx: RunContext, fn: (ops: Db) => T): T {
  const ops = openOpsDb(ctx.dataDir);
  try {
    return fn(ops);
  } finally {
    ops.close();
  }
}

// --- the supervised daemon ---------------------------------------------------------------------

export interface DaemonReport {
  name: string;
  /** False when `daemon.command` is not set. */
  configured: boolean;
  state: DaemonState['state'] | null;
  pid: number | null;
  /** The recorded PID is alive with the recorded start time (a recycled PID is not). */
  alive: boolean;
  startedAt: number | null;
  lastExitCode: number | null;
  lastExitSignal: string | null;
  /** The newest heartbeat written by this run of the process (the file or ops.db). */
  heartbeatAt: number | null;
  heartbeatAgeMs: number | null;
  pidFile: PidRecord | null;
  /** Crashes, hangs and failed spawns in the configured crash window. */
  crashesInWindow: number;
  crashWindowMs: number;
  /** The newest events, oldest first. */
  events: DaemonEvent[];
}

/** The daemon as the supervisor left it in ops.db and the run dir, checked against /proc. */
export function daemonReport(options: { events?: number }, ctx: RunContext): DaemonReport {
  const { config } = ctx.loaded;
  const now = Date.now();
  const crashWindowMs = durationMs(config.daemon.crashWindow);
  return withOps(ctx, (ops) => {
    const store = new DaemonStore(ops);
    const row = store.readState(DAEMON_NAME);
    const pidFile = readPidFile(pidFilePath(ctx.dataDir, DAEMON_NAME));
    const alive = row?.pid != null ? isAlive({ pid: row.pid, startTicks: row.startTicks }) : false;
    const fileBeat = readHeartbeat(heartbeatFilePath(ctx.dataDir, DAEMON_NAME));
    const beats = [fileBeat, row?.lastHeartbeatAt ?? null]
      .filter((b): b is number => b !== null && (row?.startedAt == null || b >= row.startedAt));
    const heartbeatAt = beats.length ? Math.max(...beats) : null;
    const events = store.recentEvents(DAEMON_NAME, now - 7 * DAY_MS).slice(-(options.events ?? 10));
    return {
      name: DAEMON_NAME,
      configured: Boolean(config.daemon.command),
      state: row?.state ?? null,
      pid: row?.pid ?? null,
      alive,
      startedAt: row?.startedAt ?? null,
      lastExitCode: row?.lastExitCode ?? null,
      lastExitSignal: row?.lastExitSignal ?? null,
      heartbeatAt,
      heartbeatAgeMs: heartbeatAt === null ? null : Math.max(0, now - heartbeatAt),
      pidFile,
      crashesInWindow: store.recentEvents(DAEMON_NAME, now - crashWindowMs, CRASH_KINDS).length,
      crashWindowMs,
      events,
    };
  });
}

/** Lines that speak of a failure: the daemon's own words, whatever its log format. */
const ERROR_LINE = /error|exception|traceback|fatal|panic|fail|killed|signal|abort/i;

export interface LogTail {
  file: string;
  /** The last lines (or the last error lines when `errorsOnly`), oldest first. */
  lines: string[];
  /** How many of the lines read looked like errors. */
  errorLines: number;
}

/** The end of the daemon's log (logs/daemon/<name>.log: its stdout, stderr and the supervisor's notes). */
export function daemonLogTail(options: { lines?: number; errorsOnly?: boolean }, ctx: RunContext): LogTail {
  const file = daemonLogPath(ctx.dataDir, DAEMON_NAME);
  const all = tailLines(file, { lines: 500 });
  const errors = all.filter((l) => ERROR_LINE.test(l));
  const wanted = options.lines ?? 20;
  return { file, lines: (options.errorsOnly ? errors : all).slice(-wanted), errorLines: errors.length };
}

export interface HangDiagnostics {
  at: number;
  pid: number | null;
  /** /proc/<pid>/stat: R running, S sleeping, D uninterruptible (I/O), Z zombie, T stopped. */
  proc: ProcStat | null;
  /** /proc/<pid>/wchan: the kernel function it sleeps in ("0" when running). */
  wchan: string | null;
  /** /proc/<pid>/stack where readable (root only, as a rule). */
  stack: string[] | null;
  /** CPU and RSS samples of the last `historyMs`, oldest first. */
  samples: StoredSample[];
  logLines: string[];
  /** Where the diagnostics were also written (the incident's evidence), when a dir was given. */
  savedTo: string | null;
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** What a hung process is doing, captured before it is killed; written under `saveDir` when given. */
export function hangDiagnostics(options: { historyMs?: number; logLines?: number; saveDir?: string }, ctx: RunContext): HangDiagnostics {
  const at = Date.now();
  const report = daemonReport({ events: 0 }, ctx);
  const pid = report.alive ? report.pid : null;
  const proc = pid === null ? null : readProcStat(pid);
  const wchan = pid === null ? null : readText(`/proc/${pid}/wchan`)?.trim() ?? null;
  const stackText = pid === null ? null : readText(`/proc/${pid}/stack`);
  const samples = withOps(ctx, (ops) => samplesSince(ops, DAEMON_NAME, at - (options.historyMs ?? 15 * 60_000)));
  const logLines = daemonLogTail({ lines: options.logLines ?? 30 }, ctx).lines;
  const result: HangDiagnostics = {
    at, pid, proc, wchan, stack: stackText === null ? null : stackText.split('\n').filter(Boolean), samples, logLines, savedTo: null,
  };
  if (options.saveDir) {
    fs.mkdirSync(options.saveDir, { recursive: true });
    const file = path.join(options.saveDir, `hang-${DAEMON_NAME}-${at}.json`);
    fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    result.savedTo = file;
  }
  return result;
}

// --- the store ---------------------------------------------------------------------------------

export interface IntegrityReport {
  file: string;
  /** `unreachable` (PostgreSQL only): the server could not be reached or refused us; nothing is known of the data. */
  state: 'healthy' | 'missing' | 'not-a-database' | 'index-only' | 'corrupt' | 'unreachable';
  /** integrity_check's first lines (at most `lines`). */
  problems: string[];
  summary: string;
}

/**
 * `PRAGMA integrity_check` of market.db on a read-only connection; with `store.backend: postgres`,
 * every candle read once in a read-only transaction there (damaged pages surface as errors), as
 * `recover` detects damage. Changes nothing.
 */
export async function storeIntegrity(options: { lines?: number }, ctx: RunContext): Promise<IntegrityReport> {
  const { store } = ctx.loaded.config;
  if (store.backend === 'postgres') {
    const { describePgDiagnosis, diagnosePg } = await import('../backup/postgres/diagnose.js');
    let d: Awaited<ReturnType<typeof diagnosePg>>;
    try {
      // No backup to compare with: this asks whether the store can be read, not what it lost.
      d = await diagnosePg(store.url!, null);
    } catch (error) {
      if (pgFailureKind(error) !== 'unreachable') throw error;
      const reason = describePgError(store.url!, pgRootError(error), 'cannot reach the PostgreSQL store').message;
      return {
        file: `PostgreSQL ${shownUrl(store.url!)}`, state: 'unreachable', problems: [reason],
        summary: `${reason}. Unreachable is not damaged: nothing is restored over it; check the server, the network and store.url (its host, port, database and credentials)`,
      };
    }
    const state = d.state === 'healthy' || d.state === 'missing' ? d.state : 'corrupt';
    const problems = d.state === 'missing' || d.state === 'unreadable' ? [d.detail] : d.state === 'lost' ? d.series : [];
    return { file: `PostgreSQL ${shownUrl(store.url!)}`, state, problems: problems.slice(0, options.lines ?? 20), summary: describePgDiagnosis(d) };
  }
  const file = path.join(ctx.dataDir, MARKET_DB_FILE);
  const d = diagnose(file);
  const problems = d.state === 'index-only' || d.state === 'corrupt' ? d.problems : d.state === 'not-a-database' ? [d.detail] : [];
  return { file, state: d.state, problems: problems.slice(0, options.lines ?? 20), summary: describeDiagnosis(d) };
}

// --- health and the alert rules ----------------------------------------------------------------

/**
 * The probes `only` now. With `store.backend: postgres` the candles' facts are read from
 * PostgreSQL first, as the leader's monitor reads them: without them the candle probes could not tell.
 */
async function healthNow(ctx: RunContext, only: CollectHealthOptions['only'], now = Date.now()): Promise<HealthSnapshot> {
  const { config } = ctx.loaded;
  let pgMarket: CollectHealthOptions['pgMarket'];
  if (config.store.backend === 'postgres') {
    const source = new PgMarketFactsSource(config);
    try {
      pgMarket = await source.gather(now);
    } finally {
      await source.close();
    }
  }
  return collectHealth({ config, dataDir: ctx.dataDir, now, only, ...(pgMarket ? { pgMarket } : {}) });
}

/** The probes each rule judges from the snapshot (the rest read runs or the daemon's facts). */
const RULE_PROBES: Partial<Record<RuleId, ProbeId[]>> = {
  'data-stale': ['freshness'],
  'data-stale-early': ['freshness'],
  'db-corruption': ['integrity'],
  'backup-stale': ['backup'],
  'replication-lag': ['replication'],
  'missing-symbols': ['coverage'],
  'sentiment-stale': ['sentiment'],
  'disk-low': ['disk'],
  'script-errors': ['logs'],
};

export interface RuleCheck {
  /** Nothing the rules judge is wrong now (and every rule could tell). */
  clear: boolean;
  findings: Pick<ActiveAlert, 'rule' | 'labels' | 'summary' | 'value'>[];
  /** Rules whose inputs did not tell. */
  undetermined: RuleId[];
  at: number;
  /**
   * When the rules read freshness: candles closed on the exchange after the newest stored one,
   * summed over the configured series (empty series not counted). The report's data loss.
   */
  missingCandles?: number;
}

/**
 * Judges the given alert rules now, with their configured thresholds, on the probes they read,
 * the run history and the daemon's facts: "fixed" in the alert's own terms.
 */
export async function checkRules(options: { rules: readonly RuleId[] }, ctx: RunContext): Promise<RuleCheck> {
  const { config } = ctx.loaded;
  const now = Date.now();
  const rules = RULES.filter((r) => options.rules.includes(r.id));
  const probes = [...new Set(rules.flatMap((r) => RULE_PROBES[r.id] ?? []))];
  const snapshot: HealthSnapshot = probes.length
    ? await healthNow(ctx, probes, now)
    : { at: now, overall: 'ok', probes: [], freshness: [], coverage: [] };
  const { runs, daemon } = withOps(ctx, (ops) => ({ runs: recentRuns(ops, now), daemon: readDaemonFacts(ops, config, now) as DaemonFacts | null }));
  const evaluation = evaluateRules({ now, snapshot, runs, daemon }, ruleSettings(config), rules);
  const counted = snapshot.freshness.filter((f) => f.ageMs !== null);
  return {
    clear: evaluation.alerts.length === 0 && evaluation.undetermined.length === 0,
    findings: evaluation.alerts.map((a) => ({ rule: a.rule, labels: a.labels, summary: a.summary, value: a.value })),
    undetermined: evaluation.undetermined,
    at: now,
    ...(counted.length ? { missingCandles: counted.reduce((n, f) => n + Math.max(0, Math.floor(f.ageMs! / intervalMs(f.interval))), 0) } : {}),
  };
}

/** One health probe now (disk, backup, coverage...). */
export async function probeNow(options: { probe: ProbeId }, ctx: RunContext): Promise<ProbeResult> {
  const snapshot = await healthNow(ctx, [options.probe]);
  return snapshot.probes[0]!;
}

export interface StaleSeries {
  symbol: string;
  interval: Interval;
  /** Null for a series with no candle at all. */
  ageMs: number | null;
  /** The alert's limit for this interval (the early warning's, else data-stale's). */
  limitMs: number;
}

/** The configured series older than the stale-data alerts' limits, stalest first. */
export async function staleSeries(_options: Record<string, never>, ctx: RunContext): Promise<{ stale: StaleSeries[]; series: number; at: number }> {
  const { config } = ctx.loaded;
  const now = Date.now();
  const snapshot = await healthNow(ctx, ['freshness'], now);
  const probe = snapshot.probes[0];
  if (probe && probe.status === 'unknown') throw new Error(`freshness could not be measured: ${probe.detail}`);
  const t = ruleSettings(config).thresholds;
  const stale = snapshot.freshness
    .map((f) => ({ symbol: f.symbol, interval: f.interval, ageMs: f.ageMs, limitMs: Math.min(t.staleEarlyMs[f.interval] ?? t.dataStaleMaxMs, t.dataStaleMaxMs) }))
    .filter((f) => f.ageMs !== null && f.ageMs > f.limitMs)
    .sort((a, b) => (b.ageMs ?? 0) - (a.ageMs ?? 0));
  return { stale, series: snapshot.freshness.length, at: now };
}

// --- the exchange ------------------------------------------------------------------------------

export interface ExchangeProbe {
  url: string;
  reachable: boolean;
  /** Round trip of GET /fapi/v1/time. */
  latencyMs: number | null;
  serverTime: number | null;
  /** Our clock minus the exchange's. */
  clockSkewMs: number | null;
  /** The end of a 418 ban, when the exchange answered with one. */
  bannedUntil: number | null;
  error: string | null;
}

/** GET /fapi/v1/time once (weight 1, no retries): reachable, how fast, banned or not. */
export async function exchangeProbe(_options: Record<string, never>, ctx: RunContext): Promise<ExchangeProbe> {
  const { config } = ctx.loaded;
  const { retry } = config.exchange;
  const noRetry = { transport: { ...retry.transport, retries: 0 }, rateLimit: { ...retry.rateLimit, retries: 0 }, server: { ...retry.server, retries: 0 } };
  const client = clientFromConfig({ ...config, exchange: { ...config.exchange, retry: noRetry } });
  const t0 = performance.now();
  try {
    const serverTime = await client.serverTime();
    const latencyMs = Math.round(performance.now() - t0);
    return { url: config.exchange.url, reachable: true, latencyMs, serverTime, clockSkewMs: Date.now() - latencyMs / 2 - serverTime, bannedUntil: null, error: null };
  } catch (error) {
    const bannedUntil = error instanceof BannedError ? error.until : null;
    return { url: config.exchange.url, reachable: false, latencyMs: null, serverTime: null, clockSkewMs: null, bannedUntil, error: (error as Error).message };
  } finally {
    client.close();
  }
}

export interface RateLimitState {
  /** The newest finished sync run's counters, when there is one. */
  lastSync: {
    runId: number; status: string; endedAt: number | null; weightUsed: number | null; rateLimited429: number | null; banned418: number | null;
    /** The run's error, else its first failure (`SYMBOL interval: error`): what the sync-failed runbook reads the cause from. */
    error: string | null;
  } | null;
  /** 429 answers in the rate-limit alert's window, from the runs' summaries. */
  hits429InWindow: number;
  windowMs: number;
  /** The alert's limit of hits in the window. */
  hitLimit: number;
  /** The configured share of the IP's weight per minute the sync keeps to. */
  weightBudget: number;
  ipWeightLimit: number;
  /** The end of a 418 ban named by the last sync's failures, when it is still in the future. */
  bannedUntil: number | null;
}

const BANNED_ISO = /banned this IP until (\d{4}-\d\d-\d\dT[\d:.]+Z)/;

/** The rate-limit state from the sync's recorded summaries (ops.db job runs). */
export function rateLimitState(_options: Record<string, never>, ctx: RunContext): RateLimitState {
  const { config } = ctx.loaded;
  const now = Date.now();
  const t = ruleSettings(config).thresholds;
  return withOps(ctx, (ops) => {
    const runs = recentRuns(ops, now);
    const last = listRuns(ops, { job: 'sync', limit: 20 }).find((r) => r.status !== 'running' && r.status !== 'skipped') ?? null;
    const s = (last?.summary ?? {}) as Record<string, unknown>;
    const num = (v: unknown) => (typeof v === 'number' ? v : null);
    let bannedUntil: number | null = null;
    const failures = Array.isArray(s.failures) ? (s.failures as { symbol?: string; interval?: string; error?: string }[]) : [];
    const firstFailure = failures.find((f) => typeof f.error === 'string');
    const error = (typeof s.error === 'string' ? s.error : null) ?? (firstFailure ? `${firstFailure.symbol ?? '?'} ${firstFailure.interval ?? '?'}: ${firstFailure.error}` : null);
    for (const f of [...failures, { error: typeof s.error === 'string' ? s.error : undefined }]) {
      const iso = f.error?.match(BANNED_ISO)?.[1];
      const until = iso ? Date.parse(iso) : parseBanUntil(f.error);
      if (until !== undefined && Number.isFinite(until) && until > now) bannedUntil = Math.max(bannedUntil ?? 0, until);
    }
    return {
      lastSync: last ? { runId: last.id, status: last.status, endedAt: last.endedAt, weightUsed: num(s.weightUsed), rateLimited429: num(s.rateLimited429), banned418: num(s.banned418), error } : null,
      hits429InWindow: Math.round(rateLimitHitsInWindow(runs, now, t.rateLimitWindowMs)),
      windowMs: t.rateLimitWindowMs,
      hitLimit: t.rateLimitHits,
      weightBudget: config.exchange.weightBudget,
      ipWeightLimit: config.exchange.ipWeightLimit,
      bannedUntil,
    };
  });
}

export interface SymbolListing {
  configured: string[];
  /** Configured symbols with no candles of some configured interval. */
  missing: string[];
  /** Configured symbols the exchange does not list as a trading USDT perpetual (delisted). */
  unlisted: string[];
}

/** Which configured symbols have no candles, and which of the configured the exchange no longer lists. */
export async function symbolListing(_options: Record<string, never>, ctx: RunContext): Promise<SymbolListing> {
  const { config } = ctx.loaded;
  const snapshot = await healthNow(ctx, ['coverage']);
  const missing = [...new Set(snapshot.coverage.flatMap((c) => c.missing))].sort();
  const client = clientFromConfig(config);
  try {
    const info = await client.exchangeInfo();
    return { configured: [...config.symbols], missing, unlisted: unlistedSymbols(config.symbols, info.symbols) };
  } finally {
    client.close();
  }
}

export interface DiskUsage {
  totalBytes: number;
  /** Each top-level entry of the data dir (a directory counted with everything under it), biggest first. */
  entries: { name: string; bytes: number }[];
}

function bytesUnder(p: string): number {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.size;
  let total = 0;
  let names: string[] = [];
  try {
    names = fs.readdirSync(p);
  } catch {
    return 0;
  }
  for (const name of names) total += bytesUnder(path.join(p, name));
  return total;
}

export interface BackupDisk {
  /** `data dir`, `hot tier`, `warm tier`. */
  where: string;
  dir: string;
  status: HealthStatus;
  freePercent: number | null;
  detail: string;
  /** On the data dir's own file system (what the disk probe and the disk-low runbook judge). */
  sameAsDataDir: boolean;
}

/**
 * Free space where a backup is written: the data dir's file system and each local tier's (the
 * hot dir, the warm dir when configured), judged with the disk probe's limits. A tier on a disk
 * of its own can be full while the data dir has room: the disk probe alone would not see it.
 */
export function backupDiskSpace(_options: Record<string, never>, ctx: RunContext): BackupDisk[] {
  const { config } = ctx.loaded;
  const limits = healthThresholds(config).diskFree;
  const tiers = tierSettings({ ...config, dataDir: ctx.dataDir });
  const places: [string, string][] = [['data dir', ctx.dataDir], ['hot tier', tiers.hot.dir], ...(tiers.warm ? [['warm tier', tiers.warm.dir] as [string, string]] : [])];
  // A tier dir not made yet is judged by the nearest directory that exists: where it will be made.
  const existing = (dir: string): string => {
    let d = path.resolve(dir);
    while (!fs.existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
    return d;
  };
  const device = (dir: string): number | null => { try { return fs.statSync(existing(dir)).dev; } catch { return null; } };
  const dataDevice = device(ctx.dataDir);
  return places.map(([where, dir]) => {
    let space: { totalBytes: number; freeBytes: number } | null = null;
    let reason: string | undefined;
    try {
      space = diskSpace(existing(dir));
    } catch (error) {
      reason = (error as Error).message;
    }
    const p = judgeDiskFree({ dir, space, limits, reason });
    return { where, dir, status: p.status, freePercent: p.value, detail: p.detail, sameAsDataDir: where === 'data dir' || (dataDevice !== null && device(dir) === dataDevice) };
  });
}

/** What takes the data dir's space: each top-level entry with its size, biggest first. */
export function diskUsage(_options: Record<string, never>, ctx: RunContext): DiskUsage {
  const entries = fs.readdirSync(ctx.dataDir).map((name) => ({ name, bytes: bytesUnder(path.join(ctx.dataDir, name)) }))
    .sort((a, b) => b.bytes - a.bytes);
  return { totalBytes: entries.reduce((n, e) => n + e.bytes, 0), entries };
}
