import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { rowToCandle, type KlineRow } from '../../../src/exchange/candle.js';
import { parseReplaySpec, ReplayError, startSimulator } from '../../../src/exchange/simulator/index.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { getJson, HOUR, simulators } from './helpers.js';

const sims = simulators();
afterEach(() => sims.closeAll());

const T0 = Date.UTC(2025, 0, 1);
const HEADER = 'openTime,open,high,low,close,volume,closeTime,quoteVolume,trades,takerBuyBase,takerBuyQuote,ignore';
const LINES = [0, 1, 2, 3, 4].map((i) => {
  const t = T0 + i * HOUR;
  return `${t},93548.80,94449.2${i},93460.20,94363.60,5744.609,${t + HOUR - 1},539615914.46460,10526${i},3278.334,308056781.54270,0`;
});

function tinyCsv(lines = LINES): string {
  const file = path.join(tempDir(), 'XYZUSDT-1h.csv');
  writeFileSync(file, `${HEADER}\n${lines.join('\n')}\n`);
  return file;
}

async function klines(sim: Awaited<ReturnType<typeof sims.start>>, query: string): Promise<KlineRow[]> {
  const r = await getJson<KlineRow[]>(sim, `/fapi/v1/klines?${query}`);
  expect(r.status).toBe(200);
  return r.body;
}

describe('CSV replay', () => {
  it('serves the file rows with their original strings, only within the file', async () => {
    const file = tinyCsv();
    const sim = await sims.start({ now: () => T0 + 10 * HOUR, symbols: 1, replay: [{ symbol: 'XYZUSDT', interval: '1h', file }] });
    const rows = await klines(sim, 'symbol=XYZUSDT&interval=1h&startTime=0&limit=100');
    expect(rows.map((r) => JSON.stringify(r.slice(0, 11)))).toEqual(LINES.map((l) => {
      const f = l.split(',');
      return JSON.stringify([Number(f[0]), f[1], f[2], f[3], f[4], f[5], Number(f[6]), f[7], Number(f[8]), f[9], f[10]]);
    }));
    expect(rows[0]![1]).toBe('93548.80');
    expect(await klines(sim, 'symbol=XYZUSDT&interval=1h&limit=2')).toEqual(rows.slice(3));
    // The replayed symbol is listed, and its other intervals stay synthetic.
    expect(sim.symbols).toContain('XYZUSDT');
    const info = await getJson<{ symbols: Array<{ symbol: string }> }>(sim, '/fapi/v1/exchangeInfo');
    expect(info.body.symbols.map((s) => s.symbol)).toEqual(['BTCUSDT', 'XYZUSDT']);
    expect((await klines(sim, 'symbol=XYZUSDT&interval=4h&limit=3'))).toHaveLength(3);
  });

  it('stops at the clock: the row open at the clock is the last one served', async () => {
    const file = tinyCsv();
    const now = T0 + 2 * HOUR + 5;
    const sim = await sims.start({
      now: () => now, symbols: 1, replay: [{ symbol: 'XYZUSDT', interval: '1h', file }],
      faults: { holes: [{ symbol: 'XYZUSDT', interval: '1h', from: T0 + HOUR, to: T0 + 2 * HOUR }] },
    });
    const rows = await klines(sim, 'symbol=XYZUSDT&interval=1h&startTime=0');
    expect(rows.map((r) => r[0])).toEqual([T0, T0 + 2 * HOUR]);
    expect(sim.closedCandles('XYZUSDT', '1h', 0, T0 + 10 * HOUR)).toEqual([rowToCandle('XYZUSDT', '1h', rows[0])]);
  });

  it('rejects a malformed file naming the line', async () => {
    const file = tinyCsv([LINES[0]!, LINES[2]!.replace('94363.60', 'abc')]);
    await expect(startSimulator({ replay: [{ symbol: 'XYZUSDT', interval: '1h', file }] })).rejects.toThrow(/XYZUSDT-1h\.csv:3: close 'abc'/);
    const offGrid = tinyCsv([LINES[0]!.replace(String(T0), String(T0 + 1))]);
    await expect(startSimulator({ replay: [{ symbol: 'XYZUSDT', interval: '1h', file: offGrid }] })).rejects.toThrow(ReplayError);
    await expect(startSimulator({ replay: [{ symbol: 'XYZUSDT', interval: '1h', file: '/nonexistent.csv' }] })).rejects.toThrow(/cannot read/);
  });

  it('parses the CLI replay spec', () => {
    expect(parseReplaySpec('BTCUSDT:4h:/data/a:b.csv')).toEqual({ symbol: 'BTCUSDT', interval: '4h', file: '/data/a:b.csv' });
    expect(() => parseReplaySpec('BTCUSDT:4x:f.csv')).toThrow(/'4x' is not a Binance interval/);
    expect(() => parseReplaySpec('BTCUSDT.csv')).toThrow(/SYMBOL:INTERVAL:FILE/);
  });

  const shared = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/BTCUSDT-4h-futures.csv');
  it.skipIf(!existsSync(shared))('replays the real BTCUSDT 4h file page by page', async () => {
    const lines = readFileSync(shared, 'utf8').trim().split('\n').slice(1);
    const lastClose = Number(lines.at(-1)!.split(',')[6]);
    const sim = await sims.start({ now: () => lastClose + 1, symbols: 1, replay: [{ symbol: 'BTCUSDT', interval: '4h', file: shared }] });
    const served: KlineRow[] = [];
    let start = 0;
    for (;;) {
      const page = await klines(sim, `symbol=BTCUSDT&interval=4h&startTime=${start}&limit=1500`);
      served.push(...page);
      if (page.length < 1500) break;
      start = page.at(-1)![0] + 1;
    }
    expect(served.map((r) => r.join(','))).toEqual(lines.map((l) => l.trim()));
    expect(sim.closedCandles('BTCUSDT', '4h', 0, lastClose + 1)).toHaveLength(lines.length);
  });
});
