import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FRED_OPEN_END } from '../../src/exchange/simulator/index.js';
import { runSentiment, type SentimentSummary } from '../../src/sentiment/run-sentiment.js';
import { SentimentStore } from '../../src/sentiment/sentiment-store.js';
import { DAY_MS } from '../../src/sentiment/windows.js';
import { ANCHOR } from '../helpers/simulated-exchange.js';
import { FRED_TEST_KEY, FUNDING_CHANGE, isoDay, startSentimentStandIns, type SentimentStandInOptions } from '../helpers/sentiment-stand-ins.js';
import { tempDir } from '../helpers/temp-dir.js';

const H = 3_600_000;
const KEY = FRED_TEST_KEY;
const CHANGE = FUNDING_CHANGE;

const standIns: { close(): Promise<void> }[] = [];
const stores: SentimentStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) s.close();
  await Promise.all(standIns.splice(0).map((s) => s.close()));
});

async function setup(options: SentimentStandInOptions = {}) {
  const { symbols, sim, fng, fred, config, close } = await startSentimentStandIns(options);
  standIns.push({ close });
  const dir = tempDir();
  const store = SentimentStore.open(dir);
  stores.push(store);
  const run = (now = ANCHOR, sources: ('binance' | 'fng' | 'fred')[] = ['binance', 'fng', 'fred'], key: string | undefined = KEY): Promise<SentimentSummary> =>
    runSentiment({ sources, symbols }, { config, store, fredApiKey: key, now: () => now });
  return { sim, fng, fred, config, store, run, dir };
}

