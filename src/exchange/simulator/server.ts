import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Candle } from '../candle.js';
import { isInterval, type Interval } from '../intervals.js';
import { loadReplay, type ReplaySpec } from './csv-replay.js';
import { errorJson, INTERNAL_ERROR_MSG, METHOD_NOT_ALLOWED, NOT_FOUND } from './errors.js';
import { FaultInjector, parseFaultSpec, type FaultConfig, type FaultKind, type FaultScope } from './faults.js';
import { exchangeInfoTemplate } from './market-info.js';
import { endpointWeight, ENDPOINT_NAMES, ENDPOINTS, route, type EndpointName, type MarketView } from './routes.js';
import {
  DEFAULT_FUNDING_SEGMENTS, FUTURES_DATA_PATHS, loadFundingReplay, type FundingRecord, type FundingReplaySpec, type FundingSegment,
} from './sentiment-data.js';

const FUTURES_DATA_NAMES: ReadonlySet<string> = new Set(FUTURES_DATA_PATHS.values());
import { closedCandles as closedCandlesOf, ReplaySource, SyntheticSource, type SeriesSource } from './series.js';
import { DEFAULT_LISTING_TIME, resolveSymbols } from './symbols.js';
import {
  admit, banned, bannedBody, DEFAULT_WEIGHT_POLICY, rateLimitedBody, retryAfterSeconds, usedWeight,
  validateWeightPolicy, windowStartOf, type ExternalWeight, type WeightPolicy, type WeightState, initialWeightState,
} from './weight-accounting.js';

export interface SimulatorOptions {
  /** 0 (default) picks a free port. The host is always 127.0.0.1. */
  port?: number;
  /** How many symbols (default 60, see DEFAULT_SYMBOLS) or exactly which. */
  symbols?: number | readonly string[];
  /** The simulator clock (default Date.now): decides which candles exist and which are closed. */
  now?: () => number;
  /**
   * The clock of the weight windows and bans; defaults to the simulator clock. A test that
   * freezes candle time but still lets windows roll passes Date.now here.
   */
  weightClock?: () => number;
  windowMs?: number;
  weightLimit?: number;
  banAfter429s?: number;
  /** Requests arriving this soon after a window's first 429 were in flight; not counted to a ban. */
  banGraceMs?: number;
  /** Default: twice windowMs. */
  banMs?: number;
  /** Weight another client on the same IP uses per window. */
  externalWeight?: ExternalWeight;
  /** Fault settings, or a CLI fault spec such as `5xx=0.1,seed=7`. */
  faults?: Partial<FaultConfig> | string;
  replay?: readonly ReplaySpec[];
  /** No candle opens before its symbol's listing (default 2019-09-08T00:00:00Z). */
  listingTime?: number | Readonly<Record<string, number>>;
  /** Funding schedules per symbol (default: every 8 h); e.g. one that moved from 8 h to 4 h. */
  fundingSchedule?: Readonly<Record<string, readonly FundingSegment[]>>;
  /** Serve these symbols' funding from CSV files of real settlements. */
  fundingReplay?: readonly FundingReplaySpec[];
}

export type StatsEndpoint = EndpointName | 'other';

export interface SimulatorStats {
  requests: Record<StatsEndpoint, number>;
  totalRequests: number;
  /** Weight charged since start (or the last resetStats). */
  weightUsed: number;
  /** Weight used on the IP in the current window, the external weight included. */
  windowWeight: number;
  /** Successful 200 answers (truncated and malformed bodies are counted apart). */
  ok: number;
  /** 4xx answers other than 429 and 418: bad parameters, unknown paths. */
  clientErrors: number;
  rateLimited: number;
  banned: number;
  serverErrors: number;
  resets: number;
  stalls: number;
  truncated: number;
  malformed: number;
}

export interface SimulatorHandle {
  readonly url: string;
  readonly port: number;
  readonly symbols: readonly string[];
  /** A snapshot of the counters. */
  readonly stats: SimulatorStats;
  /** Stops listening and destroys every connection, stalled ones included. */
  close(): Promise<void>;
  /** Merges into the current faults (holes replace the hole list when given). */
  setFaults(partial: Partial<FaultConfig>): void;
  /** The next `n` eligible requests (klines, or all with scope 'all') fail with `kind`. */
  failNext(kind: FaultKind, n?: number, scope?: FaultScope): void;
  /** Forgets the faults queued by failNext that no request has met yet. */
  clearQueued(): void;
  setClock(now: () => number): void;
  setExternalWeight(weight: ExternalWeight): void;
  /** The simulator clock now. */
  now(): number;
  listingTime(symbol: string): number | undefined;
  /** Exactly the candles klines serves as closed for [from, toExclusive) at the current clock. */
  closedCandles(symbol: string, interval: Interval, fromOpenTime: number, toOpenTimeExclusive: number): Candle[];
  resetStats(): void;
}

