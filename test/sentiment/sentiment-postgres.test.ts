import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { collectHealth } from '../../src/health/collect-health.js';
import { PgMarketFactsSource } from '../../src/health/sources/pg-market-facts.js';
import { PgSentimentStore } from '../../src/sentiment/pg-sentiment-store.js';
import { runSentiment } from '../../src/sentiment/run-sentiment.js';
import type { SentimentJobStore } from '../../src/sentiment/sentiment-job-store.js';
import { SentimentStore } from '../../src/sentiment/sentiment-store.js';
import { marketV3Sentiment } from '../../src/store/migrations/market-v3-sentiment.js';
import { runCli, writeTestConfig } from '../helpers/cli.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from '../helpers/postgres.js';
import { FRED_TEST_KEY, startSentimentStandIns } from '../helpers/sentiment-stand-ins.js';
import { ANCHOR } from '../helpers/simulated-exchange.js';
import { syntheticFearGreed } from '../../src/exchange/simulator/index.js';
import { tempDir } from '../helpers/temp-dir.js';

const SENTIMENT_TABLES = marketV3Sentiment.tables!;

/** Every row of every sentiment table, in a canonical order, as plain values. */
async function pgRows(url: string): Promise<Record<string, unknown[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const out: Record<string, unknown[]> = {};
    for (const t of SENTIMENT_TABLES) {
      const { rows } = await client.query({ text: `SELECT ${t.columns.map((c) => c.name).join(', ')} FROM ${t.name}`, rowMode: 'array' });
      out[t.name] = canonical(rows.map((r: unknown[]) => r.map((v, i) => (t.columns[i]!.type === 'integer' && v !== null ? Number(v) : v))));
    }
    return out;
  } finally {
    await client.end();
  }
}

function sqliteRows(store: SentimentStore): Record<string, unknown[]> {
  return Object.fromEntries(SENTIMENT_TABLES.map((t) => [t.name,
    canonical(store.db.prepare(`SELECT ${t.columns.map((c) => c.name).join(', ')} FROM ${t.name}`).raw().all() as unknown[][])]));
}

const canonical = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();

