import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { STATUS_RANK, type HealthSnapshot } from '../health/types.js';
import { RULES } from '../alerts/rules.js';
import type { DaemonFacts, RunRecord } from '../alerts/types.js';

/**
 * The Prometheus view of the pipeline: the original design's core metrics (last sync time, sync
 * duration histogram, symbols synced, record counts, 429s, backup size) and the figures the
 * alert rules judge (freshness, coverage, probes, backup age, the daemon, alerts firing), all
 * prefixed `cfa_`, in a registry of their own (never prom-client's global one).
 *
 * Everything is set from values (a health snapshot and a history) by `update`, so the figures
 * Prometheus sees are the ones the built-in rules saw.
 */

/** Besides the snapshot: what ops.db knows. Every part is optional; what is absent is not exported. */
export interface MetricsHistory {
  /** Job runs (any order): the last two days and each job's last run is plenty. */
  runs: readonly RunRecord[];
  daemon?: DaemonFacts | null;
  /** Firing alerts per rule and severity (AlertStore.firingCount()). */
  alertsFiring?: readonly { rule: string; severity: string; count: number }[];
  /** Outbox per channel (Outbox.stats()). */
  outbox?: readonly { channel: string; pending: number; failed: number }[];
  /** Newest backup per tier, from the backup catalog (src/backup). */
  backups?: readonly { tier: string; newestAt: number | null; sizeBytes: number | null }[];
  /** Candles per interval; default: the snapshot's `records` (counted at the integrity check's pace). */
  recordCounts?: Readonly<Record<string, number>>;
  now?: number;
}

const SYNC_BUCKETS = [30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600];

function sec(ms: number): number {
  return ms / 1000;
}

function byStartDesc(runs: readonly RunRecord[]): RunRecord[] {
  return [...runs].sort((a, b) => b.startedAt - a.startedAt || b.id - a.id);
}

export class CfaMetrics {
  readonly registry = new Registry();
  /** Runs that ended before this are history, not news: counting them again after a restart would fake a burst. */
  private readonly since: number;
  private readonly counted = new Set<number>();

  readonly lastSync = this.gauge('cfa_last_sync_timestamp_seconds', 'When the last successful sync ended (Unix time)');
  readonly syncDuration = new Histogram({
    name: 'cfa_daily_sync_duration_seconds', help: 'Duration of finished sync runs', buckets: SYNC_BUCKETS, registers: [this.registry],
  });
  // The design's `sync_symbols_success_count`: Prometheus keeps `_count` for histograms and
  // `_total` for counters, so these are plain gauges with plain names.
  readonly syncSuccess = this.gauge('cfa_sync_symbols_success', 'Series (symbol x interval) the last finished sync completed');
  readonly syncTotal = this.gauge('cfa_sync_symbols_attempted', 'Series (symbol x interval) the last finished sync attempted');
  readonly recordCount = this.gauge('cfa_db_records', 'Candles stored of the configured series, per interval (the design\'s db_record_count_ohlcv_*; counted at the integrity check\'s pace)', ['interval']);
  readonly rateLimitHits = new Counter({
    name: 'cfa_rate_limit_hits_total', help: 'HTTP 429 answers from the exchange, from finished runs', registers: [this.registry],
  });
  readonly backupSize = this.gauge('cfa_backup_size_bytes', 'Size of the newest backup', ['tier']);
  readonly backupAge = this.gauge('cfa_backup_age_seconds', 'Age of the newest verified backup of each tier', ['tier']);
  readonly freshness = this.gauge('cfa_freshness_age_seconds', 'Age of the stalest series of each interval (since its newest candle closed)', ['interval']);
  readonly seriesAge = this.gauge('cfa_series_age_seconds', 'Age of each series (since its newest candle closed)', ['symbol', 'interval']);
  readonly seriesEmpty = this.gauge('cfa_series_empty', 'Configured series with no candle at all', ['interval']);
  readonly coverage = this.gauge('cfa_coverage_percent', 'Configured symbols that have candles, percent', ['interval']);
  readonly missing = this.gauge('cfa_coverage_missing_symbols', 'Configured symbols with no candles', ['interval']);
  readonly health = this.gauge('cfa_health_status', 'Overall health: 0 ok, 1 unknown or never synced, 2 warning, 3 critical');
  readonly probeStatus = this.gauge('cfa_probe_status', 'Each health probe: 0 ok, 1 unknown or never synced, 2 warning, 3 critical', ['probe']);
  readonly probeValue = this.gauge('cfa_probe_value', 'Each health probe\'s measured figure, in its unit (ages in seconds)', ['probe', 'unit']);
  readonly jobStatus = this.gauge('cfa_job_last_status', 'The last finished run of each job: 1 for its status, 0 for the others', ['job', 'status']);
  readonly jobDuration = this.gauge('cfa_job_last_duration_seconds', 'Duration of the last finished run of each job', ['job']);
  readonly jobRunning = this.gauge('cfa_job_running_seconds', 'How long the job\'s current run has been running (0 when idle)', ['job']);
  readonly jobSuccess = this.gauge('cfa_job_last_success_timestamp_seconds', 'When each job last ended successfully (Unix time)', ['job']);
  readonly daemonUp = this.gauge('cfa_daemon_up', '1 while the supervised daemon runs');
  readonly daemonState = this.gauge('cfa_daemon_state', 'The supervised daemon\'s state: 1 for the current one', ['state']);
  readonly heartbeatAge = this.gauge('cfa_daemon_heartbeat_age_seconds', 'Age of the daemon\'s last heartbeat (while it runs)');
  readonly daemonCpu = this.gauge('cfa_daemon_cpu_percent', 'CPU of the daemon, percent of one core (while it runs)');
  readonly daemonRss = this.gauge('cfa_daemon_rss_bytes', 'Resident memory of the daemon (while it runs)');
  readonly replicationLag = this.gauge('cfa_replication_lag_seconds', 'Unreplicated change of each store on each Litestream replica', ['db', 'replica']);
  readonly replicationSnapshotAge = this.gauge('cfa_replication_snapshot_age_seconds', 'Age of the newest snapshot of each store on each replica', ['db', 'replica']);
  readonly replicaUp = this.gauge('cfa_replica_reachable', '1 when the replica could be read at the last health snapshot', ['db', 'replica']);
  readonly alertsFiring = this.gauge('cfa_alerts_firing', 'Firing alerts', ['rule', 'severity']);
  readonly outboxPending = this.gauge('cfa_outbox_pending', 'Notifications waiting to be delivered', ['channel']);
  readonly outboxFailed = this.gauge('cfa_outbox_failed', 'Notifications given up on after their last attempt', ['channel']);

