import ms from 'ms';
import { z } from 'zod';
import { INTERVALS, isInterval, type Interval } from '../exchange/intervals.js';
import { DEFAULT_RETRY_POLICY } from '../exchange/retry-policy.js';
import { DEFAULT_INTERVALS, DEFAULT_SYMBOLS } from './default-symbols.js';

export const SYMBOL_PATTERN = /^[A-Z0-9]{2,20}$/;

const symbol = z.string().regex(SYMBOL_PATTERN, 'a symbol is 2-20 upper-case letters or digits, e.g. BTCUSDT');

const interval = z.custom<Interval>((v) => typeof v === 'string' && isInterval(v), {
  message: `an interval is one of ${INTERVALS.join(', ')}`,
});

/** A duration written the way people write it ("30m", "2h", "45s"); stored as written. */
export const duration = z.string().refine((v) => {
  const parsed = ms(v as ms.StringValue);
  return typeof parsed === 'number' && parsed > 0;
}, { message: 'a duration is a number with a unit, e.g. 45s, 30m, 2h, 1d' });

export function durationMs(value: string): number {
  return ms(value as ms.StringValue);
}

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
}).strict();

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
