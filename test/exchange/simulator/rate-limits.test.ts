import { afterEach, describe, expect, it } from 'vitest';
import { get, manualClock, NOW, simulators } from './helpers.js';

const sims = simulators();
afterEach(() => sims.closeAll());

const KLINES_1000 = '/fapi/v1/klines?symbol=BTCUSDT&interval=1h&limit=1000'; // weight 5
const WINDOW_START = Math.floor(NOW / 60_000) * 60_000;

describe('request weight', () => {
  it('reports the weight used in the window on each response', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 1 });
    const used = async (path: string): Promise<string | null> => (await get(sim, path)).headers.get('x-mbx-used-weight-1m');
    expect(await used('/fapi/v1/time')).toBe('1');
    expect(await used('/fapi/v1/exchangeInfo')).toBe('2');
    expect(await used('/fapi/v1/klines?symbol=BTCUSDT&interval=1h&limit=99')).toBe('3');
    expect(await used('/fapi/v1/klines?symbol=BTCUSDT&interval=1h&limit=100')).toBe('5');
    expect(await used('/fapi/v1/klines?symbol=BTCUSDT&interval=1h')).toBe('10');
    expect(await used('/fapi/v1/klines?symbol=BTCUSDT&interval=1h&limit=1001')).toBe('20');
    // Invalid requests are charged too, as on Binance.
    expect(await used('/fapi/v1/klines?symbol=NOPEUSDT&interval=1h&limit=10')).toBe('21');
    expect(sim.stats.weightUsed).toBe(21);
    expect(sim.stats.windowWeight).toBe(21);
  });

  it('answers 429 with Retry-After to the window end once over the limit', async () => {
    const clock = manualClock(WINDOW_START + 15_500);
    const sim = await sims.start({ now: clock.now, symbols: 1, weightLimit: 20 });
    for (let i = 0; i < 4; i++) expect((await get(sim, KLINES_1000)).status).toBe(200);
    const refused = await get(sim, KLINES_1000);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('45');
    expect(JSON.parse(refused.text)).toEqual({ code: -1003, msg: 'Too many requests; current limit of IP is 20 requests per minute.' });
    clock.set(WINDOW_START + 60_000);
    const next = await get(sim, KLINES_1000);
    expect(next.status).toBe(200);
    expect(next.headers.get('x-mbx-used-weight-1m')).toBe('5');
    expect(sim.stats.rateLimited).toBe(1);
  });

  it('bans with 418 a client that ignores 429s, refuses everything until the ban ends', async () => {
    const clock = manualClock(WINDOW_START);
    const sim = await sims.start({ now: clock.now, symbols: 1, weightLimit: 5, windowMs: 60_000, banGraceMs: 0 });
    expect((await get(sim, KLINES_1000)).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await get(sim, '/fapi/v1/time')).status);
    // The first 429, five more tolerated, then the ban.
    expect(statuses).toEqual([429, 429, 429, 429, 429, 429, 418]);
    const bannedUntil = WINDOW_START + 120_000;
    clock.advance(30_000);
    const during = await get(sim, '/fapi/v1/exchangeInfo');
    expect(during.status).toBe(418);
    expect(during.headers.get('retry-after')).toBe('90');
    expect(JSON.parse(during.text)).toEqual({ code: -1003, msg: `Way too many requests; IP banned until ${bannedUntil}.` });
    expect((await get(sim, '/no/such/path')).status).toBe(418);
    clock.set(bannedUntil);
    expect((await get(sim, '/fapi/v1/time')).status).toBe(200);
    expect(sim.stats.banned).toBe(3);
  });

  it('counts the weight another client uses on the same IP', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 1, externalWeight: 2395 });
    const first = await get(sim, '/fapi/v1/klines?symbol=BTCUSDT&interval=1h&limit=100');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-mbx-used-weight-1m')).toBe('2397');
    expect((await get(sim, KLINES_1000)).status).toBe(429);
    sim.setExternalWeight(0);
    expect((await get(sim, '/fapi/v1/time')).headers.get('x-mbx-used-weight-1m')).toBe('3');
  });

  it('lets windows and bans expire in real time with a short window', async () => {
    const windowMs = 300;
    // The ban (2 windows by default) outlasts the window the budget was spent in.
    const sim = await sims.start({ symbols: 1, windowMs, weightLimit: 2, banAfter429s: 1, banGraceMs: 0 });
    // Start just after a boundary so the burst stays inside one window.
    while (Date.now() % windowMs > 30) await new Promise((r) => setTimeout(r, 5));
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await get(sim, '/fapi/v1/time')).status);
    expect(statuses).toEqual([200, 200, 429, 429, 418]);
    const ban = await get(sim, '/fapi/v1/time');
    expect(ban.status).toBe(418);
    expect(ban.headers.get('retry-after')).toBe('1');
    const until = Number(/until (\d+)/.exec(JSON.parse(ban.text).msg)![1]);
    await new Promise((r) => setTimeout(r, until - Date.now() + 10));
    expect((await get(sim, '/fapi/v1/time')).status).toBe(200);
  });
});
