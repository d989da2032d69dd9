import { z } from 'zod';
import { duration } from '../duration.js';
import { SENTIMENT_SOURCES } from '../names.js';

export { SENTIMENT_SOURCES, type SentimentSource } from '../names.js';

/** Periods Binance's `/futures/data` statistics come in. */
export const FUTURES_DATA_PERIODS = ['5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d'] as const;

/** The original design's macro series. */
export const DEFAULT_FRED_SERIES = ['DFF', 'DGS10', 'T10Y2Y', 'DTWEXBGS', 'VIXCLS', 'CPIAUCSL', 'M2SL'];

const httpUrl = (example: string) => z.url({ protocol: /^https?$/, message: `an http(s) URL, e.g. ${example}` });

/** Sentiment and macro sources (owned by src/sentiment). The FRED key comes from CFA_FRED_API_KEY only. */
export const sentimentSection = z.object({
  sources: z.array(z.enum(SENTIMENT_SOURCES)).min(1).default([...SENTIMENT_SOURCES]),
  binance: z.object({
    /** Period of open interest, long/short ratios and taker volume. */
    period: z.enum(FUTURES_DATA_PERIODS).default('1h'),
    /** How far back an empty `/futures/data` series is filled: Binance keeps 30 days. */
    backfillDays: z.int().min(1).max(30).default(30),
    /** How far back an empty funding series is filled. */
    fundingBackfillDays: z.int().min(1).max(3650).default(90),
    /** Our share of the IP's 1000 `/futures/data` requests per 5 minutes. */
    futuresDataRequests: z.int().min(1).max(1000).default(500),
    /** Our share of the IP's 500 funding-rate requests per 5 minutes. */
    fundingRequests: z.int().min(1).max(500).default(250),
    /** The window of those two limits (Binance: 5 minutes; tests shorten it). */
    quotaWindowMs: z.int().min(100).default(300_000),
    /** Requests in flight at once. */
    concurrency: z.int().min(1).max(32).default(4),
  }).strict().prefault({}),
  fearGreed: z.object({
    url: httpUrl('https://api.alternative.me').default('https://api.alternative.me'),
    /** How far back an empty table is filled. */
    backfillDays: z.int().min(1).max(5000).default(365),
  }).strict().prefault({}),
  fred: z.object({
    url: httpUrl('https://api.stlouisfed.org').default('https://api.stlouisfed.org'),
    series: z.array(z.string().regex(/^[A-Z0-9_]{1,30}$/, 'a FRED series id, e.g. DFF')).min(1).default([...DEFAULT_FRED_SERIES]),
    /** FRED allows 120 requests per minute per key. */
    requestsPerMinute: z.int().min(1).max(120).default(120),
    /** Window of that limit (FRED: a minute; tests shorten it). */
    windowMs: z.int().min(100).default(60_000),
    /** Observations (and their vintages) this far back are fetched and kept. */
    backfillDays: z.int().min(30).max(36500).default(1095),
    /** Each run re-reads vintages from this many days before the last run, to catch late revisions. */
    overlapDays: z.int().min(0).max(365).default(7),
  }).strict().prefault({}),
  requestTimeoutMs: z.int().min(100).max(300_000).default(15_000),
  /** Stop after this long (the job's timeout is 20 min). */
  timeout: duration.default('20m'),
}).strict();

/** The 23:30 daily backtest (a user command, like daemon.command). */
export const backtestSection = z.object({
  /** argv, run without a shell. Absent: the job reports that nothing is configured and fails. */
  command: z.array(z.string().min(1)).min(1).optional(),
  cwd: z.string().optional(),
  /** Where the command writes its result (it gets CFA_BACKTEST_RESULT_FILE). Default <data dir>/backtest/daily-<UTC date>.json. */
  resultFile: z.string().min(1).optional(),
  /** The seeds' budget: the backtest may use this share of the host's CPU (main 60% + backtest 30%). */
  cpuBudgetPercent: z.number().min(1).max(100).default(30),
  /** How often its CPU and RSS are sampled while it runs. */
  sampleEvery: duration.default('5s'),
}).strict();
