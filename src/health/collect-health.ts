import { performance } from 'node:perf_hooks';
import type { Config } from '../config/schema.js';
import { excludeKnownGaps, seriesKey } from './continuity/holes.js';
import { ContinuityStore } from './continuity/continuity-store.js';
import { KnownGapsStore } from './continuity/known-gaps-store.js';
import { scanContinuity } from './continuity/scan.js';
import { selectProbes, type ProbeId } from './probe-ids.js';
import { judgeBackup, type TierFacts } from './probes/backup.js';
import { gapsOf, judgeContinuity } from './probes/continuity.js';
import { judgeCoverage } from './probes/coverage.js';
import { judgeDaemon } from './probes/daemon.js';
import { judgeDiskFree } from './probes/disk.js';
import { judgeFreshness } from './probes/freshness.js';
import { judgeIntegrity, type IntegrityInput } from './probes/integrity.js';
import { judgeLastSync } from './probes/last-sync.js';
import { judgeLogs } from './probes/logs.js';
import { probeFailed, probeResult } from './probes/probe-result.js';
import { judgePgContinuity, pgGaps } from './probes/pg-continuity.js';
import type { PgMarketFacts } from './sources/pg-market-facts.js';
import { judgeDbSize } from './probes/size.js';
import { judgeSentiment } from './probes/sentiment.js';
import { SentimentStore } from '../sentiment/sentiment-store.js';
import type { SentimentFreshnessFacts } from '../sentiment/sentiment-job-store.js';
import { periodMs } from '../sentiment/windows.js';
import { judgeReplication } from './probes/replication.js';
import { gatherReplicationFacts } from '../replication/status.js';
import { durationMs } from '../config/schema.js';
import { markNeverSynced, type StoreHistory } from './never-synced.js';
import { newestVerifiedByTier, verifiedBackupsSince } from './sources/backup-catalog.js';
import { backupTiers } from './sources/backup-tiers.js';
import { gatherDaemonFacts } from './sources/daemon-facts.js';
import { diskSpace } from './sources/disk-space.js';
import { HealthSources } from './sources/health-sources.js';
import { gatherLogFacts } from './sources/log-tail.js';
import { isCorruptionError, marketFileBytes } from './sources/market-access.js';
import { gatherSyncFacts } from './sources/sync-history.js';
import { worstStatus } from './status.js';
import { healthThresholds, type HealthThresholds } from './thresholds.js';
import { recordCountsOf } from './record-counts.js';
import type { HealthSnapshot, ProbeResult, RecordCounts } from './types.js';

export interface CollectHealthOptions {
  config: Config;
  dataDir: string;
  /** The clock the ages are measured against (default: now). */
  now?: number;
  /** Probe ids to run (default: all); an unknown id throws UnknownProbeError. */
  only?: readonly string[];
  /** The validation job's depth: `integrity_check` instead of `quick_check`, and a full continuity scan. */
  full?: boolean;
  /** Candles an incremental continuity scan may read in this snapshot (default 250 000). */
  continuityBudget?: number;
  /**
   * With `store.backend: postgres`: the candles' facts read from PostgreSQL before the snapshot
   * (PgMarketFactsSource). Without them the candle probes there say they were not read.
   */
  pgMarket?: PgMarketFacts;
  /**
   * SQLite: count the candles per interval (`snapshot.records`) even if the integrity probe is
   * not run; it is counted whenever that probe runs and finds no damage.
   */
  countRecords?: boolean;
}

/** What one snapshot's probes share: the options, the thresholds, the stores, and the snapshot being built. */
interface Run {
  options: CollectHealthOptions;
  now: number;
  limits: HealthThresholds;
  sources: HealthSources;
  snapshot: HealthSnapshot;
  /** The integrity verdict, when that probe ran first: continuity does not scan a corrupt store. */
  integrity: ProbeResult | null;
}

type Runner = (run: Run) => ProbeResult;

/** The PostgreSQL facts when the candles live there; null on the SQLite backend. */
function pgMarketOf(run: Run): PgMarketFacts | { state: 'not-read' } | null {
  if (run.options.config.store.backend !== 'postgres') return null;
  return run.options.pgMarket ?? { state: 'not-read' };
}

