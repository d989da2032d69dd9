/**
 * `npm run bench:health`: health on a store of 60 symbols x 4 intervals x 1 year (about 2.8
 * million candles), generated straight into market.db (no HTTP).
 *  1. `cfa-console health --json` as a child process, wall time (goal: under 1 s), first with
 *     no continuity checkpoints yet and then as it runs every time after;
 *  2. collectHealth in process, the same two ways;
 *  3. a full continuity scan, as `validate` does it (goal: under 3 s), and `validate --no-heal`.
 * Figures only; nothing here asserts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config/load-config.js';
import { collectHealth } from '../src/health/collect-health.js';
import { scanContinuity } from '../src/health/continuity/scan.js';
import { MarketStore } from '../src/store/market-db.js';
import { generateStore, warmContinuity } from './year-store.js';

const CLI = path.resolve('dist/src/cli.js');
const DAYS = Number(process.env.BENCH_DAYS ?? 365);

function line(label: string, value: string): void {
  console.log(`${label.padEnd(52)} ${value}`);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timed<T>(fn: () => T): { ms: number; value: T } {
  const t = performance.now();
  const value = fn();
  return { ms: performance.now() - t, value };
}

function cliHealth(args: string[]): number {
  const t = performance.now();
  try {
    execFileSync(process.execPath, [CLI, ...args, 'health', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    // Exit 1 or 2 (no backups, no logs in a bench store) is a verdict, not a failure.
  }
  return performance.now() - t;
}

function main(): void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cfa-bench-health-'));
  const dataDir = path.join(root, 'data');
  fs.mkdirSync(dataDir);
  const configFile = path.join(root, 'config.json');
  fs.writeFileSync(configFile, '{}');
  const args = ['--data-dir', dataDir, '--config', configFile];
  try {
    console.log(`node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}`);
    const now = Date.now();
    const gen = timed(() => generateStore(dataDir, now, DAYS));
    const bytes = fs.statSync(path.join(dataDir, 'market.db')).size;
    line(`store: 60 x 4 x ${DAYS} days`, `${gen.value} candles, ${(bytes / 1e6).toFixed(0)} MB, generated in ${(gen.ms / 1000).toFixed(1)} s`);
    const { config } = loadConfig({ configPath: configFile, dataDir });

    // 1. The real binary, first with no checkpoints (the scan's budget spreads the first scan).
    line('health --json (CLI), first run, no checkpoints', `${cliHealth(args).toFixed(0)} ms wall`);
    const rounds = warmContinuity(config, dataDir);
    line('  snapshots until the first scan finished', `${rounds + 1} (budget 250 000 candles each)`);
    const cli = Array.from({ length: 5 }, () => cliHealth(args));
    line('health --json (CLI), checkpoints in place', `${median(cli).toFixed(0)} ms wall median of 5 (min ${Math.min(...cli).toFixed(0)}, max ${Math.max(...cli).toFixed(0)}; goal < 1000)`);

    // 2. In process: what the console and the daemon pay per snapshot.
    const reset = MarketStore.open(dataDir);
    reset.db.exec('DELETE FROM continuity_checkpoints; DELETE FROM continuity_holes;');
    reset.close();
    const cold = timed(() => collectHealth({ config, dataDir }));
    line('collectHealth in process, first run, no checkpoints', `${cold.ms.toFixed(0)} ms (continuity ${cold.value.probes.find((p) => p.id === 'continuity')?.status})`);
    for (let i = 0; i < 20 && collectHealth({ config, dataDir, only: ['continuity'] }).probes[0]?.status === 'unknown'; i++);
    const inproc = Array.from({ length: 5 }, () => timed(() => collectHealth({ config, dataDir })));
    const probes = inproc[0]!.value.probes.map((p) => `${p.id} ${p.status}`).join(', ');
    line('collectHealth in process, all probes', `${median(inproc.map((r) => r.ms)).toFixed(0)} ms median of 5`);
    const noIntegrity = Array.from({ length: 5 }, () => timed(() => collectHealth({ config, dataDir, only: ['freshness', 'coverage', 'continuity', 'size', 'disk'] })).ms);
    line('  without integrity (quick_check)', `${median(noIntegrity).toFixed(0)} ms median of 5`);
    const quick = timed(() => collectHealth({ config, dataDir, only: ['integrity'] }));
    line('  quick_check alone', `${quick.ms.toFixed(0)} ms`);
    console.log(`  verdicts: ${probes}`);

    // 3. A full continuity scan, as validate runs it.
    const store = MarketStore.open(dataDir);
    const series = config.symbols.flatMap((symbol) => config.intervals.map((interval) => ({ symbol, interval })));
    const full = timed(() => scanContinuity(store.db, { series, full: true, now: Date.now() }));
    store.close();
    line('full continuity scan', `${full.ms.toFixed(0)} ms for ${full.value.scannedCandles} candles (goal < 3000)`);
    const validateStart = performance.now();
    try {
      execFileSync(process.execPath, [CLI, ...args, 'validate', '--no-heal', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch { /* the bench store has no problems, but a verdict is not a failure */ }
    line('validate --no-heal (CLI: integrity_check + full scan)', `${(performance.now() - validateStart).toFixed(0)} ms wall`);
  } finally {
    if (!process.env.BENCH_KEEP) fs.rmSync(root, { recursive: true, force: true });
    else console.log(`kept ${root}`);
  }
}

main();
