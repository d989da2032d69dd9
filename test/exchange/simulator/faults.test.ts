import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFaultSpec, FaultSpecError, type FaultKind } from '../../../src/exchange/simulator/index.js';
import { get, manualClock, NOW, simulators } from './helpers.js';

const sims = simulators();
afterEach(() => sims.closeAll());

const KLINES = '/fapi/v1/klines?symbol=BTCUSDT&interval=1h&limit=20';

type Outcome = number | 'network-error' | 'timeout';

async function outcome(url: string, timeoutMs = 1000): Promise<Outcome> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    if (res.status === 200) JSON.parse(text);
    return res.status;
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') return 'timeout';
    if (err instanceof SyntaxError) return -200;
    return 'network-error';
  }
}

describe('parseFaultSpec', () => {
  it('parses the CLI form', () => {
    const f = parseFaultSpec('latency=50,5xx=0.1,reset=0.05,stall=0.02,truncate=0.05,malformed=0.02,seed=7');
    expect(f).toMatchObject({ latencyMs: 50, error5xx: 0.1, reset: 0.05, stall: 0.02, truncate: 0.05, malformed: 0.02, seed: 7, endpoints: 'klines', holes: [] });
    expect(parseFaultSpec('')).toMatchObject({ latencyMs: 0, error5xx: 0 });
    expect(parseFaultSpec('none').reset).toBe(0);
    expect(parseFaultSpec('endpoints=all, 5xx=1').endpoints).toBe('all');
    expect(parseFaultSpec('hole=BTCUSDT:1h:2024-01-01T00:00:00Z..2024-01-02T00:00:00Z,hole=ETHUSDT:4h:0..14400000').holes).toEqual([
      { symbol: 'BTCUSDT', interval: '1h', from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 0, 2) },
      { symbol: 'ETHUSDT', interval: '4h', from: 0, to: 14_400_000 },
    ]);
  });

  it('names the bad token and what is allowed', () => {
    const cases: Array<[string, RegExp]> = [
      ['latency=50,flood=0.1', /'flood=0.1'.*unknown key 'flood'.*allowed: latency=<ms>/],
      ['5xx=1.5', /'5xx=1.5'.*probability/],
      ['reset', /'reset'.*key=value/],
      ['seed=abc', /'seed=abc'.*integer/],
      ['latency=-3', /'latency=-3'/],
      ['hole=BTCUSDT:2x:0..1', /'2x' is not a Binance interval/],
      ['hole=BTCUSDT:1h:5..1', /FROM < TO/],
      ['5xx=0.6,reset=0.6', /add up to 1.2/],
    ];
    for (const [spec, message] of cases) {
      expect(() => parseFaultSpec(spec), spec).toThrow(FaultSpecError);
      expect(() => parseFaultSpec(spec), spec).toThrow(message);
    }
  });
});

