import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BinanceClient, type BinanceClientOptions, type ClientEvent } from '../../src/exchange/binance-client.js';
import {
  BadDataError,
  BannedError,
  BrokenResponseError,
  ExchangeApiError,
  ExchangeUnreachableError,
  ExchangeUrlError,
  InvalidSymbolError,
} from '../../src/exchange/exchange-errors.js';
import { DEFAULT_RETRY_POLICY } from '../../src/exchange/retry-policy.js';
import { WeightLimiter, type WeightLimiterOptions } from '../../src/exchange/weight-limiter.js';
import { answer, closedPort, startRecordingExchange, type RecordingExchange } from '../helpers/recording-exchange.js';

const KLINES = { symbol: 'BTCUSDT', interval: '1h', startTime: 1_700_000_000_000, limit: 24 } as const;

let exchange: RecordingExchange;
const clients: BinanceClient[] = [];

beforeEach(async () => {
  exchange = await startRecordingExchange();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await exchange.close();
});

interface Harness {
  client: BinanceClient;
  limiter: WeightLimiter;
  events: ClientEvent[];
  /** Every delay the retry loop asked to sleep, in order (the sleep itself is instant). */
  slept: number[];
}

/**
 * A client with the pipeline's real retry policy whose sleeps return at once: the policy's
 * delays are asserted from `slept`, and only the limiter's blocks (429/418) take real time.
 */
function harness(opts: Partial<BinanceClientOptions> = {}, limiterOpts: WeightLimiterOptions = {}): Harness {
  const limiter = new WeightLimiter({ budget: 1000, windowMs: 60_000, ...limiterOpts });
  const events: ClientEvent[] = [];
  const slept: number[] = [];
  const client = new BinanceClient({
    baseUrl: exchange.url,
    limiter,
    retry: DEFAULT_RETRY_POLICY,
    onEvent: (e) => events.push(e),
    sleep: async (ms) => {
      slept.push(ms);
    },
    random: () => 0,
    ...opts,
  });
  clients.push(client);
  return { client, limiter, events, slept };
}

function nextEvent(events: ClientEvent[], type: ClientEvent['type']): Promise<ClientEvent> {
  return new Promise((resolve) => {
    const push = events.push.bind(events);
    events.push = (...items: ClientEvent[]) => {
      const n = push(...items);
      const hit = items.find((e) => e.type === type);
      if (hit) resolve(hit);
      return n;
    };
  });
}

describe('BinanceClient: answers', () => {
  it('fetches klines, parses the rows and spends the weight of the limit', async () => {
    const { client, limiter } = harness();
    const candles = await client.klines({ ...KLINES, limit: 499, endTime: 1_800_000_000_000 });
    expect(candles).toHaveLength(499);
    expect(candles[0]).toMatchObject({ symbol: 'BTCUSDT', interval: '1h', openTime: 1_700_002_800_000, open: 100, trades: 42 });
    expect(exchange.requests).toHaveLength(1);
    expect(exchange.requests[0]).toMatchObject({
      method: 'GET',
      path: '/fapi/v1/klines',
      query: { symbol: 'BTCUSDT', interval: '1h', startTime: '1700000000000', endTime: '1800000000000', limit: '499' },
    });
    expect(client.stats()).toMatchObject({ requests: 1, weightUsed: 2, retries: { transport: 0, rateLimit: 0, server: 0 } });
    expect(limiter.stats().usedByUs).toBe(2);
  });

  it('reads server time and exchange info at weight 1 each', async () => {
    const { client } = harness();
    expect(await client.serverTime()).toBeGreaterThan(1_700_000_000_000);
    const info = await client.exchangeInfo();
    expect(info.symbols[0]).toEqual({ symbol: 'BTCUSDT', status: 'TRADING', contractType: 'PERPETUAL', quoteAsset: 'USDT' });
    expect(client.stats()).toMatchObject({ requests: 2, weightUsed: 2 });
  });

  it('keeps a path prefix of the base URL', async () => {
    const { client } = harness({ baseUrl: `${exchange.url}/proxy` });
    await expect(client.serverTime()).rejects.toThrow(ExchangeApiError);
    expect(exchange.requests[0]?.path).toBe('/proxy/fapi/v1/time');
  });

  it('refuses an unusable base URL up front', () => {
    expect(() => harness({ baseUrl: 'exchange.local:8080' })).toThrow(ExchangeUrlError);
    expect(() => harness({ baseUrl: 'ftp://example.com' })).toThrow(/--exchange-url/);
  });
});