function pgUnreadable(pg: PgMarketFacts | { state: 'not-read' }, what = 'the candles'): string | null {
  if (pg.state === 'unreachable') return `cannot read ${what} in PostgreSQL at ${pg.url}: ${pg.reason}`;
  if (pg.state === 'not-read') return `${what} live in PostgreSQL (store.backend) and this check did not read them`;
  return null;
}

const unreadableReason = (run: Run): string | null => {
  const pg = pgMarketOf(run);
  if (pg) return pgUnreadable(pg);
  const m = run.sources.market();
  return m.state === 'unreadable' ? `cannot read market.db: ${m.reason}` : null;
};

const RUNNERS: Record<ProbeId, Runner> = {
  freshness(run) {
    const reason = unreadableReason(run);
    if (reason) return probeFailed('freshness', reason);
    const { probe, freshness } = judgeFreshness({ series: run.sources.newestCandles(), limits: (i) => run.limits.freshness(i), now: run.now });
    run.snapshot.freshness = freshness;
    return probe;
  },

  coverage(run) {
    const reason = unreadableReason(run);
    if (reason) return probeFailed('coverage', reason);
    const present = new Set(run.sources.newestCandles().filter((s) => s.lastOpenTime !== null).map((s) => seriesKey(s.symbol, s.interval)));
    const { probe, coverage } = judgeCoverage({
      symbols: run.options.config.symbols, intervals: run.options.config.intervals,
      hasCandles: (symbol, interval) => present.has(seriesKey(symbol, interval)), limits: run.limits.coverage,
    });
    run.snapshot.coverage = coverage;
    return probe;
  },

  integrity(run) {
    const pg = pgMarketOf(run);
    if (pg) {
      const reason = pgUnreadable(pg);
      run.integrity = reason ? probeFailed('integrity', reason) : probeResult('integrity', {
        status: 'ok', value: null, threshold: null, unit: 'none',
        detail: `the candles are in PostgreSQL at ${(pg as { url: string }).url}, which answers; its pages are the server's to check (data_checksums, amcheck)`,
      });
      return run.integrity;
    }
    const market = run.sources.market();
    let input: IntegrityInput;
    if (market.state !== 'open') {
      input = market;
    } else {
      const mode = run.options.full ? 'full' : 'quick';
      try {
        const rows = market.store.db.pragma(mode === 'full' ? 'integrity_check' : 'quick_check') as Record<string, string>[];
        input = { state: 'checked', file: market.file, mode, messages: rows.map((r) => Object.values(r)[0] ?? '') };
      } catch (error) {
        input = { state: 'check-failed', file: market.file, reason: (error as Error).message, corrupt: isCorruptionError(error) };
      }
    }
    run.integrity = judgeIntegrity(input);
    return run.integrity;
  },

  size(run) {
    const pg = pgMarketOf(run);
    if (pg) {
      const reason = pgUnreadable(pg);
      return reason || pg.state !== 'read' ? probeFailed('size', reason ?? 'not read') : judgeDbSize({ file: `PostgreSQL ${pg.url}`, name: 'the store in PostgreSQL', bytes: pg.bytes, minBytes: run.limits.dbMinSizeBytes });
    }
    const market = run.sources.market();
    return judgeDbSize({ file: market.file, bytes: marketFileBytes(market.file), minBytes: run.limits.dbMinSizeBytes });
  },

  backup(run) {
    let newest: Map<string, number>;
    try {
      newest = newestVerifiedByTier(run.sources.ops());
    } catch (error) {
      return judgeBackup({ tiers: [], now: run.now, limits: run.limits.backupAge, catalogError: (error as Error).message });
    }
    const tiers: TierFacts[] = backupTiers(run.options.config).map((t) => ({ ...t, newestVerifiedAt: newest.get(t.tier) ?? null }));
    return judgeBackup({ tiers, now: run.now, limits: run.limits.backupAge });
  },

  logs(run) {
    const facts = gatherLogFacts(run.options.dataDir, run.now, run.limits.logErrorWindowMs);
    return judgeLogs({
      ...facts, now: run.now, windowMs: run.limits.logErrorWindowMs,
      activityMaxAgeMs: run.limits.logActivityMaxAgeMs, errorsPerMinuteWarn: run.limits.logErrorsPerMinuteWarn,
    });
  },

  continuity(run) {
    const pg = pgMarketOf(run);
    if (pg) {
      const reason = pgUnreadable(pg);
      if (reason || pg.state !== 'read') return probeFailed('continuity', reason ?? 'not read');
      if (!pg.counts) return probeFailed('continuity', 'not counted yet in PostgreSQL (counted every health.integrityRecheck)');
      run.snapshot.gaps = pgGaps(pg.counts.series, run.limits.maxGapCandles);
      return judgePgContinuity(pg.counts.series, run.limits.maxGapCandles, pg.counts.at);
    }
    const market = run.sources.market();
    if (market.state === 'missing') return probeFailed('continuity', `${market.file} does not exist`);
    if (market.state === 'unreadable') return probeFailed('continuity', `cannot read market.db: ${market.reason}`);
    if (run.integrity && run.integrity.status === 'critical') {
      return probeFailed('continuity', 'not scanned: the integrity check failed, and nothing is written to a corrupt store');
    }
    const { symbols, intervals } = run.options.config;
    const series = symbols.flatMap((symbol) => intervals.map((interval) => ({ symbol, interval })));
    const report = scanContinuity(market.store.db, { series, full: run.options.full ?? false, budgetRows: run.options.continuityBudget, now: run.now });
    const configured = new Set(series.map((s) => seriesKey(s.symbol, s.interval)));
    const holes = new ContinuityStore(market.store.db).holes().filter((h) => configured.has(seriesKey(h.symbol, h.interval)));
    const knownGaps = new KnownGapsStore(market.store.db).list();
    const { open, explained } = excludeKnownGaps(holes, knownGaps);
    run.snapshot.gaps = gapsOf(open, run.limits.maxGapCandles);
    run.snapshot.knownGaps = knownGaps;
    return judgeContinuity({
      holes: open, knownExcluded: explained, maxGapCandles: run.limits.maxGapCandles, series: series.length,
      scannedCandles: report.scannedCandles, pendingSeries: report.pendingSeries.length, full: run.options.full ?? false,
    });
  },

  disk(run) {
    let space = null;
    let reason: string | undefined;
    try {
      space = diskSpace(run.options.dataDir);
    } catch (error) {
      reason = (error as Error).message;
    }
    return judgeDiskFree({ dir: run.options.dataDir, space, limits: run.limits.diskFree, reason });
  },

  'last-sync'(run) {
    return judgeLastSync({ ...gatherSyncFacts(run.sources.ops()), now: run.now, maxAgeMs: run.limits.lastSyncMaxAgeMs, slaMs: run.limits.syncSlaMs });
  },

  replication(run) {
    const r = run.options.config.replication;
    const facts = gatherReplicationFacts(run.options.dataDir, r, run.now);
    run.snapshot.replication = facts.replicas;
    return judgeReplication(facts, run.now, {
      lagWarnMs: durationMs(r.lagWarning), lagCriticalMs: durationMs(r.lagCritical), snapshotMaxAgeMs: durationMs(r.snapshotMaxAge),
    });
  },

  daemon(run) {
    const configured = run.options.config.daemon.command !== undefined;
    return judgeDaemon(gatherDaemonFacts(() => run.sources.ops(), run.options.dataDir, configured, run.now, run.limits.daemon));
  },

  sentiment(run) {
    const s = run.options.config.sentiment;
    let stored: SentimentFreshnessFacts;
    const pg = pgMarketOf(run);
    if (pg) {
      const reason = pgUnreadable(pg, 'the sentiment tables');
      if (reason || pg.state !== 'read' || pg.sentiment === undefined) return probeFailed('sentiment', reason ?? pgUnreadable({ state: 'not-read' }, 'the sentiment tables')!);
      stored = pg.sentiment ?? { funding: [], futuresData: [], fearGreedDay: null, fred: [] };
    } else {
      const market = run.sources.market();
      if (market.state === 'missing') return probeFailed('sentiment', `${market.file} does not exist`);
      if (market.state === 'unreadable') return probeFailed('sentiment', `cannot read market.db: ${market.reason}`);
      const store = SentimentStore.over(market.store.db);
      stored = { funding: store.fundingLatest(), futuresData: store.futuresDataNewest(s.binance.period), fearGreedDay: store.lastFearGreedDay(), fred: store.fredSeries() };
    }
    const { probe, sources } = judgeSentiment({
      sources: s.sources, symbols: run.options.config.symbols, period: s.binance.period, periodMs: periodMs(s.binance.period),
      ...stored, fredSeries: s.fred.series, now: run.now,
    });
    run.snapshot.sentiment = sources;
    return probe;
  },
};

