/**
 * `npm run bench:daemon`: what the headless engine costs when nothing is due, and how fast a
 * follower takes over when the leader is killed.
 *  1. idle CPU and RSS of `cfa-console --daemon` over BENCH_SECONDS (default 300), sampled from
 *     /proc every second, on a store of 60 x 4 series over BENCH_DAYS (default 365: about 2.8
 *     million candles, written straight into market.db, then one `sync` from the simulator so
 *     ops.db has a successful sync, and the continuity checkpoints a running install has), with
 *     no job due and no supervised daemon, and the leader's health snapshot and alert evaluation
 *     running (goal: under 1% of a core, under 120 MB). BENCH_CPU_PROF=<dir> writes the idle
 *     daemon's V8 CPU profile there;
 *  2. takeover time after kill -9 of the leader, with the default lease (15 s TTL, renewed every
 *     5 s), BENCH_TAKEOVERS times (default 3).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { JOBS } from '../jobs/index.js';
import { startSimulator } from '../src/exchange/simulator/index.js';
import { DEFAULT_INTERVALS, DEFAULT_SYMBOLS } from '../src/config/default-symbols.js';
import { configSchema, durationMs } from '../src/config/schema.js';
import { scanContinuity } from '../src/health/continuity/scan.js';
import { newestSnapshotRecord } from '../src/health/snapshot-store.js';
import { MarketStore } from '../src/store/market-db.js';
import { OPS_DB_FILE } from '../src/store/ops-db.js';
import { openSqlite } from '../src/store/sqlite.js';
import { cpuTicks, rssBytes, shebangNodeFlags, TICKS_PER_SECOND } from './proc-stats.js';
import { generateStore } from './year-store.js';

const CLI = path.resolve('dist/src/cli.js');
/** `cfa-console`, as systemd's unit runs it (README): its own node flags included. */
const BIN = path.resolve('dist/components/main.js');



function startDaemon(args: string[], nodeFlags: string[] = []): { child: ResultPromise; leaderAt: Promise<number> } {
  const child = execa(process.execPath, [...shebangNodeFlags(BIN), ...nodeFlags, BIN, ...args, '--daemon'], { buffer: false, stdin: 'ignore' });
  let text = '';
  const leaderAt = new Promise<number>((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      for (const line of text.split('\n')) {
        if (line.includes('"became leader"')) resolve(Date.parse(JSON.parse(line).time));
      }
    });
  });
  child.catch(() => {});
  return { child, leaderAt };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Until the leader has stored its first health snapshot: that first one, with its integrity check, is start-up, not idle. */
async function firstSnapshot(dataDir: string): Promise<void> {
  const db = openSqlite(path.join(dataDir, OPS_DB_FILE), { readonly: true });
  try {
    while (!newestSnapshotRecord(db)) await sleep(200);
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 300);
  const days = Number(process.env.BENCH_DAYS ?? 365);
  const sim = await startSimulator({ symbols: 60 });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cfa-bench-daemon-'));
  const config = path.join(root, 'config.json');
  // Nothing due during the measurement: a yearly schedule with no catch-up for every job.
  fs.writeFileSync(config, JSON.stringify({
    exchange: { weightBudget: 2400 },
    sync: { backfillDays: 30 },
    jobs: Object.fromEntries(JOBS.map((j) => [j.name, { schedule: '0 0 1 1 *', catchUpWindow: '1s' }])),
  }));
  const dataDir = path.join(root, 'data');
  const args = ['--data-dir', dataDir, '--config', config, '--exchange-url', sim.url];
  try {
    // The store a year of running leaves: the candles, a successful sync, the continuity checkpoints.
    fs.mkdirSync(dataDir);
    const rows = generateStore(dataDir, Date.now(), days);
    await execa(process.execPath, [CLI, ...args, 'sync']);
    const store = MarketStore.open(dataDir);
    try {
      const series = DEFAULT_SYMBOLS.flatMap((symbol) => DEFAULT_INTERVALS.map((interval) => ({ symbol, interval })));
      scanContinuity(store.db, { series, full: true, now: Date.now() });
    } finally {
      store.close();
    }
    const mb = fs.statSync(path.join(dataDir, 'market.db')).size / 2 ** 20;
    console.log(`node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log(`store: 60 x 4 x ${days} days, ${rows.toLocaleString('en')} candles, ${mb.toFixed(0)} MB; idle for ${seconds} s`);
    const prof = process.env.BENCH_CPU_PROF;
    const idle = startDaemon(args, prof ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(prof)}`] : []);
    await idle.leaderAt;
    await firstSnapshot(dataDir);
    await sleep(2000);
    const pid = idle.child.pid!;
    const t0 = performance.now();
    const c0 = cpuTicks(pid);
    let rssMax = 0;
    let rssSum = 0;
    let samples = 0;
    // BENCH_RSS_TRACE=<file>: one line per second (seconds since the start, RSS in MB), to find
    // what a peak coincides with.
    const trace: string[] = [];
    while (performance.now() - t0 < seconds * 1000) {
      await sleep(1000);
      const r = rssBytes(pid);
      rssMax = Math.max(rssMax, r);
      rssSum += r;
      samples++;
      trace.push(`${((performance.now() - t0) / 1000).toFixed(0)} ${(r / 2 ** 20).toFixed(1)}`);
    }
    if (process.env.BENCH_RSS_TRACE) fs.writeFileSync(process.env.BENCH_RSS_TRACE, `${trace.join('\n')}\n`);
    const elapsedS = (performance.now() - t0) / 1000;
    const cpuPct = ((cpuTicks(pid) - c0) / TICKS_PER_SECOND / elapsedS) * 100;
    console.log(`${'idle --daemon CPU'.padEnd(40)} ${cpuPct.toFixed(2)}% of a core over ${elapsedS.toFixed(0)} s (goal < 1%)`);
    console.log(`${'idle --daemon RSS'.padEnd(40)} mean ${(rssSum / samples / 2 ** 20).toFixed(1)} MB, max ${(rssMax / 2 ** 20).toFixed(1)} MB (goal < 120 MB)`);
    idle.child.kill('SIGTERM');
    await idle.child.catch(() => {});
    // The whole-file check an unchanged store still gets every health.integrityRecheck: a window
    // shorter than that may miss it, so its share is given on its own.
    const recheckMs = durationMs(configSchema.parse({}).health.integrityRecheck);
    const market = openSqlite(path.join(dataDir, 'market.db'), { readonly: true });
    const q0 = performance.now();
    market.pragma('quick_check');
    const quickMs = performance.now() - q0;
    market.close();
    console.log(`${'  + quick_check of an unchanged store'.padEnd(40)} ${(quickMs / 1000).toFixed(2)} s every ${recheckMs / 60_000} min: ${((quickMs / recheckMs) * 100).toFixed(2)}% of a core on average`);

    for (let i = 1; i <= Number(process.env.BENCH_TAKEOVERS ?? 3); i++) {
      const leader = startDaemon(args);
      await leader.leaderAt;
      const follower = startDaemon(args);
      await sleep(1500);
      // Kill at a random point of the renew cycle, as a crash would.
      await sleep(Math.random() * 5000);
      leader.child.kill('SIGKILL');
      const killedAt = Date.now();
      const tookAt = await follower.leaderAt;
      console.log(`${`takeover after kill -9 (#${i})`.padEnd(40)} ${((tookAt - killedAt) / 1000).toFixed(2)} s (lease TTL 15 s, renew 5 s)`);
      follower.child.kill('SIGTERM');
      await follower.child.catch(() => {});
    }
  } finally {
    await sim.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
