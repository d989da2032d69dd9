/**
 * Binance USD-M futures REST client for the candle sync: weight-limited, retrying per the
 * pipeline's policy, and failing with errors that say what to do.
 */
import http from 'node:http';
import https from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { parseRetryAfterMs } from '../common/retry-after.js';
import { MalformedRowError, rowToCandle, type Candle } from './candle.js';
import {
  BadDataError,
  BannedError,
  BrokenResponseError,
  ExchangeApiError,
  ExchangeUnreachableError,
  ExchangeUrlError,
  INVALID_SYMBOL_CODE,
  InvalidSymbolError,
} from './exchange-errors.js';
import type { Interval } from './intervals.js';
import { klineWeight } from './kline-weight.js';
import {
  DEFAULT_RETRY_POLICY,
  faultKindOfStatus,
  nextRetryDelay,
  parseBanUntil,
  type FaultKind,
  type RetryKind,
  type RetryPolicy,
} from './retry-policy.js';
import type { WeightLimiter } from './weight-limiter.js';

/** Binance's IP bans last from 2 minutes to 3 days: no Retry-After it sends is taken for longer. */
const MAX_BAN_MS = 3 * 86_400_000;

export type ClientEvent =
  | {
      type: 'retry';
      /** The retry budget spent (a 418 ban spends rateLimit). */
      kind: RetryKind;
      fault: FaultKind;
      /** 1 for the first retry of this kind for this request. */
      attempt: number;
      delayMs: number;
      url: string;
      detail: string;
    }
  | { type: 'rateLimited'; url: string; retryAfterMs: number | undefined; until: number }
  | { type: 'banned'; url: string; until: number; msg: string };

export interface BinanceClientOptions {
  baseUrl: string;
  limiter: WeightLimiter;
  retry?: RetryPolicy;
  /** Longest silence allowed: no answer, or no body progress (default 10000). */
  requestTimeoutMs?: number;
  /** Called synchronously; must not throw. */
  onEvent?: (event: ClientEvent) => void;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * A 429/418 that asks for a longer wait than this fails at once (BannedError or
   * ExchangeApiError) instead of sleeping; the limiter stays blocked either way (default 10 min).
   */
  maxBlockWaitMs?: number;
  maxSockets?: number;
}

export interface KlinesRequest {
  symbol: string;
  interval: Interval;
  startTime?: number;
  endTime?: number;
  limit: number;
}

export interface SymbolInfo {
  symbol: string;
  status: string;
  contractType: string;
  quoteAsset: string;
}

export interface ExchangeInfo {
  symbols: SymbolInfo[];
}

export interface BinanceClientStats {
  /** Requests sent, retries included. */
  requests: number;
  weightUsed: number;
  retries: Record<RetryKind, number>;
  rateLimited429: number;
  banned418: number;
  transportFaults: number;
  serverErrors: number;
}

export const USED_WEIGHT_HEADER = 'x-mbx-used-weight-1m';

type Fault =
  | { kind: 'transport'; detail: string; broken: boolean; cause?: unknown }
  | { kind: 'server'; status: number; code: number | undefined; msg: string; detail: string }
  | { kind: 'rateLimit'; retryAfterMs: number | undefined; msg: string; detail: string }
  | { kind: 'ban'; until: number; msg: string; detail: string };

type Attempt<T> = { value: T } | Fault;

export type Params = Record<string, string | number | undefined>;

/** One GET of any endpoint through the same limiter, retry policy and 429/418 handling as klines. */
export interface JsonRequest {
  path: string;
  params: Params;
  /** Request weight; 0 for the `/futures/data` endpoints (they still wait out a 429/418 block). */
  weight: number;
  /**
   * Per-endpoint request limits (funding: 500 per 5 min per IP; `/futures/data`: 1000 per 5 min),
   * as limiters charged 1 per request.
   */
  quotas?: readonly WeightLimiter[];
  /** Named in an invalid-symbol error. */
  symbol?: string;
}

