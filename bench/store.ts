/**
 * `npm run bench:store`: the candle store on both backends, side by side.
 *  1. upsert throughput: 60 symbols x 3000 15m candles in pages of 1500 (the sync's page), one
 *     page per transaction, first as new rows, then the same pages again (every row an update);
 *  2. the daily sync increment, 60 symbols x 4 intervals against the simulator with 50 ms per
 *     request, run as the real binary (as bench/sync.ts does), into market.db and into PostgreSQL;
 *  3. `store migrate --to postgres` of a market.db of 60 x 4 over BENCH_MIGRATE_DAYS (default 90;
 *     365 is the year of about 2.8 million candles): the copy and its verification.
 *
 * PostgreSQL: CFA_BENCH_PG_URL (a server you name, e.g. on another host: then the figures include
 * the network), or else a private server started from Debian's binaries on a Unix socket with
 * fsync on and synchronous_commit off, which is what SQLite's WAL with synchronous=NORMAL gives:
 * a crash may lose the last commits but never corrupts.
 */
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Candle } from '../src/exchange/candle.js';
import { startSimulator, syntheticCandle } from '../src/exchange/simulator/index.js';
import type { CandleStore } from '../src/store/candle-store.js';
import { MarketStore } from '../src/store/market-db.js';
import { PgMarketStore } from '../src/store/postgres/market-store.js';
import { shownUrl } from '../src/store/postgres/pool.js';
import { postgresBinDir, startPrivatePostgres, withDatabase } from '../test/helpers/private-postgres.js';
import { shebangNodeFlags } from './proc-stats.js';
import { CLI, runCliSync } from './run-cli-sync.js';
import { generateStore } from './year-store.js';

const DAY = 86_400_000;
const M15 = 900_000;

function line(label: string, sqlite: string, postgres: string): void {
  console.log(`${label.padEnd(40)} ${sqlite.padEnd(30)} ${postgres}`);
}

async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return withDatabase(adminUrl, name);
}

/** 60 symbols x `perSymbol` consecutive 15m candles, as pages of 1500 of one series each. */
function pages(symbols: readonly string[], perSymbol: number): Candle[][] {
  const start = Date.UTC(2025, 0, 1);
  const out: Candle[][] = [];
  for (const symbol of symbols) {
    for (let i = 0; i < perSymbol; i += 1500) {
      out.push(Array.from({ length: Math.min(1500, perSymbol - i) }, (_, k) => syntheticCandle(symbol, '15m', start + (i + k) * M15)));
    }
  }
  return out;
}

/** Candles per second over upserting every page in turn. */
async function upsertRate(store: CandleStore, all: readonly Candle[][]): Promise<number> {
  const n = all.reduce((s, p) => s + p.length, 0);
  const t0 = performance.now();
  for (const page of all) await store.upsertCandles(page, Number.MAX_SAFE_INTEGER);
  return n / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const given = process.env.CFA_BENCH_PG_URL;
  const bin = given ? null : postgresBinDir();
  if (!given && !bin) throw new Error('bench:store needs PostgreSQL: set CFA_BENCH_PG_URL, or install the server binaries (apt-get install postgresql)');
  const server = given ? null : startPrivatePostgres(bin!, { durable: true });
  const adminUrl = given ?? server!.url;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cfa-bench-store-'));
  const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 50);
  let offset = 0;
  const sim = await startSimulator({ symbols: 60, faults: { latencyMs }, now: () => Date.now() + offset, weightClock: Date.now });
  try {
    console.log(`PostgreSQL ${given ? shownUrl(given) : `private server (${bin}), Unix socket, fsync on, synchronous_commit off`}; SQLite WAL, synchronous=NORMAL`);
    console.log(`node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    line('', 'SQLite (market.db)', 'PostgreSQL');

    // 1. Upsert throughput.
    const all = pages(sim.symbols, 3000);
    const liteDir = path.join(root, 'upsert');
    fs.mkdirSync(liteDir);
    const lite = MarketStore.open(liteDir);
    const pgStore = await PgMarketStore.open(await createDatabase(adminUrl, 'cfa_bench_upsert'), { poolSize: 2 });
    try {
      const n = all.reduce((s, p) => s + p.length, 0);
      const fresh = [await upsertRate(lite, all), await upsertRate(pgStore, all)];
      // The same pages again: every row exists, so every one is an update.
      const again = [await upsertRate(lite, all), await upsertRate(pgStore, all)];
      const rate = (r: number) => `${Math.round(r).toLocaleString('en-US')} candles/s`;
      line(`upsert ${n} new candles (1500/page)`, rate(fresh[0]!), rate(fresh[1]!));
      line(`upsert the same ${n} again`, rate(again[0]!), rate(again[1]!));
    } finally {
      lite.close();
      await pgStore.close();
    }

    // 2. Daily increment: a store complete as of yesterday, then one day passes.
    const syncPgUrl = await createDatabase(adminUrl, 'cfa_bench_sync');
    const results: { wallMs: number; summary: Record<string, any> }[] = [];
    for (const backend of ['sqlite', 'postgres'] as const) {
      const dir = path.join(root, `daily-${backend}`);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'bench-config.json'), JSON.stringify(backend === 'postgres' ? { store: { backend, url: syncPgUrl } } : {}));
      offset = -DAY;
      await runCliSync(dir, sim.url, ['--backfill-days', '3', '--weight-budget', '2400']);
      offset = 0;
      results.push(await runCliSync(dir, sim.url, []));
    }
    const daily = (r: { wallMs: number; summary: Record<string, any> }) => `${(r.wallMs / 1000).toFixed(2)} s, ${r.summary.candlesStored} candles, ${r.summary.status}`;
    line(`daily sync 60x4 (${latencyMs} ms/request)`, daily(results[0]!), daily(results[1]!));
    line('  requests', String(results[0]!.summary.requests), String(results[1]!.summary.requests));

    // 3. store migrate of a generated store.
    const days = Number(process.env.BENCH_MIGRATE_DAYS ?? 90);
    const migrateDir = path.join(root, 'migrate');
    fs.mkdirSync(migrateDir);
    const candles = generateStore(migrateDir, Date.now(), days);
    const target = await createDatabase(adminUrl, 'cfa_bench_migrate');
    const t0 = performance.now();
    const { stdout } = await execa(process.execPath, [...shebangNodeFlags(CLI), CLI, '--data-dir', migrateDir, 'store', 'migrate', '--to', 'postgres', '--yes', '--json'], {
      env: { CFA_STORE_URL: target, CFA_CONFIG: path.join(migrateDir, 'none.json') },
    });
    const wallS = (performance.now() - t0) / 1000;
    const summary = stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'summary');
    console.log(`store migrate, 60x4 over ${days} days: ${candles} candles in ${wallS.toFixed(1)} s (${Math.round(candles / wallS).toLocaleString('en-US')} candles/s copied and verified), ${summary.series} series ${summary.status}`);
  } finally {
    await sim.close();
    fs.rmSync(root, { recursive: true, force: true });
    server?.stop();
  }
}

await main();
