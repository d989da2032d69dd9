import { readFile } from 'node:fs/promises';
import { errorJson, type BinanceError } from './errors.js';
import { symbolProfile, syntheticPrice, unitHash } from './synthetic-candles.js';

/**
 * The sentiment endpoints of the simulator: funding rate history (with Binance's millisecond
 * jitter and a funding interval that may change per symbol), the `/futures/data` statistics
 * (open interest, long/short ratios, taker volume; 30 days of history, inclusive bounds) and the
 * premium index. Deterministic values, no HTTP here.
 */

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** From `from` on, funding settles every `intervalMs` (on that grid, aligned to the epoch). */
export interface FundingSegment {
  from: number;
  intervalMs: number;
}

export const DEFAULT_FUNDING_SEGMENTS: readonly FundingSegment[] = [{ from: 0, intervalMs: 8 * HOUR }];

/** `/futures/data` keeps this much history; older start times simply find nothing. */
export const FUTURES_DATA_HISTORY_MS = 30 * DAY;
export const FUTURES_DATA_DEFAULT_LIMIT = 30;
export const FUTURES_DATA_MAX_LIMIT = 500;

export const FUTURES_DATA_PERIODS: Readonly<Record<string, number>> = {
  '5m': 300_000, '15m': 900_000, '30m': 1_800_000, '1h': HOUR, '2h': 2 * HOUR, '4h': 4 * HOUR,
  '6h': 6 * HOUR, '12h': 12 * HOUR, '1d': DAY,
};

export type FuturesDataKind = 'openInterestHist' | 'globalLongShortAccountRatio' | 'topLongShortAccountRatio'
  | 'topLongShortPositionRatio' | 'takerlongshortRatio';

export const FUTURES_DATA_PATHS: ReadonlyMap<string, FuturesDataKind> = new Map([
  ['/futures/data/openInterestHist', 'openInterestHist'],
  ['/futures/data/globalLongShortAccountRatio', 'globalLongShortAccountRatio'],
  ['/futures/data/topLongShortAccountRatio', 'topLongShortAccountRatio'],
  ['/futures/data/topLongShortPositionRatio', 'topLongShortPositionRatio'],
  ['/futures/data/takerlongshortRatio', 'takerlongshortRatio'],
] as [string, FuturesDataKind][]);

export const INVALID_PERIOD: BinanceError = { status: 400, code: -1120, msg: 'Invalid period.' };

/** Binance publishes funding a few milliseconds late: 0-19 ms, on about half the settlements. */
export function fundingJitter(symbol: string, nominal: number): number {
  const seed = symbolProfile(symbol).seed;
  const u = unitHash(seed, nominal / HOUR, 23);
  return u < 0.5 ? 0 : Math.floor((u - 0.5) * 40);
}

/** Nominal settlement times in [lo, hi] under a schedule of segments, oldest first. */
export function fundingTimesBetween(segments: readonly FundingSegment[], lo: number, hi: number): number[] {
  const out: number[] = [];
  const sorted = [...segments].sort((a, b) => a.from - b.from);
  sorted.forEach((seg, i) => {
    const segEnd = sorted[i + 1]?.from ?? Number.POSITIVE_INFINITY;
    const start = Math.max(lo, seg.from);
    for (let t = Math.ceil(start / seg.intervalMs) * seg.intervalMs; t <= hi && t < segEnd; t += seg.intervalMs) out.push(t);
  });
  return out;
}

/** A real funding settlement replayed as Binance sent it (`../shared/data/BTCUSDT-funding.csv`). */
export interface FundingRecord {
  fundingTime: number;
  fundingRate: string;
}

export interface FundingReplaySpec {
  symbol: string;
  file: string;
}

export class FundingReplayError extends Error {
  override name = 'FundingReplayError';
}

/** Parses the CLI form `SYMBOL:FILE`. */
export function parseFundingReplaySpec(text: string): FundingReplaySpec {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) throw new FundingReplayError(`bad funding replay '${text}': expected SYMBOL:FILE, e.g. BTCUSDT:../shared/data/BTCUSDT-funding.csv`);
  return { symbol: text.slice(0, colon), file: text.slice(colon + 1) };
}

