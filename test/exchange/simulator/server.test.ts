import { afterEach, describe, expect, it } from 'vitest';
import { runSimulatorCli, SimulatorUsageError, type SimulatorHandle } from '../../../src/exchange/simulator/index.js';
import { get, getJson, NOW, simulators } from './helpers.js';

const sims = simulators();
afterEach(() => sims.closeAll());

const EIGHT_HOURS = 8 * 3_600_000;

describe('simulator endpoints', () => {
  it('GET /fapi/v1/time answers the simulator clock', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 1 });
    expect((await getJson(sim, '/fapi/v1/time')).body).toEqual({ serverTime: NOW });
    sim.setClock(() => NOW + 5);
    expect((await getJson(sim, '/fapi/v1/time')).body).toEqual({ serverTime: NOW + 5 });
    expect(sim.now()).toBe(NOW + 5);
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
  });

  it('GET /fapi/v1/exchangeInfo lists the symbols and the weight limit', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 62, weightLimit: 1200, listingTime: { ETHUSDT: Date.UTC(2019, 10, 27) } });
    type Info = {
      timezone: string; serverTime: number;
      rateLimits: Array<Record<string, unknown>>;
      symbols: Array<Record<string, unknown>>;
    };
    const { status, body } = await getJson<Info>(sim, '/fapi/v1/exchangeInfo');
    expect(status).toBe(200);
    expect(body.timezone).toBe('UTC');
    expect(body.serverTime).toBe(NOW);
    expect(body.rateLimits[0]).toEqual({ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 1200 });
    expect(body.symbols).toHaveLength(62);
    expect(body.symbols[0]).toMatchObject({
      symbol: 'BTCUSDT', pair: 'BTCUSDT', contractType: 'PERPETUAL', status: 'TRADING', baseAsset: 'BTC',
      quoteAsset: 'USDT', onboardDate: Date.UTC(2019, 8, 8),
    });
    expect(body.symbols[1]).toMatchObject({ symbol: 'ETHUSDT', onboardDate: Date.UTC(2019, 10, 27) });
    expect(body.symbols[58]).toMatchObject({ symbol: '1INCHUSDT', baseAsset: '1INCH' });
    expect(body.symbols.slice(60).map((s) => s.symbol)).toEqual(['SIM061USDT', 'SIM062USDT']);
  });

  it('GET /fapi/v1/fundingRate settles every 8 hours (a few ms late, as Binance does), deterministically', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 2 });
    type Rate = { symbol: string; fundingTime: number; fundingRate: string; markPrice: string };
    const latest = await getJson<Rate[]>(sim, '/fapi/v1/fundingRate?symbol=ETHUSDT&limit=3');
    const last = Math.floor(NOW / EIGHT_HOURS) * EIGHT_HOURS;
    expect(latest.body.map((r) => Math.round(r.fundingTime / 60_000) * 60_000)).toEqual([last - 2 * EIGHT_HOURS, last - EIGHT_HOURS, last]);
    for (const r of latest.body) {
      expect(r.fundingTime - Math.round(r.fundingTime / 60_000) * 60_000).toBeLessThan(20);
      expect(r.symbol).toBe('ETHUSDT');
      expect(Math.abs(Number(r.fundingRate))).toBeLessThan(0.001);
      expect(Number(r.markPrice)).toBeGreaterThan(0);
    }
    const from = await getJson<Rate[]>(sim, `/fapi/v1/fundingRate?symbol=ETHUSDT&startTime=${last - 2 * EIGHT_HOURS}&limit=2`);
    expect(from.body).toEqual(latest.body.slice(0, 2));
    expect((await getJson<Rate[]>(sim, '/fapi/v1/fundingRate?symbol=ETHUSDT&startTime=0&limit=1')).body[0]!.fundingTime - Date.UTC(2019, 8, 8)).toBeLessThan(20);
    expect((await getJson(sim, '/fapi/v1/fundingRate?symbol=NOPEUSDT')).body).toMatchObject({ code: -1121 });
  });

  it('GET /fapi/v1/openInterest answers a positive quantity at the clock', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 1 });
    const { body } = await getJson<{ symbol: string; openInterest: string; time: number }>(sim, '/fapi/v1/openInterest?symbol=BTCUSDT');
    expect(body.symbol).toBe('BTCUSDT');
    expect(body.time).toBe(NOW);
    expect(Number(body.openInterest)).toBeGreaterThan(0);
    expect((await getJson(sim, '/fapi/v1/openInterest')).body).toMatchObject({ code: -1102 });
  });

  it('answers unknown paths with a 404 JSON error', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 1 });
    const r = await get(sim, '/fapi/v2/nothing');
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(r.text)).toMatchObject({ code: expect.any(Number), msg: expect.any(String) });
    expect(sim.stats.requests.other).toBe(1);
    expect(sim.stats.clientErrors).toBe(1);
    sim.resetStats();
    expect(sim.stats.totalRequests).toBe(0);
  });

  it('keeps connections alive', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 1 });
    const r = await fetch(sim.url + '/fapi/v1/time');
    await r.text();
    expect(r.headers.get('connection')).toBe('keep-alive');
    expect(r.headers.get('content-length')).toBe(String(`{"serverTime":${NOW}}`.length));
  });
});

describe('runSimulatorCli', () => {
  it('prints one JSON listening line and stops on abort', async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    let handle: SimulatorHandle | undefined;
    const done = runSimulatorCli({
      port: '0', symbols: '3', faults: 'seed=3', windowMs: '1000', weightLimit: '100',
      signal: stop.signal, write: (l) => lines.push(l), onListening: (h) => { handle = h; },
    });
    while (lines.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(lines).toHaveLength(1);
    const event = JSON.parse(lines[0]!) as { event: string; url: string };
    expect(event.event).toBe('listening');
    expect(event.url).toBe(handle!.url);
    const time = await fetch(`${event.url}/fapi/v1/time`);
    expect(time.status).toBe(200);
    expect(time.headers.get('x-mbx-used-weight-1m')).toBe('1');
    stop.abort();
    await done;
    await expect(fetch(`${event.url}/fapi/v1/time`)).rejects.toThrow();
  });

  it('reports bad flags as usage errors', async () => {
    await expect(runSimulatorCli({ faults: 'oops=1' })).rejects.toThrow(SimulatorUsageError);
    await expect(runSimulatorCli({ faults: 'oops=1' })).rejects.toThrow(/unknown key 'oops'/);
    await expect(runSimulatorCli({ windowMs: 'soon' })).rejects.toThrow(/--window-ms/);
    await expect(runSimulatorCli({ replay: 'BTCUSDT' })).rejects.toThrow(SimulatorUsageError);
    await expect(runSimulatorCli({ symbols: 'btc usdt' })).rejects.toThrow(SimulatorUsageError);
  });
});