export class BinanceClient {
  readonly baseUrl: string;
  private readonly base: URL;
  private readonly limiter: WeightLimiter;
  private readonly retry: RetryPolicy;
  private readonly requestTimeoutMs: number;
  private readonly maxBlockWaitMs: number;
  private readonly onEvent: ((event: ClientEvent) => void) | undefined;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly http: AxiosInstance;
  private readonly counters: BinanceClientStats = {
    requests: 0,
    weightUsed: 0,
    retries: { transport: 0, rateLimit: 0, server: 0 },
    rateLimited429: 0,
    banned418: 0,
    transportFaults: 0,
    serverErrors: 0,
  };

  constructor(options: BinanceClientOptions) {
    this.baseUrl = options.baseUrl;
    this.base = parseBaseUrl(options.baseUrl);
    this.limiter = options.limiter;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.maxBlockWaitMs = options.maxBlockWaitMs ?? 10 * 60_000;
    this.onEvent = options.onEvent;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
    const maxSockets = options.maxSockets ?? 32;
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets });
    this.http = axios.create({
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      // axios's socket-idle timeout: fires on no answer and on a body that stops arriving.
      timeout: this.requestTimeoutMs,
      transitional: { clarifyTimeoutError: true },
      // Text, parsed here, so a truncated body is a transport fault and not a silent string.
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      // The native transport keeps the timeout a stall timeout; Binance never redirects, and a
      // redirect means a wrong --exchange-url, which is reported as such.
      maxRedirects: 0,
      headers: { Accept: 'application/json' },
    });
  }

  /** GET /fapi/v1/time (weight 1): the exchange's clock in epoch ms. */
  async serverTime(): Promise<number> {
    return this.get('/fapi/v1/time', {}, 1, (body, url) => {
      const time = isRecord(body) ? body.serverTime : undefined;
      if (typeof time !== 'number' || !Number.isFinite(time)) {
        throw new BadDataError({ url, detail: `expected {"serverTime": <ms>}, got ${snippet(body)}` });
      }
      return time;
    });
  }

  /** GET /fapi/v1/exchangeInfo (weight 1), reduced to what the sync needs. */
  async exchangeInfo(): Promise<ExchangeInfo> {
    return this.get('/fapi/v1/exchangeInfo', {}, 1, (body, url) => {
      const symbols = isRecord(body) ? body.symbols : undefined;
      if (!Array.isArray(symbols)) {
        throw new BadDataError({ url, detail: `expected an object with a "symbols" array, got ${snippet(body)}` });
      }
      return {
        symbols: symbols.map((s: unknown): SymbolInfo => {
          if (
            !isRecord(s) || typeof s.symbol !== 'string' || typeof s.status !== 'string' ||
            typeof s.contractType !== 'string' || typeof s.quoteAsset !== 'string'
          ) {
            throw new BadDataError({ url, detail: `a symbol entry lacks symbol/status/contractType/quoteAsset: ${snippet(s)}` });
          }
          return { symbol: s.symbol, status: s.status, contractType: s.contractType, quoteAsset: s.quoteAsset };
        }),
      };
    });
  }

  /**
   * GET /fapi/v1/klines, weighted by `limit`. Returns every row the exchange sent, the still-open
   * last candle included: only the caller knows the server time to drop it against.
   */
  async klines(req: KlinesRequest): Promise<Candle[]> {
    const weight = klineWeight(req.limit);
    const params: Params = {
      symbol: req.symbol,
      interval: req.interval,
      startTime: req.startTime,
      endTime: req.endTime,
      limit: req.limit,
    };
    return this.get('/fapi/v1/klines', params, weight, (body, url) => {
      if (!Array.isArray(body)) {
        throw new BadDataError({ url, detail: `expected an array of kline rows, got ${snippet(body)}` });
      }
      try {
        return body.map((row: unknown) => rowToCandle(req.symbol, req.interval, row));
      } catch (err) {
        if (err instanceof MalformedRowError) throw new BadDataError({ url, detail: err.message, cause: err });
        throw err;
      }
    }, req.symbol);
  }

  /** GET any endpoint and parse its JSON body; faults as for klines (retried, or thrown as typed errors). */
  async getJson<T>(req: JsonRequest, parse: (body: unknown, url: string) => T): Promise<T> {
    return this.get(req.path, req.params, req.weight, parse, req.symbol, req.quotas);
  }

  stats(): BinanceClientStats {
    return { ...this.counters, retries: { ...this.counters.retries } };
  }

  /** Closes idle keep-alive sockets; the client must not be used afterwards. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private async get<T>(
    path: string,
    params: Params,
    weight: number,
    parse: (body: unknown, url: string) => T,
    symbol?: string,
    quotas: readonly WeightLimiter[] = [],
  ): Promise<T> {
    const url = this.urlFor(path, params);
    const tries: Record<RetryKind, number> = { transport: 0, rateLimit: 0, server: 0 };
    for (;;) {
      for (const quota of quotas) await quota.acquire(1);
      if (weight > 0) await this.limiter.acquire(weight);
      else await this.untilUnblocked();
      this.counters.requests++;
      this.counters.weightUsed += weight;
      const attempt = await this.send(url, parse, symbol);
      if ('value' in attempt) return attempt.value;

      const budget: RetryKind = attempt.kind === 'ban' ? 'rateLimit' : attempt.kind;
      const retriesDone = tries[budget];
      tries[budget]++;
      const serverWaitMs =
        attempt.kind === 'ban' ? Math.max(0, attempt.until - this.limiter.now())
        : attempt.kind === 'rateLimit' ? attempt.retryAfterMs
        : undefined;
      const wait = nextRetryDelay(this.retry, attempt.kind, tries[budget], serverWaitMs, this.random);
      // Sleeping through a long ban would look like a hang; failing says why, and the limiter
      // still keeps every other caller of this process quiet until the ban ends.
      if (wait === null || (serverWaitMs ?? 0) > this.maxBlockWaitMs) {
        throw this.failure(attempt, url, retriesDone);
      }
      this.counters.retries[budget]++;
      this.onEvent?.({ type: 'retry', kind: budget, fault: attempt.kind, attempt: tries[budget], delayMs: wait, url, detail: attempt.detail });
      // The limiter holds the next acquire until a 429/418 block ends, whatever this sleep is.
      await this.sleep(wait);
    }
  }

  /** One request: its parsed value, or the fault to retry. Throws the faults never retried. */
  /** A weightless request still sends nothing while a 429 or 418 block is in force. */
  private async untilUnblocked(): Promise<void> {
    for (;;) {
      const waitMs = this.limiter.stats().blockedUntil - this.limiter.now();
      if (waitMs <= 0) return;
      await delay(Math.ceil(waitMs));
    }
  }

  private async send<T>(url: string, parse: (body: unknown, url: string) => T, symbol: string | undefined): Promise<Attempt<T>> {
    let res: AxiosResponse<unknown>;
    try {
      res = await this.http.get(url);
    } catch (err) {
      this.counters.transportFaults++;
      return transportFault(err, this.requestTimeoutMs);
    }
    this.limiter.observe(header(res, USED_WEIGHT_HEADER));
    const text = typeof res.data === 'string' ? res.data : '';
    const kind = faultKindOfStatus(res.status);

    if (kind === null) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (err) {
        this.counters.transportFaults++;
        const why = err instanceof Error ? err.message : String(err);
        return { kind: 'transport', broken: true, detail: `the body is not complete JSON (${why}; ${text.length} bytes: ${snippet(text)})` };
      }
      return { value: parse(body, url) };
    }

    const { code, msg } = binanceError(text);
    const now = this.limiter.now();
    switch (kind) {
      case 'rateLimit': {
        this.counters.rateLimited429++;
        const retryAfterMs = parseRetryAfterMs(header(res, 'retry-after'), now, MAX_BAN_MS);
        const until = retryAfterMs === undefined ? this.limiter.nextWindowStart() : now + retryAfterMs;
        this.limiter.blockUntil(until);
        this.onEvent?.({ type: 'rateLimited', url, retryAfterMs, until });
        // Without Retry-After everyone pauses to the next window, and this request then waits
        // the policy's delay on top, since it is the one that was refused.
        return { kind, retryAfterMs, msg, detail: `HTTP 429 ${msg}`.trim() };
      }
      case 'ban': {
        this.counters.banned418++;
        const retryAfterMs = parseRetryAfterMs(header(res, 'retry-after'), now, MAX_BAN_MS);
        const until =
          parseBanUntil(msg) ??
          (retryAfterMs === undefined ? now + this.retry.rateLimit.delayMs + this.retry.rateLimit.jitterMs : now + retryAfterMs);
        // Block before anything else: no request of this process may leave during the ban.
        this.limiter.blockUntil(until);
        this.onEvent?.({ type: 'banned', url, until, msg });
        return { kind, until, msg, detail: `HTTP 418 banned until ${new Date(until).toISOString()}` };
      }
      case 'server':
        this.counters.serverErrors++;
        return { kind, status: res.status, code, msg, detail: `HTTP ${res.status} ${msg}`.trim() };
      default: {
        if (code === INVALID_SYMBOL_CODE) {
          throw new InvalidSymbolError({ url, status: res.status, symbol: symbol ?? '(none)', msg });
        }
        if (res.status >= 300 && res.status < 400) {
          const location = header(res, 'location') ?? 'nowhere';
          throw new ExchangeApiError({ url, status: res.status, msg: `redirects to ${location}; set --exchange-url to the API's own address` });
        }
        throw new ExchangeApiError({ url, status: res.status, ...(code === undefined ? {} : { code }), msg, kind: 'client' });
      }
    }
  }

  private failure(fault: Fault, url: string, retries: number): Error {
    switch (fault.kind) {
      case 'transport':
        return fault.broken
          ? new BrokenResponseError({ url, detail: fault.detail, retries, cause: fault.cause })
          : new ExchangeUnreachableError({ baseUrl: this.baseUrl, url, detail: fault.detail, retries, cause: fault.cause });
      case 'server':
        return new ExchangeApiError({ url, status: fault.status, ...(fault.code === undefined ? {} : { code: fault.code }), msg: fault.msg, retries, kind: 'server' });
      case 'rateLimit':
        return new ExchangeApiError({ url, status: 429, msg: fault.msg, retries, kind: 'rateLimit' });
      case 'ban':
        return new BannedError({ url, until: fault.until, msg: fault.msg, retries });
    }
  }

  private urlFor(path: string, params: Params): string {
    const url = new URL(path.replace(/^\//, ''), this.base);
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }
}

function parseBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ExchangeUrlError(baseUrl, 'it is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ExchangeUrlError(baseUrl, `the protocol must be http or https, not ${url.protocol}`);
  }
  // A base without a trailing slash would lose its last path segment when joined with a path.
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url;
}