const MALFORMED_BODY =
  '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>';

function emptyStats(): SimulatorStats {
  return {
    requests: Object.fromEntries([...ENDPOINT_NAMES, 'other'].map((n) => [n, 0])) as Record<StatsEndpoint, number>,
    totalRequests: 0, weightUsed: 0, windowWeight: 0, ok: 0, clientErrors: 0, rateLimited: 0, banned: 0,
    serverErrors: 0, resets: 0, stalls: 0, truncated: 0, malformed: 0,
  };
}

function resolveListingTimes(symbols: readonly string[], option: SimulatorOptions['listingTime']): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of symbols) {
    const t = typeof option === 'number' ? option : option?.[s] ?? DEFAULT_LISTING_TIME;
    if (!Number.isSafeInteger(t) || t < 0) throw new RangeError(`listing time of ${s} must be epoch ms, got ${t}`);
    out.set(s, t);
  }
  return out;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const windowMs = options.windowMs ?? DEFAULT_WEIGHT_POLICY.windowMs;
  const policy: WeightPolicy = validateWeightPolicy({
    windowMs,
    limit: options.weightLimit ?? DEFAULT_WEIGHT_POLICY.limit,
    banAfter429s: options.banAfter429s ?? DEFAULT_WEIGHT_POLICY.banAfter429s,
    banGraceMs: options.banGraceMs ?? DEFAULT_WEIGHT_POLICY.banGraceMs,
    banMs: options.banMs ?? 2 * windowMs,
  });
  const faults = new FaultInjector(typeof options.faults === 'string' ? parseFaultSpec(options.faults) : options.faults);

  const replays = await Promise.all((options.replay ?? []).map(loadReplay));
  const fundingReplays = new Map<string, FundingRecord[]>(await Promise.all(
    (options.fundingReplay ?? []).map(async (spec) => [spec.symbol, await loadFundingReplay(spec)] as [string, FundingRecord[]])));
  const symbols = resolveSymbols(options.symbols);
  for (const r of replays) if (!symbols.includes(r.symbol)) symbols.push(r.symbol);
  const listing = resolveListingTimes(symbols, options.listingTime);

  const series = new Map<string, SeriesSource>();
  for (const r of replays) series.set(`${r.symbol} ${r.interval}`, new ReplaySource(r));
  const seriesOf = (symbol: string, interval: Interval): SeriesSource => {
    const key = `${symbol} ${interval}`;
    let src = series.get(key);
    if (!src) {
      src = new SyntheticSource(symbol, interval, listing.get(symbol)!);
      series.set(key, src);
    }
    return src;
  };

  const exchangeInfo = exchangeInfoTemplate(
    symbols.map((symbol) => ({ symbol, listingTime: listing.get(symbol)! })), policy.windowMs, policy.limit);

  let clock = options.now ?? Date.now;
  const weightClock = (): number => (options.weightClock ?? clock)();
  let external: ExternalWeight = options.externalWeight ?? 0;
  let weightState: WeightState = initialWeightState();
  let stats = emptyStats();
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();

  const view = (now: number): MarketView => ({
    now,
    listingTime: (symbol) => listing.get(symbol),
    series: seriesOf,
    holes: (symbol, interval) => faults.holesFor(symbol, interval),
    exchangeInfo,
    symbols,
    fundingSegments: (symbol) => options.fundingSchedule?.[symbol] ?? DEFAULT_FUNDING_SEGMENTS,
    fundingReplay: (symbol) => fundingReplays.get(symbol),
  });

  const send = (res: ServerResponse, status: number, body: string, headers?: Record<string, string | number>): void => {
    if (res.destroyed) return;
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  };

  // Latency delays every answer, faults included, as a slow network would.
  const later = (fn: () => void): void => {
    const ms = faults.config.latencyMs;
    if (ms <= 0) {
      fn();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const countStatus = (status: number): void => {
    if (status === 200) stats.ok++;
    else if (status === 429) stats.rateLimited++;
    else if (status === 418) stats.banned++;
    else if (status >= 500) stats.serverErrors++;
    else stats.clientErrors++;
  };

  const sendBanned = (res: ServerResponse, bannedUntil: number, retryAfterSec: number): void => {
    stats.banned++;
    later(() => send(res, 418, errorJson(bannedBody(bannedUntil)), { 'Retry-After': retryAfterSec }));
  };

  const sendRateLimited = (res: ServerResponse, used: number, retryAfterSec: number): void => {
    stats.rateLimited++;
    later(() => send(res, 429, errorJson(rateLimitedBody(policy.limit)), {
      'Retry-After': retryAfterSec, 'X-MBX-USED-WEIGHT-1M': used,
    }));
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const name = ENDPOINTS.get(path);
    stats.totalRequests++;
    stats.requests[name ?? 'other']++;
    const wNow = weightClock();

    if (name === undefined || req.method !== 'GET') {
      // Unknown paths cost no weight, but a ban still refuses everything.
      if (wNow < weightState.bannedUntil) {
        sendBanned(res, weightState.bannedUntil, retryAfterSeconds(weightState.bannedUntil - wNow));
        return;
      }
      const e = name === undefined ? NOT_FOUND : METHOD_NOT_ALLOWED;
      stats.clientErrors++;
      later(() => send(res, e.status, errorJson(e)));
      return;
    }

    const params = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    const weight = endpointWeight(name, params);
    const decision = admit(weightState, policy, wNow, weight, external);
    weightState = decision.state;
    const a = decision.admission;
    if (a.kind === 'banned') return sendBanned(res, a.bannedUntil, a.retryAfterSec);
    if (a.kind === 'rate-limited') return sendRateLimited(res, a.used, a.retryAfterSec);
    stats.weightUsed += weight;
    const weightHeader = { 'X-MBX-USED-WEIGHT-1M': a.used };

    const fault = faults.pick(name === 'klines', FUTURES_DATA_NAMES.has(name));
    switch (fault) {
      case undefined:
        break;
      case '5xx': {
        stats.serverErrors++;
        const status = faults.pickStatus5xx();
        later(() => send(res, status, errorJson({ code: -1001, msg: INTERNAL_ERROR_MSG }), weightHeader));
        return;
      }
      case 'reset':
        stats.resets++;
        later(() => req.socket.resetAndDestroy());
        return;
      case 'stall':
        // Never answered: the socket stays open until the client gives up or close() runs.
        stats.stalls++;
        return;
      case 'truncate': {
        stats.truncated++;
        const { body } = route(name, params, view(clock()));
        // Properly framed (chunked) but cut mid-JSON, so the client sees a complete response
        // whose body does not parse, and the connection stays usable.
        later(() => {
          if (res.destroyed) return;
          res.writeHead(200, { 'Content-Type': 'application/json', ...weightHeader });
          res.end(body.slice(0, Math.max(1, Math.floor(body.length / 2))));
        });
        return;
      }
      case 'malformed':
        stats.malformed++;
        later(() => send(res, 200, MALFORMED_BODY, weightHeader));
        return;
      case '429':
        return sendRateLimited(res, a.used, retryAfterSeconds(windowStartOf(wNow, policy.windowMs) + policy.windowMs - wNow));
      case '418': {
        const b = banned(weightState, policy, wNow);
        weightState = b.state;
        if (b.admission.kind === 'banned') sendBanned(res, b.admission.bannedUntil, b.admission.retryAfterSec);
        return;
      }
    }

    const result = route(name, params, view(clock()));
    countStatus(result.status);
    later(() => send(res, result.status, result.body, weightHeader));
  };

  const server = createServer({ keepAlive: true, noDelay: true }, onRequest);
  // Benchmarks hold many idle keep-alive connections between bursts.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host: '127.0.0.1' }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('simulator did not get a TCP port');
  const port = address.port;

  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    symbols: Object.freeze([...symbols]),
    get stats(): SimulatorStats {
      return {
        ...stats,
        requests: { ...stats.requests },
        windowWeight: usedWeight(weightState, policy, weightClock(), external),
      };
    },
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
    setFaults(partial) {
      faults.update(partial);
    },
    failNext(kind, n = 1, scope) {
      faults.failNext(kind, n, scope);
    },
    clearQueued() {
      faults.clearQueued();
    },
    setClock(now) {
      clock = now;
    },
    setExternalWeight(weight) {
      external = weight;
    },
    now: () => clock(),
    listingTime: (symbol) => listing.get(symbol),
    closedCandles(symbol, interval, fromOpenTime, toOpenTimeExclusive) {
      if (!listing.has(symbol)) throw new RangeError(`the simulator does not list ${symbol}`);
      if (!isInterval(interval)) throw new RangeError(`unknown interval ${String(interval)}`);
      return closedCandlesOf(seriesOf(symbol, interval), faults.holesFor(symbol, interval), fromOpenTime, toOpenTimeExclusive, clock());
    },
    resetStats() {
      stats = emptyStats();
    },
  };
}
