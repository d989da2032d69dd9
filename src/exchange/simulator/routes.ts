import { isInterval, type Interval } from '../intervals.js';
import {
  errorJson, illegalChars, INVALID_INTERVAL, INVALID_LIMIT, INVALID_SYMBOL, mandatoryParam, START_AFTER_END,
  type BinanceError,
} from './errors.js';
import type { Hole } from './faults.js';
import { openInterestJson } from './market-info.js';
import {
  FUTURES_DATA_DEFAULT_LIMIT, FUTURES_DATA_MAX_LIMIT, FUTURES_DATA_PATHS, FUTURES_DATA_PERIODS, fundingRatesBody,
  futuresDataBody, futuresDataTimes, INVALID_PERIOD, premiumIndexBody, replayedFundingBody, type FundingRecord, type FundingSegment,
  type FuturesDataKind,
} from './sentiment-data.js';
import { klineOpenTimes, klinesJson, type SeriesSource } from './series.js';
import { klinesWeight } from './weight-accounting.js';

/** The REST endpoints: parameter checks, weights and bodies, with no HTTP in sight. */

export type EndpointName = 'time' | 'exchangeInfo' | 'klines' | 'fundingRate' | 'openInterest' | 'premiumIndex' | FuturesDataKind;

export const ENDPOINTS: ReadonlyMap<string, EndpointName> = new Map<string, EndpointName>([
  ['/fapi/v1/time', 'time'],
  ['/fapi/v1/exchangeInfo', 'exchangeInfo'],
  ['/fapi/v1/klines', 'klines'],
  ['/fapi/v1/fundingRate', 'fundingRate'],
  ['/fapi/v1/openInterest', 'openInterest'],
  ['/fapi/v1/premiumIndex', 'premiumIndex'],
  ...FUTURES_DATA_PATHS,
]);

export const ENDPOINT_NAMES: readonly EndpointName[] = [...ENDPOINTS.values()];

function isFuturesData(name: EndpointName): name is FuturesDataKind {
  return [...FUTURES_DATA_PATHS.values()].includes(name as FuturesDataKind);
}

export const KLINES_DEFAULT_LIMIT = 500;
export const KLINES_MAX_LIMIT = 1500;
export const FUNDING_DEFAULT_LIMIT = 100;
export const FUNDING_MAX_LIMIT = 1000;

export interface MarketView {
  now: number;
  listingTime(symbol: string): number | undefined;
  series(symbol: string, interval: Interval): SeriesSource;
  holes(symbol: string, interval: Interval): readonly Hole[];
  exchangeInfo: readonly [string, string];
  symbols: readonly string[];
  fundingSegments(symbol: string): readonly FundingSegment[];
  /** Real settlements replayed for this symbol, when given. */
  fundingReplay(symbol: string): readonly FundingRecord[] | undefined;
}

export interface RouteResult {
  status: number;
  body: string;
}

const DIGITS = /^[0-9]{1,20}$/;

/** The weight Binance charges, known before the request is validated (bad requests cost too). */
export function endpointWeight(name: EndpointName, params: URLSearchParams): number {
  // The /futures/data statistics cost no weight (they have their own 1000 requests per 5 min).
  if (isFuturesData(name)) return 0;
  if (name === 'premiumIndex') return params.get('symbol') ? 1 : 10;
  if (name !== 'klines') return 1;
  const raw = params.get('limit');
  const limit = raw !== null && DIGITS.test(raw) ? Number(raw) : KLINES_DEFAULT_LIMIT;
  return klinesWeight(limit);
}

export function route(name: EndpointName, params: URLSearchParams, view: MarketView): RouteResult {
  switch (name) {
    case 'time':
      return { status: 200, body: `{"serverTime":${view.now}}` };
    case 'exchangeInfo':
      return { status: 200, body: view.exchangeInfo[0] + String(view.now) + view.exchangeInfo[1] };
    case 'klines':
      return klines(params, view);
    case 'fundingRate':
      return fundingRate(params, view);
    case 'openInterest': {
      const symbol = requireSymbol(params, view);
      if (typeof symbol !== 'string') return fail(symbol);
      return { status: 200, body: openInterestJson(symbol, view.now) };
    }
    case 'premiumIndex': {
      const raw = params.get('symbol');
      if (raw === null || raw === '') return { status: 200, body: premiumIndexBody(view.symbols, false, view.fundingSegments, view.now) };
      const symbol = requireSymbol(params, view);
      if (typeof symbol !== 'string') return fail(symbol);
      return { status: 200, body: premiumIndexBody([symbol], true, view.fundingSegments, view.now) };
    }
    default:
      return futuresData(name, params, view);
  }
}

