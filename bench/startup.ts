/**
 * `npm run bench:startup`: what a start of the binary costs, against `node -e 0` in the same run
 * (the floor no change here can go below), median of BENCH_RUNS (default 7) runs each:
 *  - `cfa-console --version` and `--help` (goal: under 0.15 s);
 *  - `cfa-console health --json` on a store of 60 symbols x 4 intervals x BENCH_DAYS (default 365
 *    days, about 2.8 million candles), generated into market.db, with the continuity checkpoints
 *    in place as every run after the first finds them (goal: under 1 s): `checked`, with no
 *    integrity verdict to reuse (the whole file read), and `reused`, a run a minute later on an
 *    unchanged store (the last verdict reused, as a monitoring script's runs find it);
 *  - the console's first full frame in tmux, `cfa-console --demo` (goal: under 0.5 s).
 * BENCH_VS=/other/checkout/dist/components/main.js measures that binary too, each figure right
 * after this one's (a before and after under the same load).
 * Figures only; nothing here asserts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { JOBS } from '../jobs/index.js';
import { loadConfig } from '../src/config/load-config.js';
import { isAlive } from '../src/engine/process-identity.js';
import type { HealthSnapshot } from '../src/health/types.js';
import { openOpsDb } from '../src/store/ops-db.js';
import { generateStore, warmContinuity } from './year-store.js';
import { shebangNodeFlags } from './proc-stats.js';

const BIN = path.resolve('dist/components/main.js');
const VS = process.env.BENCH_VS ? path.resolve(process.env.BENCH_VS) : null;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const DAYS = Number(process.env.BENCH_DAYS ?? 365);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Median wall time and peak RSS of a command run to its end. */
function timed(args: string[], beforeEach?: () => void): { ms: number; rssMb: number } {
  const times: number[] = [];
  let rss = 0;
  for (let i = 0; i < RUNS; i++) {
    beforeEach?.();
    const t0 = performance.now();
    // A built entry runs with its shebang's node flags, as the installed binary does.
    const flags = args[0] && fs.existsSync(args[0]) ? shebangNodeFlags(args[0]) : [];
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...flags, ...args], { encoding: 'utf8' });
    times.push(performance.now() - t0);
    rss = Math.max(rss, Number(r.stderr.trim().split('\n').at(-1)) / 1024 || 0);
  }
  return { ms: median(times), rssMb: rss };
}

function line(label: string, figure: { ms: number; rssMb?: number }, floor?: number): void {
  const over = floor === undefined ? '' : `  (${(figure.ms - floor).toFixed(0)} ms over node -e 0, ${(figure.ms / floor).toFixed(1)}x)`;
  console.log(`${label.padEnd(48)} ${(figure.ms / 1000).toFixed(3)} s${figure.rssMb ? `, ${figure.rssMb.toFixed(0)} MB peak RSS` : ''}${over}`);
}

/** The next `health` run checks the whole file again, as the first one on a machine does. */
function forgetIntegrityVerdict(dataDir: string): void {
  const ops = openOpsDb(dataDir);
  try {
    ops.exec('DELETE FROM integrity_verdicts');
  } finally {
    ops.close();
  }
}

async function firstFrame(bin: string, args: string[]): Promise<number> {
  const socket = `cfa-bench-startup-${process.pid}`;
  const tmux = (...a: string[]) => execFileSync('tmux', ['-L', socket, ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const times: number[] = [];
  try {
    for (let i = 0; i < Math.min(RUNS, 5); i++) {
      const t0 = performance.now();
      tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'c', '-x', '100', '-y', '30', `${[process.execPath, ...shebangNodeFlags(bin), bin, ...args].join(' ')}`);
      for (;;) {
        const screen = tmux('capture-pane', '-p', '-t', 'c');
        if (screen.includes('Freshness') && screen.includes('Jobs') && screen.includes('? help')) break;
        if (performance.now() - t0 > 20_000) throw new Error(`no first frame within 20 s:\n${screen}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      times.push(performance.now() - t0);
      const pane = { pid: Number(tmux('display-message', '-p', '-t', 'c', '#{pane_pid}').trim()), startTicks: null };
      tmux('kill-server');
      // The next start is measured on a machine the last console (its engine, the demo's jobs) has left.
      for (let waited = 0; waited < 15_000 && isAlive(pane); waited += 100) await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    try { tmux('kill-server'); } catch { /* gone */ }
  }
  return median(times);
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cfa-bench-startup-'));
  try {
    const data = path.join(root, 'data');
    const configPath = path.join(root, 'config.json');
    // Nothing due while measuring: a start is what is measured.
    fs.writeFileSync(configPath, JSON.stringify({ jobs: Object.fromEntries(JOBS.map((j) => [j.name, { schedule: '0 0 1 1 *', catchUpWindow: '1s' }])) }));
    const globals = ['--data-dir', data, '--config', configPath];
    fs.mkdirSync(data);
    const t0 = performance.now();
    const candles = generateStore(data, Date.now(), DAYS);
    const { config } = loadConfig({ configPath, dataDir: data });
    warmContinuity(config, data);
    console.log(`store: 60 x 4 x ${DAYS} days, ${candles} candles, ${(fs.statSync(path.join(data, 'market.db')).size / 1e6).toFixed(0)} MB, ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    console.log(`node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}, median of ${RUNS} runs`);
    const floor = timed(['-e', '0']);
    line('node -e 0', floor);
    if (VS) console.log(`each figure twice: this build, then (vs) ${VS}`);
    for (const [label, args] of [['--version', ['--version']], ['--help', ['--help']]] as const) {
      line(`cfa-console ${label}`, timed([BIN, ...args]), floor.ms);
      if (VS) line(`  vs`, timed([VS, ...args]), floor.ms);
    }
    // A monitoring script runs `health` every minute: the first run checks the whole file, the next
    // ones reuse that verdict while market.db is unchanged (ops.db integrity_verdicts). Both, apart:
    // the first by forgetting the verdict before each run.
    const health = [...globals, 'health', '--json'];
    const forget = () => forgetIntegrityVerdict(data);
    line(`cfa-console health --json (60x4x${DAYS}d), checked`, timed([BIN, ...health], forget), floor.ms);
    if (VS) line(`  vs`, timed([VS, ...health], forget), floor.ms);
    timed([BIN, ...health]);
    const integrity = (JSON.parse(spawnSync(process.execPath, [BIN, ...health], { encoding: 'utf8' }).stdout) as HealthSnapshot).probes.find((p) => p.id === 'integrity');
    if (integrity?.reusedFrom === undefined) console.log(`  (the verdict was NOT reused: ${integrity?.detail})`);
    line(`cfa-console health --json (60x4x${DAYS}d), reused`, timed([BIN, ...health]), floor.ms);
    if (VS) line(`  vs (no verdict to reuse before ops-v9)`, timed([VS, ...health]), floor.ms);
    line('console first full frame (--demo, tmux 100x30)', { ms: await firstFrame(BIN, ['--demo']) }, floor.ms);
    if (VS) line(`  vs`, { ms: await firstFrame(VS, ['--demo']) }, floor.ms);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

await main();