/**
 * One health snapshot: every asked-for probe, in display order, and the overall status (the
 * worst, see worstStatus). Never throws for a broken store or data dir: a probe that cannot
 * run says `unknown` (or `critical`, when the failure is corruption) with the reason. Only an
 * unknown probe id in `only` throws (UnknownProbeError): that is the caller's mistake.
 */
export function collectHealth(options: CollectHealthOptions): HealthSnapshot {
  const started = performance.now();
  const ids = selectProbes(options.only);
  const now = options.now ?? Date.now();
  const snapshot: HealthSnapshot = { at: now, overall: 'ok', probes: [], freshness: [], coverage: [] };
  const pgNewest = options.config.store.backend === 'postgres' && options.pgMarket?.state === 'read' ? options.pgMarket.newest : undefined;
  const sources = new HealthSources(options.dataDir, options.config.symbols, options.config.intervals, pgNewest);
  const run: Run = { options, now, limits: healthThresholds(options.config), sources, snapshot, integrity: null };
  try {
    for (const id of ids) {
      try {
        snapshot.probes.push(RUNNERS[id](run));
      } catch (error) {
        const corrupt = isCorruptionError(error);
        snapshot.probes.push(probeFailed(id, `${corrupt ? 'the store is corrupt' : 'could not run'}: ${(error as Error).message}`, corrupt ? 'critical' : 'unknown'));
      }
    }
    const records = countRecords(run);
    if (records) snapshot.records = records;
    snapshot.overall = worstStatus(snapshot.probes.map((p) => p.status));
    // A healthy snapshot needs no second look; only one with findings may be a new data dir.
    const history = snapshot.overall === 'ok' ? null : storeHistory(sources, options);
    const judged = history ? markNeverSynced(snapshot, history) : snapshot;
    judged.durationMs = Math.round(performance.now() - started);
    return judged;
  } finally {
    try { sources.close(); } catch { /* closing a broken handle must not hide the snapshot */ }
  }
}