  constructor(options: { since?: number } = {}) {
    this.since = options.since ?? Date.now();
  }

  private gauge<T extends string>(name: string, help: string, labelNames: readonly T[] = []): Gauge<T> {
    return new Gauge<T>({ name, help, labelNames: [...labelNames], registers: [this.registry] });
  }

  /** Sets every figure from a snapshot (null: keep the health figures as they are) and a history. */
  update(snapshot: HealthSnapshot | null, history: MetricsHistory): void {
    const now = history.now ?? snapshot?.at ?? Date.now();
    if (snapshot) this.updateHealth(snapshot);
    this.updateRuns(history.runs, now);
    if (history.daemon !== undefined) this.updateDaemon(history.daemon);
    if (history.alertsFiring) {
      this.alertsFiring.reset();
      for (const rule of RULES) this.alertsFiring.set({ rule: rule.id, severity: rule.severity }, 0);
      for (const a of history.alertsFiring) this.alertsFiring.set({ rule: a.rule, severity: a.severity }, a.count);
    }
    if (history.outbox) {
      this.outboxPending.reset();
      this.outboxFailed.reset();
      for (const o of history.outbox) {
        this.outboxPending.set({ channel: o.channel }, o.pending);
        this.outboxFailed.set({ channel: o.channel }, o.failed);
      }
    }
    const records = history.recordCounts ?? snapshot?.records?.byInterval;
    if (records) {
      this.recordCount.reset();
      for (const [interval, count] of Object.entries(records)) this.recordCount.set({ interval }, count);
    }
    if (history.backups) this.updateBackups(history.backups, now);
  }

  private updateHealth(snapshot: HealthSnapshot): void {
    this.health.set(STATUS_RANK[snapshot.overall]);
    if (snapshot.replication) {
      this.replicationLag.reset();
      this.replicationSnapshotAge.reset();
      this.replicaUp.reset();
      for (const r of snapshot.replication) {
        const labels = { db: r.store, replica: r.replica };
        this.replicaUp.set(labels, r.reachable ? 1 : 0);
        if (r.lagMs !== null) this.replicationLag.set(labels, sec(r.lagMs));
        if (r.lastSnapshotAt !== null) this.replicationSnapshotAge.set(labels, sec(Math.max(0, snapshot.at - r.lastSnapshotAt)));
      }
    }
    this.probeStatus.reset();
    this.probeValue.reset();
    for (const p of snapshot.probes) {
      this.probeStatus.set({ probe: p.id }, STATUS_RANK[p.status]);
      if (p.value !== null && Number.isFinite(p.value)) {
        // Prometheus wants base units: ages in seconds.
        this.probeValue.set({ probe: p.id, unit: p.unit === 'ms' ? 'seconds' : p.unit }, p.unit === 'ms' ? sec(p.value) : p.value);
      }
    }
    this.freshness.reset();
    this.seriesAge.reset();
    this.seriesEmpty.reset();
    const worst = new Map<string, number>();
    const empty = new Map<string, number>();
    for (const s of snapshot.freshness) {
      if (s.ageMs === null) {
        empty.set(s.interval, (empty.get(s.interval) ?? 0) + 1);
        continue;
      }
      this.seriesAge.set({ symbol: s.symbol, interval: s.interval }, sec(s.ageMs));
      worst.set(s.interval, Math.max(worst.get(s.interval) ?? 0, s.ageMs));
    }
    for (const s of snapshot.freshness) if (!empty.has(s.interval)) empty.set(s.interval, 0);
    for (const [interval, age] of worst) this.freshness.set({ interval }, sec(age));
    for (const [interval, n] of empty) this.seriesEmpty.set({ interval }, n);
    this.coverage.reset();
    this.missing.reset();
    for (const c of snapshot.coverage) {
      this.coverage.set({ interval: c.interval }, c.configured > 0 ? (c.present / c.configured) * 100 : 100);
      this.missing.set({ interval: c.interval }, c.missing.length);
    }
  }

