import { cronProblem } from '../common/cron.js';
import { z } from 'zod';
import { INTERVALS, isInterval, type Interval } from '../exchange/intervals.js';
import { DEFAULT_RETRY_POLICY } from '../exchange/retry-policy.js';
import { DEFAULT_INTERVALS, DEFAULT_SYMBOLS } from './default-symbols.js';
import { duration, durationMs } from './duration.js';
import { alertsSection } from './sections/alerts.js';
import { backupSection } from './sections/backup.js';
import { healthSection } from './sections/health.js';
import { backtestSection, sentimentSection } from './sections/sentiment.js';
import { replicationSection } from './sections/replication.js';
import { storeSection } from './sections/store.js';

export const SYMBOL_PATTERN = /^[A-Z0-9]{2,20}$/;

const symbol = z.string().regex(SYMBOL_PATTERN, 'a symbol is 2-20 upper-case letters or digits, e.g. BTCUSDT');

const interval = z.custom<Interval>((v) => typeof v === 'string' && isInterval(v), {
  message: `an interval is one of ${INTERVALS.join(', ')}`,
});

export { duration, durationMs };

const { transport, rateLimit, server } = DEFAULT_RETRY_POLICY;
const retryPolicy = z.object({
  transport: z.object({
    retries: z.int().min(0).max(10).default(transport.retries),
    delaysMs: z.array(z.int().min(0)).min(1).default(transport.delaysMs),
  }).strict().prefault({}),
  rateLimit: z.object({
    retries: z.int().min(0).max(10).default(rateLimit.retries),
    delayMs: z.int().min(0).default(rateLimit.delayMs),
    jitterMs: z.int().min(0).default(rateLimit.jitterMs),
  }).strict().prefault({}),
  server: z.object({
    retries: z.int().min(0).max(10).default(server.retries),
    delaysMs: z.array(z.int().min(0)).min(1).default(server.delaysMs),
  }).strict().prefault({}),
}).strict();

/** The scheduler's own check (src/common/cron.ts): the config accepts exactly what it can run. */
const cronExpression = z.string().superRefine((v, ctx) => {
  const problem = cronProblem(v);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: `not a cron expression the scheduler can run: ${problem}` });
});

const jobSettings = z.object({
  enabled: z.boolean().optional(),
  schedule: cronExpression.optional(),
  timeout: duration.optional(),
  /** A run missed while no leader ran is made up once on start when it is at most this old. */
  catchUpWindow: duration.optional(),
}).strict();

export const configSchema = z.object({
  /** Unset means the platform's data dir; resolved by the loader, not stored. */
  dataDir: z.string().min(1).optional(),
  symbols: z.array(symbol).min(1).default([...DEFAULT_SYMBOLS]),
  intervals: z.array(interval).min(1).default([...DEFAULT_INTERVALS]),
  exchange: z.object({
    url: z.url({ protocol: /^https?$/, message: 'the exchange URL is an http(s) URL, e.g. https://fapi.binance.com' })
      .default('https://fapi.binance.com'),
    /** Our share of the IP's weight per window: the live trader uses the same IP. */
    weightBudget: z.int().min(1).max(2400).default(480),
    ipWeightLimit: z.int().min(1).default(2400),
    /** Binance counts weight per minute; tests shorten it together with the simulator's. */
    weightWindowMs: z.int().min(100).default(60_000),
    requestTimeoutMs: z.int().min(100).max(300_000).default(10_000),
    retry: retryPolicy.prefault({}),
  }).strict().prefault({}),
  sync: z.object({
    backfillDays: z.int().min(1).max(3650).default(90),
    concurrency: z.int().min(1).max(64).default(12),
    timeout: duration.default('30m'),
  }).strict().prefault({}),
  /** Per job: schedule (cron, UTC), timeout, catch-up window; a job absent here keeps its defaults. */
  jobs: z.record(z.string(), jobSettings).default({}),
  engine: z.object({
    /** A leader that has not renewed for this long is presumed dead and replaced. */
    leaseTtl: duration.default('15s'),
    leaseRenewEvery: duration.default('5s'),
    /** How often CPU and RSS of the host and the supervised daemon are sampled. */
    sampleEvery: duration.default('5s'),
    /** How often the leader takes the health snapshot (stored in ops.db for every console) and judges the alert rules. */
    monitorEvery: duration.default('30s'),
    /** Job runs, their logs and resource samples older than this are deleted. */
    retentionDays: z.int().min(1).max(3650).default(90),
    /** How long a graceful stop waits for running jobs before killing them. */
    stopGrace: duration.default('30s'),
    /**
     * This host's name among hosts sharing a PostgreSQL store (also `CFA_HOST`); default the
     * machine's name. A dead holder of the lease is recognised by its PID only on the same host name.
     */
    host: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/, 'engine.host is a host name such as db-1 or node-b.example.com (letters, digits, dots, dashes, underscores)').optional(),
  }).strict().prefault({}),
  daemon: z.object({
    /** The backtest daemon: argv, run without a shell. Absent: nothing is supervised. */
    command: z.array(z.string().min(1)).min(1).optional(),
    cwd: z.string().optional(),
    heartbeatTimeout: duration.default('120s'),
    /** Between SIGTERM and SIGKILL when a hung daemon is stopped. */
    killGrace: duration.default('30s'),
    maxCrashes: z.int().min(1).default(3),
    crashWindow: duration.default('24h'),
    /** First restart delay; doubles per crash up to restartBackoffMax. */
    restartBackoff: duration.default('5s'),
    restartBackoffMax: duration.default('5m'),
    cpuLimitPercent: z.number().min(1).max(10_000).default(90),
    cpuLimitFor: duration.default('10m'),
    rssLimitMb: z.int().min(1).default(2048),
  }).strict().prefault({}),
  health: healthSection.prefault({}),
  backup: backupSection.prefault({}),
  alerts: alertsSection.prefault({}),
  sentiment: sentimentSection.prefault({}),
  backtest: backtestSection.prefault({}),
  runbooks: z.object({
    /**
     * Per runbook id: true lets the leader run it itself when its alert fires, false leaves it to
     * a person. A runbook absent here keeps its own default (the seeds' table: crash, hang,
     * stale data and corruption automatic; the 48 h rollback manual).
     */
    auto: z.record(z.string().regex(/^[a-z0-9-]+$/, 'a runbook id, e.g. daemon-dead'), z.boolean()).default({}),
  }).strict().prefault({}),
  replication: replicationSection.prefault({}),
  store: storeSection.prefault({}),
}).strict();

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
