/**
 * `npm run bench:sync`: the sync against the simulator with 50 ms per request, run as the real
 * binary in a child process, as cron or the engine would run it.
 *  1. the daily increment of 60 symbols x 4 intervals (goal: under 2 s);
 *  2. a backfill of 60 x 4 x 30 days with the weight budget at 2400 (goal: within 1.15x of the
 *     time the weight budget allows, with zero 429s);
 *  3. the same backfill at the same rate in short windows, where the budget sets the pace.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCliSync } from './run-cli-sync.js';
import { startSimulator } from '../src/exchange/simulator/index.js';

const DAY = 86_400_000;

function line(label: string, value: string): void {
  console.log(`${label.padEnd(44)} ${value}`);
}

async function main(): Promise<void> {
  const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 50);
  let offset = 0;
  const sim = await startSimulator({ symbols: 60, faults: { latencyMs }, now: () => Date.now() + offset, weightClock: Date.now });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cfa-bench-sync-'));
  try {
    console.log(`simulator ${sim.url}, ${latencyMs} ms per request, 60 symbols x 15m/1h/4h/1d, node ${process.version}, ${os.cpus().length} cores`);

    // 1. Daily increment: a store complete as of yesterday, then one day passes.
    const daily = path.join(root, 'daily');
    fs.mkdirSync(daily);
    fs.writeFileSync(path.join(daily, 'bench-config.json'), '{}');
    offset = -DAY;
    await runCliSync(daily, sim.url, ['--backfill-days', '3', '--weight-budget', '2400']);
    offset = 0;
    const inc = await runCliSync(daily, sim.url, []);
    line('daily increment 60x4 (default budget 480)', `${(inc.wallMs / 1000).toFixed(2)} s wall, ${inc.summary.requests} requests, weight ${inc.summary.weightUsed}, ${inc.summary.candlesStored} candles, status ${inc.summary.status}`);

    // 2. Backfill 30 days with the budget at 2400 per minute.
    const backfill = path.join(root, 'backfill');
    fs.mkdirSync(backfill);
    fs.writeFileSync(path.join(backfill, 'bench-config.json'), '{}');
    const bf = await runCliSync(backfill, sim.url, ['--backfill-days', '30', '--weight-budget', '2400']);
    const allowedMs = (bf.summary.weightUsed / 2400) * 60_000;
    line('backfill 60x4x30d (budget 2400/min)', `${(bf.wallMs / 1000).toFixed(2)} s wall, ${bf.summary.requests} requests, weight ${bf.summary.weightUsed}, ${bf.summary.candlesStored} candles, 429s ${bf.summary.rateLimited429}, status ${bf.summary.status}`);
    line('  time the budget allows (weight/2400 min)', `${(allowedMs / 1000).toFixed(2)} s`);
    line('  ratio wall / budget time', `${(bf.wallMs / allowedMs).toFixed(2)}x (goal <= 1.15x)`);

    // 3. The same backfill where the budget binds: 2400 a minute scaled to 240 per 6 s window,
    //    so the limiter, not the latency, decides the pace (a minute-long window would make
    //    this bench take minutes).
    //    Its own simulator counts the IP's weight per 6 s too, as Binance does per minute.
    const pacedSim = await startSimulator({ symbols: 60, faults: { latencyMs }, windowMs: 6000 });
    const paced = path.join(root, 'paced');
    fs.mkdirSync(paced);
    fs.writeFileSync(path.join(paced, 'bench-config.json'), JSON.stringify({ exchange: { weightWindowMs: 6000 } }));
    const pc = await runCliSync(paced, pacedSim.url, ['--backfill-days', '30', '--weight-budget', '240']);
    await pacedSim.close();
    const pacedAllowedMs = (pc.summary.weightUsed / 240) * 6000;
    line('backfill 60x4x30d (budget 240 per 6 s window)', `${(pc.wallMs / 1000).toFixed(2)} s wall, weight ${pc.summary.weightUsed}, 429s ${pc.summary.rateLimited429}, status ${pc.summary.status}`);
    line('  time the budget allows (weight/240 x 6 s)', `${(pacedAllowedMs / 1000).toFixed(2)} s`);
    line('  ratio wall / budget time', `${(pc.wallMs / pacedAllowedMs).toFixed(2)}x (goal <= 1.15x)`);
  } finally {
    await sim.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