/**
 * The candles per interval, where they are already counted or cheap to count: in PostgreSQL the
 * continuity probe's counts; in SQLite a count over each configured series' key range, at the
 * integrity check's pace (the check reads the whole file anyway) or when asked. Null otherwise,
 * or when the store is missing, unreadable or found damaged.
 */
function countRecords(run: Run): RecordCounts | null {
  const pg = pgMarketOf(run);
  if (pg) return pg.state === 'read' && pg.counts ? recordCountsOf(pg.counts.series, pg.counts.at) : null;
  if (run.integrity?.status === 'critical') return null;
  if (!run.integrity && !run.options.countRecords) return null;
  const market = run.sources.market();
  if (market.state !== 'open') return null;
  try {
    const { symbols, intervals } = run.options.config;
    const series = symbols.flatMap((symbol) => intervals.map((interval) => ({ interval, count: market.store.countOf(symbol, interval) })));
    return recordCountsOf(series, run.now);
  } catch {
    // Not counted: the probes already say what is wrong with the store.
    return null;
  }
}

/**
 * Whether this data dir is new (see never-synced.ts); null when that cannot be told (a store that
 * cannot be read, ops.db that cannot be opened): then every probe stands as measured.
 */
function storeHistory(sources: HealthSources, options: CollectHealthOptions): StoreHistory | null {
  try {
    let marketMissing: boolean;
    let storeEmpty: boolean;
    if (options.config.store.backend === 'postgres') {
      // The candles are in PostgreSQL: market.db is not where a new install shows.
      if (options.pgMarket?.state !== 'read') return null;
      marketMissing = false;
      storeEmpty = options.pgMarket.newest.every((s) => s.lastOpenTime === null);
    } else {
      const market = sources.market();
      if (market.state === 'unreadable') return null;
      marketMissing = market.state === 'missing';
      storeEmpty = marketMissing || sources.newestCandles().every((s) => s.lastOpenTime === null);
    }
    const ops = sources.ops();
    const sync = gatherSyncFacts(ops);
    return {
      marketMissing, storeEmpty, lastSyncSuccessAt: sync.lastSuccessAt,
      verifiedBackups: verifiedBackupsSince(ops, 0).length, syncRunning: sync.running !== null,
    };
  } catch {
    return null;
  }
}
