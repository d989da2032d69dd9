import fs from 'node:fs';
import path from 'node:path';
import Database from '../../../src/store/sqlite-driver.js';
import { describe, expect, it, vi } from 'vitest';
import { actions, checks, waits } from '../../../src/runbook/library/index.js';
import { writeTestConfig } from '../../helpers/cli.js';
import { simulator } from '../../helpers/simulated-exchange.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { engineFixture, startDaemon } from '../../helpers/daemon.js';
import { stepContext, until, withFacts } from './helpers.js';
import { PgMarketStore } from '../../../src/store/postgres/market-store.js';
import { freshPgDatabase, pgMissing } from '../../helpers/postgres.js';

const HOUR = 3_600_000;

/** A data dir and config against a simulator whose clock is ours, so freshness is judged against now. */
async function fixture(settings: Record<string, unknown> = {}, sim: Record<string, unknown> = {}) {
  const exchange = await simulator({ symbols: 2, now: Date.now, weightClock: Date.now, ...sim });
  const dir = tempDir('cfa-rb-exchange-');
  const dataDir = path.join(dir, 'data');
  const configFile = writeTestConfig(dir, { symbols: exchange.symbols.slice(0, 2), intervals: ['1h', '4h'], sync: { backfillDays: 2 }, ...settings });
  const ctx = stepContext({ dataDir, configFile, exchangeUrl: exchange.url });
  return { sim: exchange, dataDir, configFile, ctx };
}

/** An engine leading a data dir of 2 symbols x 4h against a simulator, and a step context on it. */
async function withLeader(test: (f: { sim: Awaited<ReturnType<typeof simulator>>; ctx: ReturnType<typeof stepContext>; dir: string }) => Promise<void>) {
  const sim = await simulator({ symbols: 2, now: Date.now, weightClock: Date.now });
  const dir = tempDir('cfa-rb-leader-');
  const engine = startDaemon(engineFixture(dir, sim.url, { symbols: sim.symbols.slice(0, 2), intervals: ['4h'] }));
  try {
    await engine.waitFor((l) => l.msg === 'became leader');
    await test({ sim, ctx: stepContext({ dataDir: path.join(dir, 'data'), configFile: path.join(dir, 'config.json'), exchangeUrl: sim.url }), dir });
  } finally {
    engine.child.kill('SIGTERM');
    await engine.child.catch(() => {});
  }
}