function transportFault(err: unknown, timeoutMs: number): Fault {
  const e = err as { code?: unknown; message?: unknown; cause?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code === 'ETIMEDOUT' || code === 'ECONNABORTED') {
    return { kind: 'transport', broken: false, cause: err, detail: `no answer, or the answer stopped, for ${timeoutMs} ms (request timeout)` };
  }
  if (code === 'ERR_BAD_RESPONSE') {
    return { kind: 'transport', broken: true, cause: err, detail: `the connection closed in the middle of the body (${messageOf(err)})` };
  }
  const message = messageOf(err);
  const detail = code !== undefined && !message.includes(code) ? `${code} ${message}` : message;
  return { kind: 'transport', broken: false, cause: err, detail: detail || 'unknown network error' };
}

/** Node reports a refused dual-stack connect as an AggregateError with an empty message. */
function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.message) return err.message;
  const inner = (err.cause ?? err) as { errors?: unknown };
  if (Array.isArray(inner.errors)) {
    return inner.errors.map((x: unknown) => (x instanceof Error ? x.message : String(x))).join('; ');
  }
  return err.cause instanceof Error ? err.cause.message : '';
}

function binanceError(text: string): { code: number | undefined; msg: string } {
  try {
    const body: unknown = JSON.parse(text);
    if (isRecord(body)) {
      return {
        code: typeof body.code === 'number' ? body.code : undefined,
        msg: typeof body.msg === 'string' ? body.msg : snippet(body),
      };
    }
  } catch {
    // Not JSON (a proxy's HTML page): show what came.
  }
  return { code: undefined, msg: snippet(text) };
}

function header(res: AxiosResponse<unknown>, name: string): string | undefined {
  const value: unknown = (res.headers as Record<string, unknown>)[name];
  if (Array.isArray(value)) return value.length > 0 ? String(value[0]) : undefined;
  return value === undefined || value === null ? undefined : String(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function snippet(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