/** `fundingTime,fundingIntervalHours,fundingRate` rows (a header line first), ascending. */
export function parseFundingCsv(text: string, file: string): FundingRecord[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines.shift()?.split(',').map((h) => h.trim()) ?? [];
  const timeAt = header.indexOf('fundingTime');
  const rateAt = header.indexOf('fundingRate');
  if (timeAt < 0 || rateAt < 0) throw new FundingReplayError(`${file}: the header must name fundingTime and fundingRate, got ${JSON.stringify(header.join(','))}`);
  const rows = lines.map((line, i) => {
    const cells = line.split(',');
    const fundingTime = Number(cells[timeAt]);
    const raw = (cells[rateAt] ?? '').trim();
    // Binance sends 8 decimals; a spreadsheet may have written 9.8E-7.
    const fundingRate = /^-?\d+(\.\d+)?$/.test(raw) ? raw : Number.isFinite(Number(raw)) && raw !== '' ? Number(raw).toFixed(8) : '';
    if (!Number.isSafeInteger(fundingTime) || fundingRate === '') throw new FundingReplayError(`${file} line ${i + 2}: expected epoch ms and a decimal rate, got ${JSON.stringify(line)}`);
    return { fundingTime, fundingRate };
  });
  return rows.sort((a, b) => a.fundingTime - b.fundingTime);
}

export async function loadFundingReplay(spec: FundingReplaySpec): Promise<FundingRecord[]> {
  let text: string;
  try {
    text = await readFile(spec.file, 'utf8');
  } catch (error) {
    throw new FundingReplayError(`cannot read funding replay ${spec.file} for ${spec.symbol}: ${(error as Error).message}`);
  }
  return parseFundingCsv(text, spec.file);
}

/** `/fapi/v1/fundingRate` from replayed settlements, with the same paging as the synthetic ones. */
export function replayedFundingBody(symbol: string, records: readonly FundingRecord[], q: FundingQuery, now: number): string {
  const hi = Math.min(q.endTime ?? now, now);
  let rows = records.filter((r) => r.fundingTime >= (q.startTime ?? 0) && r.fundingTime <= hi);
  rows = q.startTime !== undefined ? rows.slice(0, q.limit) : rows.slice(Math.max(0, rows.length - q.limit));
  const decimals = symbolProfile(symbol).priceDecimals;
  return JSON.stringify(rows.map((r) => ({
    symbol, fundingTime: r.fundingTime, fundingRate: r.fundingRate,
    markPrice: syntheticPrice(symbol, '1h', Math.floor(r.fundingTime / HOUR) * HOUR).toFixed(decimals),
  })));
}

export interface FundingQuery {
  startTime?: number | undefined;
  endTime?: number | undefined;
  limit: number;
}

function fundingRate(symbol: string, nominal: number): number {
  return 0.0001 + 0.0002 * (2 * unitHash(symbolProfile(symbol).seed, nominal / HOUR, 21) - 1);
}

/** `/fapi/v1/fundingRate`: with startTime the oldest `limit` from it, else the newest `limit`. */
export function fundingRatesBody(
  symbol: string, listingTime: number, segments: readonly FundingSegment[], q: FundingQuery, now: number,
): string {
  const lo = Math.max(listingTime, (q.startTime ?? listingTime) - 60_000);
  const hi = Math.min(q.endTime ?? now, now);
  let rows = fundingTimesBetween(segments, lo, hi)
    .map((nominal) => ({ nominal, time: nominal + fundingJitter(symbol, nominal) }))
    .filter((r) => r.time >= (q.startTime ?? 0) && r.time <= hi && r.time <= now);
  rows = q.startTime !== undefined ? rows.slice(0, q.limit) : rows.slice(Math.max(0, rows.length - q.limit));
  const decimals = symbolProfile(symbol).priceDecimals;
  return JSON.stringify(rows.map((r) => ({
    symbol,
    fundingTime: r.time,
    fundingRate: fundingRate(symbol, r.nominal).toFixed(8),
    markPrice: syntheticPrice(symbol, '1h', r.nominal).toFixed(decimals),
  })));
}