describe('step library: the exchange (stale series, sync of those only, reachability, rate limits, a 418 ban)', () => {
  it('finds the series whose recent candles were deleted, syncs only those, and they are fresh again', async () => {
    const { sim, ctx, dataDir } = await fixture();
    const first = await actions.syncSeries({ all: true }).run(ctx);
    expect(first.ok, first.summary).toBe(true);
    expect((await checks.staleSeries().run(ctx)).ok).toBe(true);

    // The fault: the last 12 hours of one series are gone.
    const [symbol] = sim.symbols;
    const db = new Database(path.join(dataDir, 'market.db'));
    const deleted = db.prepare(`DELETE FROM candles WHERE symbol = ? AND interval = '1h' AND open_time > ?`).run(symbol, Date.now() - 12 * HOUR).changes;
    db.close();
    expect(deleted).toBeGreaterThanOrEqual(11);

    const stale = await checks.staleSeries().run(ctx);
    expect(stale.ok).toBe(false);
    expect(stale.data.stale).toEqual([expect.objectContaining({ symbol, interval: '1h', limitMs: 6 * HOUR })]);
    expect((stale.data.stale as { ageMs: number }[])[0]!.ageMs).toBeGreaterThan(10 * HOUR);
    expect(stale.output![0]).toMatch(new RegExp(`^${symbol} 1h: \\d+h`));
    const after = withFacts(ctx, 'stale-series', stale.data);
    expect((await checks.seriesFresh().run(after)).ok).toBe(false);

    const plan = await actions.syncSeries({ fact: 'stale' }).plan!(after);
    expect(plan.data).toEqual({ symbols: [symbol], intervals: ['1h'] });
    sim.resetStats();
    const synced = await actions.syncSeries({ fact: 'stale' }).run(after);
    expect(synced.ok, synced.summary).toBe(true);
    expect(synced.data).toMatchObject({ where: 'here', symbols: [symbol], intervals: ['1h'], status: 'success' });
    expect(synced.data.candlesStored).toBe(deleted);
    // Only that series was asked for.
    expect(sim.stats.requests.klines).toBeLessThanOrEqual(2);
    expect((await waits.fresh().run(after)).ok).toBe(true);
    expect((await checks.rulesClear(['data-stale', 'data-stale-early']).run(after)).ok).toBe(true);
    // The run is in the history: the sync-failed runbook's check sees it.
    expect((await checks.lastSync().run(after)).ok).toBe(true);
  }, 60_000);

  it('reachable: /fapi/v1/time answers with its latency; rate-limit state is clean', async () => {
    const { ctx } = await fixture();
    const r = await checks.exchangeReachable().run(ctx);
    expect(r.ok, r.summary).toBe(true);
    expect(r.data).toMatchObject({ reachable: true, banned: false });
    expect(r.data.latencyMs).toEqual(expect.any(Number));
    expect(r.summary).toMatch(/answers in \d+ ms/);
    const rate = await checks.rateLimit().run(ctx);
    expect(rate.ok).toBe(true);
    expect(rate.data).toMatchObject({ banned: false, hits429InWindow: 0, lastSync: null });
  });

  it('a long 418 ban: the probe names its end, the failed sync records it, rate-limit state says banned, and nobody knocks before it ends', async () => {
    const { sim, ctx } = await fixture({}, { banMs: 30 * 60_000 });
    sim.failNext('418', 1, 'all');
    const probe = await checks.exchangeReachable().run(ctx);
    expect(probe.ok).toBe(false);
    expect(probe.data.banned).toBe(true);
    const bannedUntil = probe.data.bannedUntil as number;
    expect(bannedUntil).toBeGreaterThan(Date.now() + 5 * 60_000);
    expect(probe.summary).toMatch(/^banned until \d{4}-/);

    // A sync during the ban fails at once (it does not sleep through a long ban) and its summary says why.
    const sync = await actions.syncSeries({ all: true }).run(ctx);
    expect(sync.ok).toBe(false);
    expect(sync.summary + JSON.stringify(sync.data)).toMatch(/banned this IP until/);
    const rate = await checks.rateLimit().run(ctx);
    expect(rate.ok).toBe(false);
    expect(rate.data.banned).toBe(true);
    expect(Math.abs((rate.data.bannedUntil as number) - bannedUntil)).toBeLessThan(1000);
    expect(rate.summary).toMatch(/^BANNED until/);

    sim.resetStats();
    const early = await checks.banLifted().run(ctx);
    expect(early.ok).toBe(false);
    expect(early.summary).toMatch(/not asking before then/);
    expect(sim.stats.totalRequests).toBe(0);
  }, 60_000);

  it('a short 418 ban: the wait polls until the exchange answers again, not before the ban ends', async () => {
    const { sim, ctx } = await fixture({}, { banMs: 3_000 });
    sim.failNext('418', 1, 'all');
    const probe = await checks.exchangeReachable().run(ctx);
    expect(probe.data.banned).toBe(true);
    expect((await waits.banOver().run(ctx)).ok).toBe(false);
    const lifted = await until(waits.banOver(), ctx, 20_000, 250);
    expect(lifted.ok).toBe(true);
    expect(Date.now()).toBeGreaterThanOrEqual(probe.data.bannedUntil as number);
  }, 60_000);

  it('with an engine leading, the sync of the stale series runs on the leader, as its job, under its history', async () => {
    await withLeader(async ({ sim, ctx }) => {
      const r = await actions.syncSeries({ symbols: [sim.symbols[0]!], intervals: ['4h'] }).run(ctx);
      expect(r.ok, r.summary).toBe(true);
      expect(r.data).toMatchObject({ where: 'leader', status: 'success', symbols: [sim.symbols[0]], intervals: ['4h'] });
      expect(r.data.runId).toEqual(expect.any(Number));
      const last = await checks.lastSync().run(ctx);
      expect(last.data.runId).toBe(r.data.runId);
    });
  }, 60_000);

  it('a sync already running on the leader (the schedule\'s) does not fail the runbook\'s: it waits for that run to end, then syncs', async () => {
    await withLeader(async ({ sim, ctx, dir }) => {
      // A slow exchange keeps the first sync running while the runbook's asks.
      sim.setFaults({ latencyMs: 600 });
      const { runJobAnywhere } = await import('../../../src/ops/run-job.js');
      const first = runJobAnywhere(ctx, 'sync', 'sync', {} as never, 60_000);
      const db = new Database(path.join(dir, 'data', 'ops.db'), { readonly: true });
      const running = () => db.prepare("SELECT id FROM job_runs WHERE job = 'sync' AND status = 'running'").get() as { id: number } | undefined;
      try {
        await vi.waitFor(() => expect(running()).toBeDefined(), { timeout: 20_000, interval: 50 });
        const held = running()!.id;
        const r = await actions.syncSeries({ all: true }).run(ctx);
        expect(r.ok, r.summary).toBe(true);
        expect(r.data).toMatchObject({ where: 'leader', status: 'success' });
        expect(r.data.runId).toBeGreaterThan(held);
        // It met the running sync (recorded as skipped), waited for it to end, then ran.
        const runs = db.prepare("SELECT id, status, started_at, ended_at FROM job_runs WHERE job = 'sync' AND id >= ? ORDER BY id").all(held) as { id: number; status: string; started_at: number; ended_at: number | null }[];
        expect(runs.map((x) => x.status)).toEqual(['success', 'skipped', 'success']);
        expect(runs[2]!.started_at).toBeGreaterThanOrEqual(runs[0]!.ended_at!);
        expect((await first).status).toBe('success');
      } finally {
        db.close();
        sim.setFaults({ latencyMs: 0 });
      }
    });
  }, 120_000);
});

