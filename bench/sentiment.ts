/**
 * `npm run bench:sentiment`: the sentiment job as the real binary against the simulator (50 ms
 * per request) and the FRED and Fear & Greed stand-ins, for 60 symbols:
 *  1. the first run: 30 days of `/futures/data` and 90 days of funding (its request limits
 *     shortened to a 1 s window here, so the bench does not wait out Binance's 5 minutes);
 *  2. the daily run one day later, with the default limits: requests, weight and duration.
 */
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startFearGreedStandIn, startFredStandIn, startSimulator, syntheticFredSeries,
} from '../src/exchange/simulator/index.js';
import { DEFAULT_FRED_SERIES } from '../src/config/sections/sentiment.js';

const CLI = path.resolve('dist/src/cli.js');
const DAY = 86_400_000;
const KEY = 'bench-fred-key';

async function runSentiment(dataDir: string, config: object): Promise<{ wallMs: number; summary: Record<string, any> }> {
  const file = path.join(dataDir, 'bench-config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const started = performance.now();
  const { stdout } = await execa(process.execPath, [CLI, '--data-dir', dataDir, '--config', file, 'sentiment', '--json'], {
    env: { CFA_FRED_API_KEY: KEY }, reject: false,
  });
  const wallMs = performance.now() - started;
  const summary = stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'summary');
  return { wallMs, summary };
}

function line(label: string, value: string): void {
  console.log(`${label.padEnd(40)} ${value}`);
}

function describe(r: { wallMs: number; summary: Record<string, any> }): string {
  const s = r.summary;
  const bySource = (s.sources as { source: string; requests: number; stored: number }[]).map((x) => `${x.source} ${x.requests} req/${x.stored} rows`).join(', ');
  return `${(r.wallMs / 1000).toFixed(2)} s wall, ${s.requests} requests (${bySource}), Binance weight ${s.binance.weightUsed}, 429s ${s.binance.rateLimited429}, status ${s.status}`;
}

async function main(): Promise<void> {
  const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 50);
  let offset = 0;
  const sim = await startSimulator({ symbols: 60, faults: { latencyMs }, now: () => Date.now() + offset, weightClock: Date.now });
  const today = new Date().toISOString().slice(0, 10);
  const fng = await startFearGreedStandIn();
  const fred = await startFredStandIn({ apiKey: KEY, series: Object.fromEntries(DEFAULT_FRED_SERIES.map((id) => [id, syntheticFredSeries(id, today, 1100)])) });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfa-bench-sentiment-'));
  try {
    console.log(`simulator ${sim.url}, ${latencyMs} ms per request, 60 symbols, period 1h, FRED ${DEFAULT_FRED_SERIES.length} series, node ${process.version}, ${os.cpus().length} cores`);
    const base = { symbols: sim.symbols, exchange: { url: sim.url }, sentiment: { fearGreed: { url: fng.url }, fred: { url: fred.url } } };

    offset = -DAY;
    const first = await runSentiment(dir, { ...base, sentiment: { ...base.sentiment, binance: { quotaWindowMs: 1000 } } });
    line('first run (30 d stats, 90 d funding)', describe(first));

    offset = 0;
    const daily = await runSentiment(dir, base);
    line('daily run, one day later (defaults)', describe(daily));
    line('  Binance requests / share per 5 min', `${daily.summary.binance.requests} of ${500 + 250} (/futures/data 500, funding 250)`);
  } finally {
    await Promise.all([sim.close(), fng.close(), fred.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