/** `/fapi/v1/premiumIndex`: one symbol's snapshot, or every symbol's without one. */
export function premiumIndexBody(symbols: readonly string[], single: boolean, segmentsOf: (s: string) => readonly FundingSegment[], now: number): string {
  const one = (symbol: string): Record<string, unknown> => {
    const p = symbolProfile(symbol);
    const mark = syntheticPrice(symbol, '1h', now);
    const next = fundingTimesBetween(segmentsOf(symbol), now + 1, now + 24 * HOUR)[0] ?? now + 8 * HOUR;
    return {
      symbol,
      markPrice: mark.toFixed(p.priceDecimals),
      indexPrice: (mark * 0.9998).toFixed(p.priceDecimals),
      estimatedSettlePrice: mark.toFixed(p.priceDecimals),
      lastFundingRate: fundingRate(symbol, Math.floor(now / HOUR) * HOUR).toFixed(8),
      interestRate: '0.00010000',
      nextFundingTime: next,
      time: now,
    };
  };
  return JSON.stringify(single ? one(symbols[0]!) : symbols.map(one));
}

export interface FuturesDataQuery {
  periodMs: number;
  startTime?: number | undefined;
  endTime?: number | undefined;
  limit: number;
}

/** The grid points a `/futures/data` query returns: both bounds inclusive, 30 days back at most. */
export function futuresDataTimes(q: FuturesDataQuery, listingTime: number, now: number): number[] {
  const p = q.periodMs;
  const oldest = Math.ceil(Math.max(now - FUTURES_DATA_HISTORY_MS, listingTime) / p) * p;
  const newest = Math.floor(now / p) * p;
  const lo = Math.max(oldest, Math.ceil((q.startTime ?? oldest) / p) * p);
  const hi = Math.min(newest, Math.floor((q.endTime ?? newest) / p) * p);
  if (hi < lo) return [];
  const count = Math.floor((hi - lo) / p) + 1;
  const take = Math.min(count, q.limit);
  const first = q.startTime !== undefined ? lo : hi - (take - 1) * p;
  return Array.from({ length: take }, (_, i) => first + i * p);
}

export function futuresDataBody(kind: FuturesDataKind, symbol: string, times: readonly number[], periodMs: number): string {
  const p = symbolProfile(symbol);
  const seed = p.seed;
  const rows = times.map((ts) => {
    const k = ts / periodMs;
    switch (kind) {
      case 'openInterestHist': {
        const notional = p.turnoverPerHour * 6 * (1 + 0.2 * Math.sin(ts / (720 * 60_000) + p.phase));
        const base = notional / syntheticPrice(symbol, '1h', ts);
        return { symbol, sumOpenInterest: base.toFixed(8), sumOpenInterestValue: notional.toFixed(8), timestamp: ts };
      }
      case 'takerlongshortRatio': {
        const buy = p.turnoverPerHour / syntheticPrice(symbol, '1h', ts) * (0.4 + 0.2 * unitHash(seed, k, 31));
        const sell = p.turnoverPerHour / syntheticPrice(symbol, '1h', ts) * (0.4 + 0.2 * unitHash(seed, k, 32));
        return { buySellRatio: (buy / sell).toFixed(4), buyVol: buy.toFixed(4), sellVol: sell.toFixed(4), timestamp: ts };
      }
      default: {
        const salt = kind === 'globalLongShortAccountRatio' ? 33 : kind === 'topLongShortAccountRatio' ? 34 : 35;
        const long = 0.35 + 0.3 * unitHash(seed, k, salt);
        return {
          symbol, longShortRatio: (long / (1 - long)).toFixed(4), longAccount: long.toFixed(4),
          shortAccount: (1 - long).toFixed(4), timestamp: ts,
        };
      }
    }
  });
  return JSON.stringify(rows);
}

export function errorBody(e: BinanceError): { status: number; body: string } {
  return { status: e.status, body: errorJson(e) };
}