describe.skipIf(pgMissing)(`step library with the candles in PostgreSQL${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  it('finds the stale series there, syncs only those, and judges the rules and probes from PostgreSQL', async () => {
    const db = await freshPgDatabase();
    try {
      const { sim, ctx, dataDir } = await fixture({ store: { backend: 'postgres', url: db.url }, health: { dbMinSizeMb: 1 } });
      const first = await actions.syncSeries({ all: true }).run(ctx);
      expect(first.ok, first.summary).toBe(true);
      const fresh = await checks.staleSeries().run(ctx);
      expect(fresh.ok, fresh.summary).toBe(true);
      expect(fresh.summary).toBe('all 4 series are fresh');
      const coverage = await checks.probe('coverage').run(ctx);
      expect(coverage.ok, coverage.summary).toBe(true);
      expect((await checks.symbols().run(ctx)).data.missing).toEqual([]);
      // The sync-failed and backup-stale runbooks ask whether the store is sound before they act.
      const sound = await checks.integrity().run(ctx);
      expect(sound.ok, sound.summary).toBe(true);
      expect(sound.data).toMatchObject({ state: 'healthy', file: expect.stringMatching(/^PostgreSQL postgresql:\/\//) });
      expect(sound.summary).toMatch(/every candle readable \(4 series/);

      // The fault, in PostgreSQL: the last 12 hours of one series are gone.
      const [symbol] = sim.symbols;
      const pg = await PgMarketStore.open(db.url);
      let deleted: number;
      try {
        deleted = await pg.deleteCandlesFrom(symbol!, '1h', Date.now() - 12 * HOUR);
      } finally {
        await pg.close();
      }
      expect(deleted).toBeGreaterThanOrEqual(11);
      const stale = await checks.staleSeries().run(ctx);
      expect(stale.ok).toBe(false);
      expect(stale.data.stale).toEqual([expect.objectContaining({ symbol, interval: '1h' })]);
      const rules = await checks.rulesClear(['data-stale', 'data-stale-early']).run(ctx);
      expect(rules.ok).toBe(false);
      expect(rules.data.undetermined).toEqual([]);

      const after = withFacts(ctx, 'stale-series', stale.data);
      expect((await actions.syncSeries({ fact: 'stale' }).plan!(after)).data).toEqual({ symbols: [symbol], intervals: ['1h'] });
      const synced = await actions.syncSeries({ fact: 'stale' }).run(after);
      expect(synced.ok, synced.summary).toBe(true);
      expect(synced.data.candlesStored).toBe(deleted);
      expect((await checks.seriesFresh().run(after)).ok).toBe(true);
      expect((await checks.rulesClear(['data-stale', 'data-stale-early']).run(after)).ok).toBe(true);
      // Nothing of it went through a market.db.
      expect(fs.existsSync(path.join(dataDir, 'market.db'))).toBe(false);
    } finally {
      await db.drop();
    }
  }, 60_000);
});