describe('fault injection', () => {
  it('failNext makes exactly the next requests fail, each kind observably', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 1 });
    const url = sim.url + KLINES;
    const expected: Array<[FaultKind, (o: Outcome) => boolean]> = [
      ['5xx', (o) => o === 502 || o === 503],
      ['reset', (o) => o === 'network-error'],
      ['stall', (o) => o === 'timeout'],
      ['truncate', (o) => o === -200],
      ['malformed', (o) => o === -200],
      ['429', (o) => o === 429],
    ];
    for (const [kind, check] of expected) {
      sim.failNext(kind, 1);
      const o = await outcome(url, 300);
      expect(check(o), `${kind} gave ${o}`).toBe(true);
      expect(await outcome(url), `request after ${kind}`).toBe(200);
    }
    expect(sim.stats).toMatchObject({ serverErrors: 1, resets: 1, stalls: 1, truncated: 1, malformed: 1, rateLimited: 1, ok: 6 });
  });

  it('5xx answers carry the Binance internal-error body', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 1 });
    sim.failNext('5xx', 2);
    for (let i = 0; i < 2; i++) {
      const r = await get(sim, KLINES);
      expect([502, 503]).toContain(r.status);
      expect(JSON.parse(r.text)).toEqual({ code: -1001, msg: 'Internal error; unable to process your request. Please try again.' });
    }
    expect((await get(sim, KLINES)).status).toBe(200);
  });

  it('a reset destroys the connection without an answer', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 1 });
    sim.failNext('reset');
    const err = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
      const req = request(sim.url + KLINES, { agent: false }, () => reject(new Error('got a response')));
      req.on('error', resolve);
      req.end();
    });
    expect(['ECONNRESET', 'EPIPE']).toContain(err.code ?? err.message);
  });

  it('a truncated body is the first half of the real one', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 1 });
    const full = await get(sim, KLINES);
    sim.failNext('truncate');
    const cut = await get(sim, KLINES);
    expect(cut.status).toBe(200);
    expect(cut.text.length).toBeLessThan(full.text.length);
    expect(full.text.startsWith(cut.text)).toBe(true);
    expect(() => JSON.parse(cut.text)).toThrow(SyntaxError);
  });

  it('only klines are hit unless faults target all endpoints', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 1, faults: { error5xx: 1 } });
    expect((await get(sim, '/fapi/v1/time')).status).toBe(200);
    expect([502, 503]).toContain((await get(sim, KLINES)).status);
    sim.failNext('malformed', 1);
    expect((await get(sim, '/fapi/v1/time')).status).toBe(200);
    expect((await get(sim, KLINES)).text).toMatch(/^<html>/);
    sim.setFaults({ endpoints: 'all' });
    expect([502, 503]).toContain((await get(sim, '/fapi/v1/time')).status);
    sim.setFaults({ error5xx: 0 });
    expect((await get(sim, '/fapi/v1/time')).status).toBe(200);
    sim.setFaults({ endpoints: 'klines' });
    sim.failNext('5xx', 1, 'all');
    expect([502, 503]).toContain((await get(sim, '/fapi/v1/time')).status);
    expect((await get(sim, KLINES)).status).toBe(200);
  });

  it('random faults follow the seed', async () => {
    const spec = '5xx=0.3,malformed=0.2,truncate=0.2,seed=7';
    const run = async (faults: string): Promise<Outcome[]> => {
      const sim = await sims.start({ now: () => NOW, symbols: 1, faults });
      const out: Outcome[] = [];
      for (let i = 0; i < 40; i++) out.push(await outcome(sim.url + KLINES));
      return out;
    };
    const a = await run(spec);
    expect(await run(spec)).toEqual(a);
    expect(new Set(a)).toEqual(new Set([200, -200, 502, 503]));
    expect(await run(spec.replace('seed=7', 'seed=8'))).not.toEqual(a);
  });

  it('latency delays answers past a shorter client timeout', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 1, faults: { latencyMs: 300 } });
    expect(await outcome(sim.url + '/fapi/v1/time', 30)).toBe('timeout');
    sim.setFaults({ latencyMs: 0 });
    expect(await outcome(sim.url + '/fapi/v1/time')).toBe(200);
  });

  it('a forced 418 is a real ban', async () => {
    const clock = manualClock(NOW);
    const sim = await sims.start({ now: clock.now, symbols: 1, windowMs: 1000 });
    sim.failNext('418');
    const r = await get(sim, KLINES);
    expect(r.status).toBe(418);
    expect(JSON.parse(r.text).msg).toBe(`Way too many requests; IP banned until ${NOW + 2000}.`);
    expect((await get(sim, '/fapi/v1/time')).status).toBe(418);
    clock.advance(2000);
    expect((await get(sim, '/fapi/v1/time')).status).toBe(200);
  });

  it('close() does not hang on a stalled request', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 1 });
    sim.failNext('stall');
    const failed = new Promise<Error>((resolve, reject) => {
      const req = request(sim.url + KLINES, () => reject(new Error('got a response')));
      req.on('error', resolve);
      req.end();
    });
    // Wait until the server has the request, then close under it.
    while (sim.stats.stalls === 0) await new Promise((r) => setTimeout(r, 5));
    await sim.close();
    expect((await failed).message).toMatch(/socket hang up|ECONNRESET/);
  });
});
