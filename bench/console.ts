/**
 * `npm run bench:console`: the console in a real terminal (tmux), on a store of 60 symbols x 4
 * intervals synced from the simulator.
 *  - time from start to the first full frame (goal: under 500 ms)
 *  - idle CPU over BENCH_IDLE_SECONDS, default 60 (goal: under 2% of a core)
 *  - bytes written to the terminal per second while idle (goal: under 2 KB/s)
 *  - RSS sampled once a second for BENCH_RSS_SECONDS, default 600 (goal: under 150 MB, not growing)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from '../src/store/sqlite-driver.js';
import { execa } from 'execa';
import { JOBS } from '../jobs/index.js';
import { startSimulator } from '../src/exchange/simulator/index.js';
import { cpuTicks, rssBytes, shebangNodeFlags, TICKS_PER_SECOND } from './proc-stats.js';

const BIN = path.resolve('dist/components/main.js');
const CLI = path.resolve('dist/src/cli.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));



async function main(): Promise<void> {
  const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
  const rssSeconds = Number(process.env.BENCH_RSS_SECONDS ?? 600);
  const sim = await startSimulator({ symbols: 60 });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cfa-bench-console-'));
  const data = path.join(root, 'data');
  const config = path.join(root, 'config.json');
  // Nothing due while measuring: the idle console is what is measured.
  fs.writeFileSync(config, JSON.stringify({ exchange: { weightBudget: 2400 }, sync: { backfillDays: 3 }, jobs: Object.fromEntries(
    JOBS.map((j) => [j.name, { schedule: '0 0 1 1 *', catchUpWindow: '1s' }]),
  ) }));
  const socket = `cfa-bench-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  try {
    const args = ['--data-dir', data, '--config', config, '--exchange-url', sim.url];
    await execa(process.execPath, [CLI, ...args, 'sync']);
    console.log(`node ${process.version}, ${os.cpus().length} cores, ${execFileSync('tmux', ['-V'], { encoding: 'utf8' }).trim()}, terminal 120x40`);

    const bytesFile = path.join(root, 'pane-bytes');
    const started = performance.now();
    tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'c', '-x', '120', '-y', '40', `${[process.execPath, ...shebangNodeFlags(BIN), BIN, ...args].join(' ')}`);
    let firstFrameMs = -1;
    while (performance.now() - started < 10_000) {
      const screen = tmux('capture-pane', '-p', '-t', 'c');
      if (screen.includes('Freshness') && screen.includes('? help') && screen.includes('Log: engine')) {
        firstFrameMs = performance.now() - started;
        break;
      }
      await sleep(5);
    }
    console.log(`${'start to first full frame'.padEnd(44)} ${firstFrameMs.toFixed(0)} ms (goal < 500 ms)`);

    await sleep(5_000); // the first health check and samples land
    const db = new Database(path.join(data, 'ops.db'), { readonly: true });
    const pid = db.prepare("SELECT pid FROM lease WHERE name = 'leader'").pluck().get() as number;
    db.close();

    tmux('pipe-pane', '-t', 'c', '-o', `cat >> ${bytesFile}`);
    const c0 = cpuTicks(pid);
    const t0 = performance.now();
    await sleep(idleSeconds * 1000);
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = ((cpuTicks(pid) - c0) / TICKS_PER_SECOND / elapsed) * 100;
    tmux('pipe-pane', '-t', 'c');
    const bytes = fs.existsSync(bytesFile) ? fs.statSync(bytesFile).size : 0;
    console.log(`${`idle CPU over ${elapsed.toFixed(0)} s`.padEnd(44)} ${cpu.toFixed(2)}% of a core (goal < 2%)`);
    console.log(`${'bytes to the terminal while idle'.padEnd(44)} ${(bytes / elapsed).toFixed(0)} B/s (goal < 2048 B/s)`);

    const rss: number[] = [];
    for (let i = 0; i < rssSeconds; i++) {
      rss.push(rssBytes(pid));
      await sleep(1000);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length) / 2 ** 20;
    const minute = Math.min(60, Math.floor(rss.length / 2));
    // BENCH_RSS_TRACE=<file>: one line per second (seconds, RSS in MB), to see a peak's moment.
    if (process.env.BENCH_RSS_TRACE) fs.writeFileSync(process.env.BENCH_RSS_TRACE, `${rss.map((r, i) => `${i} ${(r / 2 ** 20).toFixed(1)}`).join('\n')}\n`);
    console.log(`${`RSS over ${rssSeconds} s (1 Hz clock)`.padEnd(44)} first minute ${mean(rss.slice(0, minute)).toFixed(1)} MB, last minute ${mean(rss.slice(-minute)).toFixed(1)} MB, max ${(Math.max(...rss) / 2 ** 20).toFixed(1)} MB (goal < 150 MB, not growing)`);
    tmux('send-keys', '-t', 'c', 'q');
    await sleep(2000);
  } finally {
    try { tmux('kill-server'); } catch { /* gone */ }
    await sim.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
