import { afterEach, describe, expect, it } from 'vitest';
import { rowToCandle, type KlineRow } from '../../../src/exchange/candle.js';
import { floorToInterval, INTERVAL_MS } from '../../../src/exchange/intervals.js';
import { syntheticCandle } from '../../../src/exchange/simulator/index.js';
import { getJson, HOUR, manualClock, NOW, simulators } from './helpers.js';

const sims = simulators();
afterEach(() => sims.closeAll());

const OPEN_1H = floorToInterval(NOW, '1h');

async function klines(sim: Awaited<ReturnType<typeof sims.start>>, query: string): Promise<KlineRow[]> {
  const r = await getJson<KlineRow[]>(sim, `/fapi/v1/klines?${query}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

describe('GET /fapi/v1/klines', () => {
  it('without times returns the latest candles, the still-open one last', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 3 });
    const rows = await klines(sim, 'symbol=BTCUSDT&interval=1h&limit=5');
    expect(rows.map((r) => r[0])).toEqual([4, 3, 2, 1, 0].map((i) => OPEN_1H - i * HOUR));
    const last = rows[4]!;
    expect(last[6]).toBeGreaterThanOrEqual(NOW);
    expect(rows.slice(0, 4).every((r) => r[6] < NOW)).toBe(true);
    // The open candle is partial: not what it will be once closed.
    expect(rowToCandle('BTCUSDT', '1h', last)).not.toEqual(syntheticCandle('BTCUSDT', '1h', OPEN_1H));
    expect(rowToCandle('BTCUSDT', '1h', rows[3])).toEqual(syntheticCandle('BTCUSDT', '1h', OPEN_1H - HOUR));
  });

  it('defaults to 500 rows and accepts up to 1500', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 1 });
    expect(await klines(sim, 'symbol=BTCUSDT&interval=15m')).toHaveLength(500);
    expect(await klines(sim, 'symbol=BTCUSDT&interval=15m&limit=1500')).toHaveLength(1500);
    const over = await getJson(sim, '/fapi/v1/klines?symbol=BTCUSDT&interval=15m&limit=1501');
    expect(over.status).toBe(400);
    expect(over.body).toEqual({ code: -1130, msg: "Data sent for parameter 'limit' is not valid." });
  });

  it('with startTime pages forward from the first open time at or after it', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 1 });
    const from = OPEN_1H - 100 * HOUR;
    const rows = await klines(sim, `symbol=BTCUSDT&interval=1h&startTime=${from + 1}&limit=3`);
    expect(rows.map((r) => r[0])).toEqual([from + HOUR, from + 2 * HOUR, from + 3 * HOUR]);
    const exact = await klines(sim, `symbol=BTCUSDT&interval=1h&startTime=${from}&limit=2`);
    expect(exact.map((r) => r[0])).toEqual([from, from + HOUR]);
  });

  it('with startTime and endTime stops at endTime (by open time)', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 1 });
    const from = OPEN_1H - 10 * HOUR;
    const rows = await klines(sim, `symbol=BTCUSDT&interval=1h&startTime=${from}&endTime=${from + 3 * HOUR}&limit=100`);
    expect(rows.map((r) => r[0])).toEqual([0, 1, 2, 3].map((i) => from + i * HOUR));
    const bad = await getJson(sim, `/fapi/v1/klines?symbol=BTCUSDT&interval=1h&startTime=${from}&endTime=${from - 1}`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: -1023 });
  });

  it('with only endTime returns the latest candles opening at or before it', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 1 });
    const end = OPEN_1H - 50 * HOUR;
    const rows = await klines(sim, `symbol=BTCUSDT&interval=1h&endTime=${end + HOUR - 1}&limit=3`);
    expect(rows.map((r) => r[0])).toEqual([end - 2 * HOUR, end - HOUR, end]);
  });

  it('never goes past the candle open at the clock', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 1 });
    const rows = await klines(sim, `symbol=BTCUSDT&interval=4h&startTime=${NOW - 8 * 4 * HOUR}&endTime=${NOW + 100 * HOUR}&limit=100`);
    expect(rows.at(-1)![0]).toBe(floorToInterval(NOW, '4h'));
    expect(await klines(sim, `symbol=BTCUSDT&interval=4h&startTime=${NOW + HOUR}`)).toEqual([]);
  });

  it('starts at the listing time and serves nothing before it', async () => {
    const listing = Date.UTC(2023, 5, 1, 7, 30);
    const sim = await sims.start({ now: () => NOW, symbols: ['BTCUSDT', 'NEWUSDT'], listingTime: { NEWUSDT: listing } });
    const rows = await klines(sim, 'symbol=NEWUSDT&interval=1h&startTime=0&limit=2');
    expect(rows.map((r) => r[0])).toEqual([Date.UTC(2023, 5, 1, 8), Date.UTC(2023, 5, 1, 9)]);
    expect(await klines(sim, `symbol=NEWUSDT&interval=1d&endTime=${listing}`)).toEqual([]);
    const daily = await klines(sim, 'symbol=NEWUSDT&interval=1d&startTime=0&limit=1');
    expect(daily[0]![0]).toBe(Date.UTC(2023, 5, 2));
    const btc = await klines(sim, 'symbol=BTCUSDT&interval=1d&startTime=0&limit=1');
    expect(btc[0]![0]).toBe(Date.UTC(2019, 8, 8));
    expect(sim.listingTime('BTCUSDT')).toBe(Date.UTC(2019, 8, 8));
    sim.setClock(() => listing - 1);
    expect(await klines(sim, 'symbol=NEWUSDT&interval=1h')).toEqual([]);
  });

  it('answers Binance errors for bad parameters', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 2 });
    const cases: Array<[string, number, unknown]> = [
      ['interval=1h', 400, { code: -1102, msg: "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed." }],
      ['symbol=&interval=1h', 400, { code: -1102 }],
      ['symbol=SOLUSDT&interval=1h', 400, { code: -1121, msg: 'Invalid symbol.' }],
      ['symbol=BTCUSDT&interval=7m', 400, { code: -1120, msg: 'Invalid interval.' }],
      ['symbol=BTCUSDT', 400, { code: -1102 }],
      ['symbol=BTCUSDT&interval=1h&startTime=yesterday', 400, { code: -1100 }],
      ['symbol=BTCUSDT&interval=1h&limit=0', 400, { code: -1130 }],
    ];
    for (const [query, status, body] of cases) {
      const r = await getJson(sim, `/fapi/v1/klines?${query}`);
      expect(r.status, query).toBe(status);
      expect(r.body, query).toMatchObject(body as object);
    }
  });

  it('skips exchange-side holes, forwards and backwards', async () => {
    const from = OPEN_1H - 20 * HOUR;
    const sim = await sims.start({
      now: () => NOW, symbols: 1,
      faults: { holes: [{ symbol: 'BTCUSDT', interval: '1h', from: from + 2 * HOUR, to: from + 5 * HOUR }] },
    });
    const fwd = await klines(sim, `symbol=BTCUSDT&interval=1h&startTime=${from}&limit=4`);
    expect(fwd.map((r) => (r[0] - from) / HOUR)).toEqual([0, 1, 5, 6]);
    const back = await klines(sim, `symbol=BTCUSDT&interval=1h&endTime=${from + 5 * HOUR}&limit=4`);
    expect(back.map((r) => (r[0] - from) / HOUR)).toEqual([-2, -1, 0, 1, 5].slice(1));
    const inside = await klines(sim, `symbol=BTCUSDT&interval=1h&startTime=${from + 3 * HOUR}&limit=1`);
    expect(inside[0]![0]).toBe(from + 5 * HOUR);
    // Other intervals and symbols are untouched.
    const m15 = await klines(sim, `symbol=BTCUSDT&interval=15m&startTime=${from + 2 * HOUR}&limit=1`);
    expect(m15[0]![0]).toBe(from + 2 * HOUR);
    expect(sim.closedCandles('BTCUSDT', '1h', from, from + 6 * HOUR).map((c) => (c.openTime - from) / HOUR)).toEqual([0, 1, 5]);
  });

  it('closedCandles is exactly what klines serves minus the open candle', async () => {
    const clock = manualClock(NOW);
    const sim = await sims.start({
      now: clock.now, symbols: 2,
      faults: { holes: [{ symbol: 'ETHUSDT', interval: '15m', from: NOW - 10 * HOUR, to: NOW - 9 * HOUR }] },
    });
    const from = NOW - 30 * HOUR;
    const rows = await klines(sim, `symbol=ETHUSDT&interval=15m&startTime=${from}&limit=1500`);
    const served = rows.map((r) => rowToCandle('ETHUSDT', '15m', r));
    const closed = sim.closedCandles('ETHUSDT', '15m', from, NOW + HOUR);
    // 06:45 yesterday to 12:30 today is 120 quarter hours; the hole takes 02:45 to 03:30.
    expect(served.length).toBe(120 - 4);
    expect(closed).toEqual(served.slice(0, -1));
    expect(served.at(-1)!.closeTime).toBeGreaterThanOrEqual(NOW);

    // Once the clock passes its close, the open candle is served in its final form.
    const open = served.at(-1)!;
    clock.set(open.closeTime + 1);
    const after = await klines(sim, `symbol=ETHUSDT&interval=15m&startTime=${open.openTime}&limit=2`);
    const final = rowToCandle('ETHUSDT', '15m', after[0]);
    expect(final).not.toEqual(open);
    expect(final).toEqual(sim.closedCandles('ETHUSDT', '15m', open.openTime, open.openTime + 1)[0]);
    expect(after).toHaveLength(2);
  });

  it('serves many parallel keep-alive requests', async () => {
    const sim = await sims.start({ now: () => NOW });
    const all = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      getJson<KlineRow[]>(sim, `/fapi/v1/klines?symbol=${['BTCUSDT', 'ETHUSDT', 'SOLUSDT'][i % 3]}&interval=15m&limit=99`)));
    expect(all.every((r) => r.status === 200 && r.body.length === 99)).toBe(true);
    expect(all[0]!.headers.get('content-type')).toBe('application/json');
    expect(sim.stats.requests.klines).toBe(200);
    expect(sim.stats.ok).toBe(200);
  });
});

describe('interval lengths', () => {
  it('uses closeTime = openTime + interval - 1 on every interval', async () => {
    const sim = await sims.start({ now: () => NOW, symbols: 1 });
    for (const interval of ['1m', '15m', '1h', '4h', '1d'] as const) {
      const rows = await klines(sim, `symbol=BTCUSDT&interval=${interval}&limit=3`);
      for (const r of rows) {
        expect(r[0] % INTERVAL_MS[interval]).toBe(0);
        expect(r[6]).toBe(r[0] + INTERVAL_MS[interval] - 1);
      }
    }
  });
});