describe('BinanceClient: transport faults', () => {
  it('retries a reset 3 times after 1 s, 2 s, 4 s, then names the exchange it cannot reach', async () => {
    const { client, events, slept } = harness();
    exchange.enqueue(answer.reset(), answer.reset(), answer.reset(), answer.reset());
    const err = await client.klines(KLINES).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeUnreachableError);
    expect((err as ExchangeUnreachableError).kind).toBe('transport');
    expect((err as Error).message).toContain(`cannot reach the exchange at ${exchange.url}`);
    expect((err as Error).message).toContain('(after 3 retries)');
    expect(exchange.requests).toHaveLength(4);
    expect(slept).toEqual([1000, 2000, 4000]);
    expect(events.map((e) => e.type === 'retry' && [e.kind, e.attempt, e.delayMs])).toEqual([
      ['transport', 1, 1000], ['transport', 2, 2000], ['transport', 3, 4000],
    ]);
    expect(client.stats()).toMatchObject({ requests: 4, transportFaults: 4, retries: { transport: 3, rateLimit: 0, server: 0 } });
  });

  it.each([
    ['a reset', answer.reset()],
    ['a body cut off by a closed connection', answer.cut()],
    ['truncated JSON', answer.truncated()],
    ['garbled JSON', answer.garbled()],
    ['an empty 200', answer.text('')],
  ])('treats %s as a transport fault and retries it', async (_name, fault) => {
    const { client, slept } = harness();
    exchange.enqueue(fault, fault);
    const candles = await client.klines(KLINES);
    expect(candles).toHaveLength(24);
    expect(exchange.requests).toHaveLength(3);
    expect(slept).toEqual([1000, 2000]);
    expect(client.stats().retries).toEqual({ transport: 2, rateLimit: 0, server: 0 });
  });

  it('reports a body that keeps arriving broken as a broken answer', async () => {
    const { client } = harness();
    for (let i = 0; i < 4; i++) exchange.enqueue(answer.truncated());
    const err = await client.klines(KLINES).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BrokenResponseError);
    expect((err as BrokenResponseError).kind).toBe('transport');
    expect((err as Error).message).toMatch(/not complete JSON.*after 3 retries/);
    expect(exchange.requests).toHaveLength(4);
  });

  it.each([
    ['no answer', answer.stall()],
    ['a body that stops arriving', answer.stallBody()],
  ])('times out on %s and retries', async (_name, stall) => {
    const { client, events } = harness({ requestTimeoutMs: 150 });
    exchange.enqueue(stall);
    expect(await client.klines(KLINES)).toHaveLength(24);
    expect(exchange.requests).toHaveLength(2);
    expect(client.stats().retries.transport).toBe(1);
    expect(events[0]).toMatchObject({ type: 'retry', kind: 'transport', attempt: 1, detail: expect.stringMatching(/150 ms \(request timeout\)/) });
  });

  it('gives up on an exchange that never answers with the timeout in the message', async () => {
    const { client } = harness({ requestTimeoutMs: 100 });
    exchange.script(() => answer.stall());
    const err = await client.serverTime().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeUnreachableError);
    expect((err as Error).message).toMatch(/no answer.*100 ms.*after 3 retries/);
    expect(exchange.requests).toHaveLength(4);
  });

  it('names the URL, the cause and what to check when nothing listens', async () => {
    const port = await closedPort();
    const { client, slept } = harness({ baseUrl: `http://127.0.0.1:${port}` });
    const err = await client.klines(KLINES).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeUnreachableError);
    const message = (err as Error).message;
    expect(message).toContain(`cannot reach the exchange at http://127.0.0.1:${port}`);
    expect(message).toContain('ECONNREFUSED');
    expect(message).toContain('(after 3 retries)');
    expect(message).toContain('--exchange-url / CFA_EXCHANGE_URL');
    expect(slept).toEqual([1000, 2000, 4000]);
    expect(client.stats()).toMatchObject({ requests: 4, transportFaults: 4 });
  });
});

