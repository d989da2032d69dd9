/**
 * `npm run bench:backup`: backup and recovery of a ~1 GB store, run as the real binary.
 *  1. a store of synthetic candles (the simulator's own series, 60 symbols x 15m/1h/4h/1d, up to
 *     now) written straight into SQLite in big transactions; BENCH_BACKUP_MB sets the size;
 *  2. a plain file copy of market.db (copy + fsync) as the yardstick;
 *  3. `cfa-console backup --tier hot`: snapshot, verification, hash, rename, with its phases;
 *  4. `cfa-console recover --yes` after corrupting pages of market.db, against the simulator on
 *     loopback: the RTO with and without the network resync (goal: under 60 s for 1 GB without it).
 */
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulator, syntheticCandle } from '../src/exchange/simulator/index.js';
import { DEFAULT_INTERVALS } from '../src/config/default-symbols.js';
import { INTERVAL_MS } from '../src/exchange/intervals.js';
import { MarketStore } from '../src/store/market-db.js';

const CLI = path.resolve('dist/src/cli.js');
const DAY = 86_400_000;
/** Measured on this schema with these symbols: about 105-110 bytes per candle row including the b-tree. */
const BYTES_PER_ROW = 105;
const ROWS_PER_SYMBOL_DAY = 96 + 24 + 6 + 1;

function line(label: string, value: string): void {
  console.log(`${label.padEnd(46)} ${value}`);
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const rate = (bytes: number, ms: number) => `${(bytes / 1048576 / (ms / 1000)).toFixed(0)} MB/s`;

function fillStore(dataDir: string, symbols: readonly string[], listing: (s: string) => number, now: number, targetBytes: number): number {
  const days = Math.ceil(targetBytes / BYTES_PER_ROW / symbols.length / ROWS_PER_SYMBOL_DAY);
  const store = MarketStore.open(dataDir);
  const insert = store.db.prepare(`INSERT OR REPLACE INTO candles VALUES (@symbol, @interval, @openTime, @open, @high, @low, @close, @volume, @closeTime, @quoteVolume, @trades, @takerBuyBase, @takerBuyQuote)`);
  let rows = 0;
  try {
    for (const symbol of symbols) {
      for (const interval of DEFAULT_INTERVALS) {
        const step = INTERVAL_MS[interval];
        const first = Math.ceil(Math.max(now - days * DAY, listing(symbol)) / step) * step;
        // Closed candles only: the one still open now is left to the sync.
        const end = Math.floor(now / step) * step;
        const write = store.db.transaction((from: number, to: number) => {
          for (let t = from; t < to; t += step) insert.run(syntheticCandle(symbol, interval, t));
        });
        for (let from = first; from < end; from += 200_000 * step) {
          write(from, Math.min(end, from + 200_000 * step));
          rows += Math.max(0, Math.floor((Math.min(end, from + 200_000 * step) - from) / step));
        }
      }
    }
    store.db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    store.close();
  }
  return rows;
}

async function cli(dataDir: string, url: string, args: string[]) {
  const started = performance.now();
  const result = await execa(process.execPath, [CLI, '--data-dir', dataDir, '--exchange-url', url, ...args, '--json'], {
    env: { CFA_CONFIG: path.join(dataDir, '..', 'bench-config.json') }, reject: false,
  });
  const wallMs = performance.now() - started;
  const events = String(result.stdout).trim().split('\n').flatMap((l) => { try { return [JSON.parse(l) as Record<string, any>]; } catch { return []; } });
  if (result.exitCode !== 0) console.error(`exit ${result.exitCode}: ${result.stderr}\n${result.stdout}`);
  return { wallMs, events, exitCode: result.exitCode };
}

async function main(): Promise<void> {
  const targetBytes = Number(process.env.BENCH_BACKUP_MB ?? 1024) * 1048576;
  const sim = await startSimulator({ symbols: 60 });
  const root = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'cfa-bench-backup-'));
  const dataDir = path.join(root, 'data');
  fs.mkdirSync(dataDir);
  fs.writeFileSync(path.join(root, 'bench-config.json'), JSON.stringify({ exchange: { weightBudget: 2400 } }));
  try {
    console.log(`simulator ${sim.url}, node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}, data in ${root}`);
    let t0 = performance.now();
    const rows = fillStore(dataDir, sim.symbols, (s) => sim.listingTime(s) ?? 0, sim.now(), targetBytes);
    const market = path.join(dataDir, 'market.db');
    const size = fs.statSync(market).size;
    line('store (synthetic, 60 symbols x 4 intervals)', `${mb(size)}, ${rows.toLocaleString('en')} candles, written in ${secs(performance.now() - t0)}`);

    // The yardstick: what copying the same bytes costs, with the same durability (fsync).
    t0 = performance.now();
    const copy = path.join(root, 'plain-copy.db');
    fs.copyFileSync(market, copy);
    const fd = fs.openSync(copy, 'r+');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    const copyMs = performance.now() - t0;
    fs.rmSync(copy);
    line('plain file copy + fsync', `${secs(copyMs)}, ${rate(size, copyMs)}`);

    const backup = await cli(dataDir, sim.url, ['backup', '--tier', 'hot']);
    const hot = backup.events.find((e) => e.event === 'tier' && e.tier === 'hot');
    line('cfa-console backup --tier hot (wall, process)', `${secs(backup.wallMs)}, ${rate(size, backup.wallMs)} (status ${hot?.status ?? '?'}, ${mb(hot?.sizeBytes ?? 0)})`);
    if (hot?.timings) {
      const t = hot.timings as Record<string, number>;
      line('  snapshot (one read transaction, fsync)', `${secs(t.snapshot ?? 0)}, ${rate(size, t.snapshot ?? 1)}`);
      line('  verify (integrity_check + counts)', secs(t.verify ?? 0));
      line('  sha256', `${secs(t.hash ?? 0)}, ${rate(size, t.hash ?? 1)}`);
      line('  ratio backup / plain copy', `${(backup.wallMs / copyMs).toFixed(1)}x (the copy is verified and hashed; cp is neither)`);
    }

    // Corrupt pages in the middle, as a failing disk would, then recover.
    const fdc = fs.openSync(market, 'r+');
    fs.writeSync(fdc, randomBytes(256 * 1024), 0, 256 * 1024, Math.floor(size / 2));
    fs.closeSync(fdc);
    const recover = await cli(dataDir, sim.url, ['recover', '--yes']);
    const summary = recover.events.find((e) => e.event === 'summary');
    for (const step of recover.events.filter((e) => e.event === 'step')) {
      line(`  recover: ${step.step}`, `${secs(step.ms)} ${step.status}`);
    }
    line('cfa-console recover --yes (wall, process)', `${secs(recover.wallMs)}, status ${summary?.status ?? '?'}`);
    line('  RTO (detect to validated store)', secs(summary?.rtoMs ?? NaN));
    line('  RTO without the network resync', `${secs(summary?.rtoExcludingResyncMs ?? NaN)} (goal < 60 s for 1 GB; the original design's RTO: 30 min)`);
  } finally {
    await sim.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