function futuresData(kind: FuturesDataKind, params: URLSearchParams, view: MarketView): RouteResult {
  const symbol = requireSymbol(params, view);
  if (typeof symbol !== 'string') return fail(symbol);
  const period = params.get('period');
  if (period === null || period === '') return fail(mandatoryParam('period'));
  const periodMs = FUTURES_DATA_PERIODS[period];
  if (periodMs === undefined) return fail(INVALID_PERIOD);
  const q = paging(params, FUTURES_DATA_DEFAULT_LIMIT, FUTURES_DATA_MAX_LIMIT);
  if ('code' in q) return fail(q);
  const times = futuresDataTimes({ periodMs, ...q }, view.listingTime(symbol)!, view.now);
  return { status: 200, body: futuresDataBody(kind, symbol, times, periodMs) };
}

function fail(e: BinanceError): RouteResult {
  return { status: e.status, body: errorJson(e) };
}

function requireSymbol(params: URLSearchParams, view: MarketView): string | BinanceError {
  const symbol = params.get('symbol');
  if (symbol === null || symbol === '') return mandatoryParam('symbol');
  if (view.listingTime(symbol) === undefined) return INVALID_SYMBOL;
  return symbol;
}

interface Paging {
  startTime: number | undefined;
  endTime: number | undefined;
  limit: number;
}

function paging(params: URLSearchParams, defaultLimit: number, maxLimit: number): Paging | BinanceError {
  const time = (name: string): number | undefined | BinanceError => {
    const raw = params.get(name);
    if (raw === null || raw === '') return undefined;
    return DIGITS.test(raw) ? Number(raw) : illegalChars(name);
  };
  const startTime = time('startTime');
  if (typeof startTime === 'object') return startTime;
  const endTime = time('endTime');
  if (typeof endTime === 'object') return endTime;
  const rawLimit = params.get('limit');
  let limit = defaultLimit;
  if (rawLimit !== null && rawLimit !== '') {
    if (!DIGITS.test(rawLimit)) return illegalChars('limit');
    limit = Number(rawLimit);
    if (limit < 1 || limit > maxLimit) return INVALID_LIMIT;
  }
  if (startTime !== undefined && endTime !== undefined && startTime > endTime) return START_AFTER_END;
  return { startTime, endTime, limit };
}

function klines(params: URLSearchParams, view: MarketView): RouteResult {
  const symbol = params.get('symbol');
  if (symbol === null || symbol === '') return fail(mandatoryParam('symbol'));
  const interval = params.get('interval');
  if (interval === null || interval === '') return fail(mandatoryParam('interval'));
  if (!isInterval(interval)) return fail(INVALID_INTERVAL);
  if (view.listingTime(symbol) === undefined) return fail(INVALID_SYMBOL);
  const q = paging(params, KLINES_DEFAULT_LIMIT, KLINES_MAX_LIMIT);
  if ('code' in q) return fail(q);
  const src = view.series(symbol, interval);
  const openTimes = klineOpenTimes(src, view.holes(symbol, interval), q, view.now);
  return { status: 200, body: klinesJson(src, openTimes, view.now) };
}

function fundingRate(params: URLSearchParams, view: MarketView): RouteResult {
  const symbol = requireSymbol(params, view);
  if (typeof symbol !== 'string') return fail(symbol);
  const q = paging(params, FUNDING_DEFAULT_LIMIT, FUNDING_MAX_LIMIT);
  if ('code' in q) return fail(q);
  const replay = view.fundingReplay(symbol);
  if (replay) return { status: 200, body: replayedFundingBody(symbol, replay, q, view.now) };
  return { status: 200, body: fundingRatesBody(symbol, view.listingTime(symbol)!, view.fundingSegments(symbol), q, view.now) };
}
