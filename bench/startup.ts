/**
 * `npm run bench:startup`: what a start of the binary costs, against `node -e 0` in the same run
 * (the floor no change here can go below), median of BENCH_RUNS (default 7) runs each:
 *  - `cfa-console --version` and `--help` (goal: under 0.15 s);
 *  - `cfa-console health --json` on a store of 60 symbols x 4 intervals x 3 days synced from the
 *    simulator (the 1-year store is `npm run bench:health`; goal there: under 1 s);
 *  - the console's first full frame in tmux (goal: under 0.5 s).
 * Figures only; nothing here asserts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { JOBS } from '../jobs/index.js';
import { startSimulator } from '../src/exchange/simulator/index.js';

const BIN = path.resolve('dist/components/main.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median wall time and peak RSS of a command run to its end. */
function timed(args: string[]): { ms: number; rssMb: number } {
  const times: number[] = [];
  let rss = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { encoding: 'utf8' });
    times.push(performance.now() - t0);
    rss = Math.max(rss, Number(r.stderr.trim().split('\n').at(-1)) / 1024 || 0);
  }
  return { ms: median(times), rssMb: rss };
}

function line(label: string, figure: { ms: number; rssMb?: number }, floor?: number): void {
  const over = floor === undefined ? '' : `  (${(figure.ms - floor).toFixed(0)} ms over node -e 0)`;
  console.log(`${label.padEnd(40)} ${(figure.ms / 1000).toFixed(3)} s${figure.rssMb ? `, ${figure.rssMb.toFixed(0)} MB peak RSS` : ''}${over}`);
}

async function firstFrame(args: string[]): Promise<number> {
  const socket = `cfa-bench-startup-${process.pid}`;
  const tmux = (...a: string[]) => execFileSync('tmux', ['-L', socket, ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const times: number[] = [];
  try {
    for (let i = 0; i < Math.min(RUNS, 5); i++) {
      const t0 = performance.now();
      tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'c', '-x', '100', '-y', '30', `${process.execPath} ${BIN} ${args.join(' ')}`);
      for (;;) {
        const screen = tmux('capture-pane', '-p', '-t', 'c');
        if (screen.includes('Freshness') && screen.includes('Jobs') && screen.includes('? help')) break;
        if (performance.now() - t0 > 20_000) throw new Error(`no first frame within 20 s:\n${screen}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      times.push(performance.now() - t0);
      tmux('kill-server');
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    try { tmux('kill-server'); } catch { /* gone */ }
  }
  return median(times);
}

async function main(): Promise<void> {
  const sim = await startSimulator({ symbols: 60 });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cfa-bench-startup-'));
  try {
    const data = path.join(root, 'data');
    const config = path.join(root, 'config.json');
    // Nothing due while measuring: a start is what is measured.
    fs.writeFileSync(config, JSON.stringify({ exchange: { weightBudget: 2400 }, sync: { backfillDays: 3 }, jobs: Object.fromEntries(
      JOBS.map((j) => [j.name, { schedule: '0 0 1 1 *', catchUpWindow: '1s' }]),
    ) }));
    const globals = ['--data-dir', data, '--config', config, '--exchange-url', sim.url];
    await execa(process.execPath, [BIN, ...globals, 'sync']);
    console.log(`node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}, median of ${RUNS} runs`);
    const floor = timed(['-e', '0']);
    line('node -e 0', floor);
    line('cfa-console --version', timed([BIN, '--version']), floor.ms);
    line('cfa-console --help', timed([BIN, '--help']), floor.ms);
    line('cfa-console health --json (60x4x3d)', timed([BIN, ...globals, 'health', '--json']), floor.ms);
    line('console first full frame (tmux 100x30)', { ms: await firstFrame(globals) }, floor.ms);
  } finally {
    await sim.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