  private updateRuns(runs: readonly RunRecord[], now: number): void {
    const ordered = byStartDesc(runs);
    const lastSyncOk = ordered.find((r) => r.job === 'sync' && r.status === 'success' && r.endedAt !== null);
    if (lastSyncOk) this.lastSync.set(sec(lastSyncOk.endedAt!));
    const lastSync = ordered.find((r) => r.job === 'sync' && r.status !== 'running' && r.status !== 'skipped');
    const series = lastSync?.summary?.series as { ok?: unknown; total?: unknown } | undefined;
    if (typeof series?.ok === 'number') this.syncSuccess.set(series.ok);
    if (typeof series?.total === 'number') this.syncTotal.set(series.total);

    this.jobStatus.reset();
    this.jobDuration.reset();
    this.jobRunning.reset();
    const jobs = [...new Set(ordered.map((r) => r.job))];
    for (const job of jobs) {
      const last = ordered.find((r) => r.job === job && r.status !== 'running' && r.status !== 'skipped');
      const running = ordered.find((r) => r.job === job && r.status === 'running');
      const success = ordered.find((r) => r.job === job && r.status === 'success' && r.endedAt !== null);
      if (last) {
        for (const status of ['success', 'partial', 'failed', 'timeout', 'cancelled']) this.jobStatus.set({ job, status }, last.status === status ? 1 : 0);
        if (last.durationMs !== null) this.jobDuration.set({ job }, sec(last.durationMs));
      }
      this.jobRunning.set({ job }, running ? sec(Math.max(0, now - running.startedAt)) : 0);
      if (success) this.jobSuccess.set({ job }, sec(success.endedAt!));
    }

    // Counters and the histogram only take news: runs that ended since this process started.
    for (const run of [...ordered].reverse()) {
      if (run.endedAt === null || run.endedAt < this.since || this.counted.has(run.id) || run.status === 'running') continue;
      this.counted.add(run.id);
      const hits = run.summary?.rateLimited429;
      if (typeof hits === 'number' && hits > 0) this.rateLimitHits.inc(hits);
      if (run.job === 'sync' && run.status !== 'skipped' && run.durationMs !== null) this.syncDuration.observe(sec(run.durationMs));
    }
  }

  private updateDaemon(daemon: DaemonFacts | null): void {
    this.daemonState.reset();
    this.heartbeatAge.reset();
    this.daemonCpu.reset();
    this.daemonRss.reset();
    if (!daemon?.configured) {
      this.daemonUp.reset();
      return;
    }
    const running = daemon.state === 'running';
    this.daemonUp.set(running ? 1 : 0);
    for (const state of ['stopped', 'starting', 'running', 'hung', 'backoff', 'crash-loop', 'paused']) {
      this.daemonState.set({ state }, daemon.state === state ? 1 : 0);
    }
    // As the built-in rules judge them: heartbeat while it runs or hangs, CPU and RSS while it runs.
    if ((running || daemon.state === 'hung') && daemon.heartbeatAgeMs !== null) this.heartbeatAge.set(sec(daemon.heartbeatAgeMs));
    if (running && daemon.cpuPercent !== null) this.daemonCpu.set(daemon.cpuPercent);
    if (running && daemon.rssBytes !== null) this.daemonRss.set(daemon.rssBytes);
  }

  private updateBackups(backups: NonNullable<MetricsHistory['backups']>, now: number): void {
    this.backupAge.reset();
    this.backupSize.reset();
    for (const b of backups) {
      if (b.newestAt !== null) this.backupAge.set({ tier: b.tier }, sec(Math.max(0, now - b.newestAt)));
      if (b.sizeBytes !== null) this.backupSize.set({ tier: b.tier }, b.sizeBytes);
    }
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}

let shared: CfaMetrics | null = null;

/** The process's metrics (what the engine's server serves). */
export function defaultMetrics(): CfaMetrics {
  shared ??= new CfaMetrics();
  return shared;
}

/** Updates the process's metrics (or `target`) from a health snapshot and the history. */
export function updateMetrics(snapshot: HealthSnapshot | null, history: MetricsHistory, target: CfaMetrics = defaultMetrics()): void {
  target.update(snapshot, history);
}