describe('BinanceClient: errors that are not retried', () => {
  it('fails an invalid symbol (-1121) at once, naming the symbol', async () => {
    const { client, slept } = harness();
    exchange.enqueue(answer.invalidSymbol());
    const err = await client.klines({ ...KLINES, symbol: 'NOPEUSDT' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidSymbolError);
    expect(err).toMatchObject({ kind: 'client', status: 400, code: -1121, symbol: 'NOPEUSDT' });
    expect((err as Error).message).toContain('"NOPEUSDT"');
    expect(exchange.requests).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it('fails another 4xx at once with the Binance code and message', async () => {
    const { client } = harness();
    exchange.enqueue(answer.apiError(400, -1100, "Illegal characters found in parameter 'symbol'."));
    const err = await client.klines(KLINES).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeApiError);
    expect(err).not.toBeInstanceOf(InvalidSymbolError);
    expect(err).toMatchObject({ kind: 'client', status: 400, code: -1100 });
    expect((err as Error).message).toContain("HTTP 400, Binance code -1100: Illegal characters found in parameter 'symbol'.");
    expect(exchange.requests).toHaveLength(1);
  });

  it.each([
    ['rows that are not klines', answer.badRows()],
    ['an object instead of rows', answer.json({ code: 0, msg: 'ok' })],
  ])('fails %s as bad data without retrying', async (_name, bad) => {
    const { client, slept } = harness();
    exchange.enqueue(bad);
    const err = await client.klines(KLINES).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadDataError);
    expect((err as BadDataError).kind).toBe('badData');
    expect(exchange.requests).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it('fails exchange info of the wrong shape as bad data', async () => {
    const { client } = harness();
    exchange.enqueue(answer.json({ symbols: [{ symbol: 'BTCUSDT' }] }));
    await expect(client.exchangeInfo()).rejects.toThrow(BadDataError);
  });
});

describe('BinanceClient: 5xx', () => {
  it('retries a 5xx twice after 2 s, 4 s, then fails with a clear error', async () => {
    const { client, slept } = harness();
    exchange.script(() => answer.serverError(502));
    const err = await client.klines(KLINES).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeApiError);
    expect(err).toMatchObject({ kind: 'server', status: 502, retries: 2 });
    expect((err as Error).message).toMatch(/HTTP 502.*\(after 2 retries\); the exchange is having trouble/);
    expect(exchange.requests).toHaveLength(3);
    expect(slept).toEqual([2000, 4000]);
    expect(client.stats()).toMatchObject({ serverErrors: 3, retries: { server: 2 } });
  });

  it('succeeds when the exchange recovers', async () => {
    const { client } = harness();
    exchange.enqueue(answer.serverError(503));
    expect(await client.klines(KLINES)).toHaveLength(24);
    expect(exchange.requests).toHaveLength(2);
  });

  it('counts each fault kind against its own budget', async () => {
    const { client, slept } = harness();
    exchange.enqueue(answer.serverError(), answer.reset(), answer.serverError(), answer.reset(), answer.reset());
    expect(await client.klines(KLINES)).toHaveLength(24);
    expect(slept).toEqual([2000, 1000, 4000, 2000, 4000]);
    expect(client.stats().retries).toEqual({ transport: 3, rateLimit: 0, server: 2 });
  });
});

describe('BinanceClient: rate limits and bans', () => {
  it("honours a 429's Retry-After for every concurrent caller", async () => {
    const { client, limiter, events, slept } = harness();
    exchange.enqueue(answer.tooManyRequests('0.3'));
    const limited = nextEvent(events, 'rateLimited');
    const first = client.klines(KLINES);
    await limited;
    const others = [client.klines(KLINES), client.serverTime(), client.klines({ ...KLINES, symbol: 'ETHUSDT' })];
    await Promise.all([first, ...others]);

    const [refused, ...after] = exchange.requests;
    expect(refused?.answer).toBe('json');
    expect(after).toHaveLength(4);
    // No request at all reached the exchange before the Retry-After had passed.
    for (const r of after) expect(r.at).toBeGreaterThanOrEqual(refused!.answeredAt! + 300);
    expect(slept).toEqual([300]);
    expect(client.stats()).toMatchObject({ rateLimited429: 1, retries: { rateLimit: 1 } });
    expect(limiter.stats().blockedUntil).toBeGreaterThanOrEqual(refused!.answeredAt! + 300);
  });

  it('without Retry-After pauses everyone to the next window and waits the policy delay', async () => {
    const { client, limiter, slept } = harness({}, { windowMs: 200 });
    exchange.enqueue(answer.tooManyRequests());
    expect(await client.klines(KLINES)).toHaveLength(24);
    const [refused, retried] = exchange.requests;
    expect(Math.floor(retried!.at / 200)).toBeGreaterThan(Math.floor(refused!.answeredAt! / 200));
    expect(slept).toEqual([60_000]); // random() = 0: no jitter
    expect(limiter.stats().blockedUntil % 200).toBe(0);
  });

  it('fails after two 429 retries, saying the IP is over its weight', async () => {
    const { client } = harness();
    exchange.script(() => answer.tooManyRequests(0));
    const err = await client.klines(KLINES).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeApiError);
    expect(err).toMatchObject({ kind: 'rateLimit', status: 429, retries: 2 });
    expect((err as Error).message).toMatch(/HTTP 429.*after 2 retries.*weight budget/);
    expect(exchange.requests).toHaveLength(3);
  });

  it('sends nothing at all during a 418 ban and retries when it ends', async () => {
    const { client, events } = harness();
    let until = 0;
    exchange.script((req) => {
      if (req.seq !== 0) return undefined;
      until = Date.now() + 400;
      return answer.banned(until);
    });
    const banned = nextEvent(events, 'banned');
    const first = client.klines(KLINES);
    expect(await banned).toMatchObject({ type: 'banned', until });
    const others = [client.serverTime(), client.klines({ ...KLINES, symbol: 'ETHUSDT' })];
    await Promise.all([first, ...others]);

    const after = exchange.requests.slice(1);
    expect(after).toHaveLength(3);
    for (const r of after) expect(r.at).toBeGreaterThanOrEqual(until);
    expect(client.stats()).toMatchObject({ banned418: 1, retries: { rateLimit: 1, transport: 0, server: 0 } });
    expect(events.find((e) => e.type === 'retry')).toMatchObject({ kind: 'rateLimit', fault: 'ban', attempt: 1 });
  });

  it('fails at once on a ban longer than it will wait, and still sends nothing until the ban ends', async () => {
    const { client, slept } = harness({ maxBlockWaitMs: 100 });
    const until = Date.now() + 400;
    exchange.enqueue(answer.banned(until));
    const err = await client.klines(KLINES).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BannedError);
    expect(err).toMatchObject({ kind: 'ban', until });
    expect((err as Error).message).toContain(`banned this IP until ${new Date(until).toISOString()}`);
    expect(slept).toEqual([]);

    await client.serverTime();
    expect(exchange.requests).toHaveLength(2);
    expect(exchange.requests[1]!.at).toBeGreaterThanOrEqual(until);
  });

  it('waits for the next window when X-MBX-USED-WEIGHT-1M says the IP is nearly spent', async () => {
    const windowMs = 300;
    const { client, limiter } = harness({}, { budget: 50, ipLimit: 100, ipHeadroom: 0.05, windowMs });
    exchange.script((req) => (req.path === '/fapi/v1/time' ? answer.json({ serverTime: Date.now() }, { 'X-MBX-USED-WEIGHT-1M': '94' }) : undefined));
    let observedIn: number;
    do {
      await client.serverTime();
      observedIn = limiter.stats().windowStart;
    } while (limiter.stats().ipUsed < 94); // a window boundary fell between answer and check: again
    await client.klines({ ...KLINES, limit: 100 }); // weight 2: 94 + 2 > 95
    const klinesRequest = exchange.requestsTo('/fapi/v1/klines')[0]!;
    expect(klinesRequest.at).toBeGreaterThanOrEqual(observedIn + windowMs);
  });
});