describe('the sentiment job against the stand-ins', () => {
  it('stores every source, funding with its rounded and raw times and the observed interval, and a re-run changes nothing', async () => {
    const { store, run, fng } = await setup();
    const first = await run();
    expect(first.failed).toEqual([]);
    expect(first.status).toBe('ok');

    const btc = store.funding('BTCUSDT');
    expect(btc.length).toBeGreaterThan(20);
    for (const f of btc) {
      expect(f.fundingTime % H).toBe(0);
      expect(Math.abs(f.fundingTimeRaw - f.fundingTime)).toBeLessThan(60_000);
    }
    // Binance's millisecond jitter is in the raw times, not in the key.
    expect(btc.some((f) => f.fundingTimeRaw !== f.fundingTime)).toBe(true);
    const at = (t: number) => btc.find((f) => f.fundingTime === t)!;
    expect(at(CHANGE).intervalMs).toBe(8 * H);
    expect(at(CHANGE + 4 * H).intervalMs).toBe(4 * H);
    expect(at(CHANGE - 8 * H).intervalMs).toBe(8 * H);
    expect(store.fundingLatest()).toEqual([
      expect.objectContaining({ symbol: 'BTCUSDT', intervalMs: 4 * H }),
      expect.objectContaining({ symbol: 'ETHUSDT', intervalMs: 8 * H }),
    ]);

    // 30 days of hourly points in two pages of at most 500, inclusive bounds: no gap, no duplicate.
    for (const source of ['open_interest', 'taker_volume', 'global_account', 'top_account', 'top_position'] as const) {
      const ts = store.futuresDataTimes(source, 'BTCUSDT', '1h');
      expect(ts.length).toBeGreaterThan(500);
      expect(ts.at(-1)).toBe(Math.floor(ANCHOR / H) * H);
      for (let i = 1; i < ts.length; i++) expect(ts[i]! - ts[i - 1]!).toBe(H);
    }

    const counts = store.rowCounts();
    expect(counts.fear_greed).toBe(30);
    expect(counts.premium_index).toBe(2);
    const view = store.db.prepare('SELECT * FROM sentimento_mercado WHERE symbol = ? AND day = ?').get('BTCUSDT', Math.floor(ANCHOR / DAY_MS) * DAY_MS - DAY_MS) as Record<string, number | string | null>;
    expect(view.funding_mean).not.toBeNull();
    expect(view.fundings).toBe(6);
    expect(view.oi_usdt).toBeGreaterThan(0);
    expect(view.taker_ratio).toBeGreaterThan(0);
    expect(view.global_account_ratio).toBeGreaterThan(0);
    expect(view.fear_greed).toBeGreaterThanOrEqual(0);
    expect(fng.requests.every((r) => r.query.date_format === undefined)).toBe(true);

    const again = await run();
    expect(again.status).toBe('ok');
    expect(store.rowCounts()).toEqual(counts);
    // Incremental: one page per series now, not two.
    expect(again.sources.find((s) => s.source === 'binance')!.requests).toBeLessThan(first.sources.find((s) => s.source === 'binance')!.requests);
  });

  it('keeps FRED vintages: "." as NULL, a revision closes the old version and opens a new one, and as-of sees no look-ahead', async () => {
    const { store, run, fred } = await setup({ symbols: ['BTCUSDT'] });
    const june1 = Date.UTC(2026, 5, 1);
    expect((await run(june1, ['fred'])).status).toBe('ok');
    expect(fred.requests.every((r) => r.query.api_key === KEY)).toBe(true);
    expect(store.fredValueAsOf('CPIAUCSL', '2026-04-01', '2026-05-20')).toEqual({ value: null });
    // March CPI is not visible before it was published.
    expect(store.fredValueAsOf('CPIAUCSL', '2026-03-01', '2026-04-09')).toBeUndefined();
    expect(store.fredLatestAsOf('CPIAUCSL', '2026-04-09')).toBeUndefined();
    expect(store.fredLatestAsOf('CPIAUCSL', '2026-04-10')).toEqual({ obsDate: '2026-03-01', value: 310 });

    fred.revise('CPIAUCSL', '2026-03-01', '311.5', '2026-06-10');
    const june15 = Date.UTC(2026, 5, 15);
    const revised = await run(june15, ['fred']);
    expect(revised.status).toBe('ok');
    expect(store.fredVintages('CPIAUCSL').filter((v) => v.obsDate === '2026-03-01')).toEqual([
      { obsDate: '2026-03-01', realtimeStart: '2026-04-10', realtimeEnd: '2026-06-09', value: 310 },
      { obsDate: '2026-03-01', realtimeStart: '2026-06-10', realtimeEnd: FRED_OPEN_END, value: 311.5 },
    ]);
    expect(store.fredValueAsOf('CPIAUCSL', '2026-03-01', '2026-06-09')).toEqual({ value: 310 });
    expect(store.fredValueAsOf('CPIAUCSL', '2026-03-01', '2026-06-10')).toEqual({ value: 311.5 });
    expect(store.fredSeries().find((s) => s.seriesId === 'CPIAUCSL')).toMatchObject({ frequencyShort: 'M', realtimeThrough: '2026-06-15' });

    const counts = store.rowCounts();
    await run(june15, ['fred']);
    expect(store.rowCounts()).toEqual(counts);
  });

  it('Fear & Greed: a day sent twice is stored once, a missing day is named', async () => {
    const today = Math.floor(ANCHOR / DAY_MS) * DAY_MS;
    const days = [
      { time: today, value: 40 }, { time: today - DAY_MS, value: 55 }, { time: today - DAY_MS + 3600_000, value: 56 },
      { time: today - 3 * DAY_MS, value: 12 }, { time: today - 4 * DAY_MS, value: 80 },
    ];
    const { store, run, fng } = await setup({ symbols: ['BTCUSDT'], fng: { days } });
    const summary = await run(ANCHOR, ['fng']);
    const result = summary.sources[0]!;
    expect(result.status).toBe('ok');
    expect(store.fearGreed()).toEqual([
      { day: today - 4 * DAY_MS, value: 80, classification: 'Extreme Greed' },
      { day: today - 3 * DAY_MS, value: 12, classification: 'Extreme Fear' },
      { day: today - DAY_MS, value: 56, classification: 'Greed' },
      { day: today, value: 40, classification: 'Fear' },
    ]);
    expect(result.notes.join('\n')).toMatch(/1 duplicate day/);
    expect(result.notes.join('\n')).toMatch(new RegExp(`1 day missing at the source: ${isoDay(today - 2 * DAY_MS)}`));
    expect(fng.requests[0]!.query).toEqual({ limit: '30' });
  });

  it('honours a 429 and a 418 on /futures/data: waits them out, sends nothing during the ban, stores everything', async () => {
    const { sim, store, run } = await setup({ symbols: ['BTCUSDT'] });
    sim.failNext('429', 1, 'futures-data');
    const limited = await run(ANCHOR, ['binance']);
    expect(limited.status).toBe('ok');
    expect(limited.binance.rateLimited429).toBe(1);

    const before = store.rowCounts();
    store.db.prepare('DELETE FROM taker_volume').run();
    sim.failNext('418', 1, 'futures-data');
    const banned = await run(ANCHOR, ['binance']);
    expect(banned.status).toBe('ok');
    expect(banned.binance.banned418).toBe(1);
    // Only the one 418: every request during the ban would have earned another.
    expect(sim.stats.banned).toBe(1);
    expect(store.rowCounts()).toEqual(before);
  });

  it('says which /futures/data points aged out of the 30 days instead of failing forever', async () => {
    const { store, run } = await setup({ symbols: ['BTCUSDT'] });
    const old = Math.floor((ANCHOR - 40 * DAY_MS) / H) * H;
    store.upsertOpenInterest([{ symbol: 'BTCUSDT', period: '1h', ts: old, oiBase: 1, oiUsdt: 60_000 }]);
    const summary = await run(ANCHOR, ['binance']);
    expect(summary.status).toBe('ok');
    const notes = summary.sources[0]!.notes;
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/BTCUSDT open_interest 1h: \d+ points from .* cannot be recovered/);
    const ts = store.futuresDataTimes('open_interest', 'BTCUSDT', '1h');
    expect(ts.at(-1)).toBe(Math.floor(ANCHOR / H) * H);
  });

  it('one source down gives partial, names it and keeps the others; the next run fills it in', async () => {
    const { store, run, fred } = await setup({ symbols: ['BTCUSDT'] });
    fred.setDown(true);
    const down = await run();
    expect(down.status).toBe('partial');
    expect(down.failed).toEqual(['fred: DGS10', 'fred: CPIAUCSL']);
    expect(down.sources.find((s) => s.source === 'fred')!.failures[0]!.error).toMatch(/HTTP 500/);
    const counts = store.rowCounts();
    expect(counts.funding_rates).toBeGreaterThan(0);
    expect(counts.fear_greed).toBe(30);
    expect(counts.fred_observations).toBe(0);

    fred.setDown(false);
    const healed = await run();
    expect(healed.status).toBe('ok');
    expect(store.rowCounts().fred_observations).toBeGreaterThan(0);
  });

  it('without CFA_FRED_API_KEY, FRED fails saying how to set it; the others are stored', async () => {
    const { run } = await setup({ symbols: ['BTCUSDT'] });
    const summary = await run(ANCHOR, ['fng', 'fred'], '');
    expect(summary.status).toBe('partial');
    expect(summary.failed).toEqual(['fred']);
    expect(summary.sources.find((s) => s.source === 'fred')!.failures[0]!.error).toMatch(/CFA_FRED_API_KEY is not set/);
  });

  it('funding replayed from a CSV of real settlements: the raw times kept, the interval change seen', async () => {
    const file = path.join(tempDir(), 'funding.csv');
    const t = CHANGE;
    fs.writeFileSync(file, ['fundingTime,fundingIntervalHours,fundingRate', `${t - 16 * H + 15},8,0.00010000`, `${t - 8 * H},8,0.00012000`,
      `${t + 4},8,-0.00003000`, `${t + 4 * H + 1},4,0.00005000`, `${t + 8 * H},4,0.00005000`].join('\n'));
    const { store, run } = await setup({ symbols: ['BTCUSDT'], sim: { fundingReplay: [{ symbol: 'BTCUSDT', file }] } });
    expect((await run(ANCHOR, ['binance'])).status).toBe('ok');
    expect(store.funding('BTCUSDT').map((f) => [f.fundingTime - t, f.fundingTimeRaw - t, f.fundingRate, f.intervalMs])).toEqual([
      [-16 * H, -16 * H + 15, 0.0001, null], [-8 * H, -8 * H, 0.00012, 8 * H], [0, 4, -0.00003, 8 * H], [4 * H, 4 * H + 1, 0.00005, 4 * H], [8 * H, 8 * H, 0.00005, 4 * H],
    ]);
  });

  const REAL = path.resolve('../shared/data/BTCUSDT-funding.csv');
  it.skipIf(!fs.existsSync(REAL))('realism: the real BTCUSDT funding history, paged 1000 at a time, matches the file row for row', async () => {
    const rows = fs.readFileSync(REAL, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')).map(([time, hours, rate]) => ({ time: Number(time), hours: Number(hours), rate: Number(rate) }))
      .filter((r) => r.time <= ANCHOR);
    const { store, run } = await setup({ symbols: ['BTCUSDT'], sim: { fundingReplay: [{ symbol: 'BTCUSDT', file: REAL }] }, fundingBackfillDays: 3650 });
    expect((await run(ANCHOR, ['binance'])).status).toBe('ok');
    const stored = store.funding('BTCUSDT');
    expect(rows.length).toBeGreaterThan(1000);
    expect(stored.map((f) => [f.fundingTimeRaw, f.fundingRate])).toEqual(rows.map((r) => [r.time, r.rate]));
    // Every observed interval agrees with the file's own fundingIntervalHours.
    expect(stored.slice(1).every((f, i) => f.intervalMs === rows[i + 1]!.hours * H)).toBe(true);
  });
});