describe.skipIf(pgMissing)(`the sentiment job with store.backend postgres${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase;
  const closers: (() => Promise<unknown> | unknown)[] = [];
  beforeAll(async () => {
    db = await freshPgDatabase();
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('stores in PostgreSQL the same rows as in market.db, a re-run and a FRED revision included, and the probe reads the same facts there', async () => {
    // Two identical sets of stand-ins on a stopped clock: one for each backend (a revision changes a stand-in).
    const sides = await Promise.all([0, 1].map(() => startSentimentStandIns({ sim: { now: () => ANCHOR } })));
    for (const s of sides) closers.push(s.close);
    const sqlite = SentimentStore.open(tempDir());
    closers.push(() => sqlite.close());
    const pgStore = await PgSentimentStore.open(db.url);
    closers.push(() => pgStore.close());

    const scenario = async (side: (typeof sides)[number], store: SentimentJobStore) => {
      const run = (now: number, sources: ('binance' | 'fng' | 'fred')[] = ['binance', 'fng', 'fred']) =>
        runSentiment({ sources, symbols: side.symbols }, { config: side.config, store, fredApiKey: FRED_TEST_KEY, now: () => now });
      const first = await run(ANCHOR);
      expect(first.failed).toEqual([]);
      expect(first.status).toBe('ok');
      const again = await run(ANCHOR);
      expect(again.status).toBe('ok');
      side.fred.revise('CPIAUCSL', '2026-03-01', '311.5', '2026-06-10');
      expect((await run(ANCHOR + 86_400_000, ['fred'])).status).toBe('ok');
      return first.stored;
    };
    const storedSqlite = await scenario(sides[0]!, sqlite);
    const storedPg = await scenario(sides[1]!, pgStore);
    expect(storedPg).toBe(storedSqlite);

    const expected = sqliteRows(sqlite);
    expect(expected.funding_rates!.length).toBeGreaterThan(20);
    expect(expected.open_interest!.length).toBeGreaterThan(500);
    expect(expected.fred_observations!.length).toBeGreaterThan(20);
    // The revision closed the old CPI version and opened a new one, on both.
    expect(expected.fred_observations!.filter((r) => String(r).includes('CPIAUCSL') && String(r).includes('2026-03-01'))).toHaveLength(2);
    expect(await pgRows(db.url)).toEqual(expected);
    expect(await pgStore.rowCounts()).toEqual(sqlite.rowCounts());
    // The agent's view answers the same over PostgreSQL.
    const day = Math.floor(ANCHOR / 86_400_000) * 86_400_000 - 86_400_000;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // bigint comes back as text from a plain client.
      const view = (await client.query('SELECT fundings::int, fear_greed::int FROM sentimento_mercado WHERE symbol = $1 AND day = $2', ['BTCUSDT', day])).rows[0];
      expect(view).toEqual(sqlite.db.prepare('SELECT fundings, fear_greed FROM sentimento_mercado WHERE symbol = ? AND day = ?').get('BTCUSDT', day));
    } finally {
      await client.end();
    }

    // The health probe reads its facts from PostgreSQL and judges them as it does over market.db.
    const now = ANCHOR + 86_400_000;
    const pgConfig = configSchema.parse({ ...sides[1]!.config, store: { backend: 'postgres', url: db.url } });
    const source = new PgMarketFactsSource(pgConfig);
    closers.push(() => source.close());
    const pgMarket = await source.gather(now);
    expect(pgMarket.state).toBe('read');
    const dir = path.dirname(sqlite.db.name);
    const onSqlite = collectHealth({ config: sides[0]!.config, dataDir: dir, now, only: ['sentiment'] });
    const onPg = collectHealth({ config: pgConfig, dataDir: tempDir(), now, only: ['sentiment'], pgMarket });
    expect(onPg.probes[0]!.detail).not.toMatch(/no sentiment data yet/);
    expect(onPg.probes).toEqual(onSqlite.probes);
    expect(onPg.sentiment).toEqual(onSqlite.sentiment);
  });

  it('`cfa-console sentiment` writes PostgreSQL and no market.db; `health` judges the sentiment there, and names the server when it is down', async () => {
    const own = await freshPgDatabase();
    closers.push(() => own.drop());
    const side = await startSentimentStandIns({ sim: { now: Date.now }, fng: { days: syntheticFearGreed(Date.now(), 60) } });
    closers.push(side.close);
    const dir = tempDir();
    const dataDir = path.join(dir, 'data');
    const config = writeTestConfig(dir, {
      symbols: side.symbols, exchange: { url: side.sim.url }, store: { backend: 'postgres' },
      sentiment: { binance: { backfillDays: 2, fundingBackfillDays: 2 }, fearGreed: { url: side.fng.url, backfillDays: 10 }, fred: { url: side.fred.url, series: ['DGS10'] } },
    });
    const base = ['--data-dir', dataDir, '--config', config];
    const env = { CFA_STORE_URL: own.url, CFA_FRED_API_KEY: FRED_TEST_KEY };
    const run = await runCli([...base, 'sentiment', '--json', '--sources', 'binance,fng'], { env });
    expect(run.stderr).toBe('');
    expect(run.events.at(-1)).toMatchObject({ event: 'summary', status: 'ok', failed: [] });
    expect(run.exitCode).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'market.db'))).toBe(false);
    const store = await PgSentimentStore.open(own.url);
    try {
      const counts = await store.rowCounts();
      expect(counts.funding_rates).toBeGreaterThan(0);
      expect(counts.open_interest).toBeGreaterThan(0);
      expect(counts.fear_greed).toBe(10);
    } finally {
      await store.close();
    }

    const health = await runCli([...base, 'health', '--json'], { env });
    const sentiment = (JSON.parse(health.stdout) as { probes: { id: string; status: string; detail: string }[] }).probes.find((p) => p.id === 'sentiment')!;
    // Binance and Fear & Greed were stored a moment ago; FRED never ran: read, and judged stale or missing only there.
    expect(sentiment.detail).toMatch(/^binance ok; fng ok; fred /);

    const down = new URL(own.url);
    down.pathname = '/no_such_database';
    const refused = await runCli([...base, 'health', '--json'], { env: { ...env, CFA_STORE_URL: down.toString() } });
    const probe = (JSON.parse(refused.stdout) as { probes: { id: string; status: string; detail: string }[] }).probes.find((p) => p.id === 'sentiment')!;
    expect(probe.status).toBe('unknown');
    expect(probe.detail).toMatch(/cannot read the sentiment tables in PostgreSQL at postgresql:\/\/.*no_such_database/);
  });
});
