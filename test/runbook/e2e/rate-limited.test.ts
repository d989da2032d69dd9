import path from 'node:path';
import Database from '../../../src/store/sqlite-driver.js';
import { describe, expect, it } from 'vitest';
import { HOUR, actionsOf, e2e, expectSteady, stepsOf, summaryOf, ticked } from './helpers.js';

describe('runbook rate-limited, end to end', () => {
  it('a 418 ban: nothing sent before its end, then the stale series synced at half the weight; the store equal to the exchange', async () => {
    // A real ban lasts minutes to days and a sync fails on it at once rather than sleep through it;
    // here the ban lasts 3 s and the sync spends no retry on it, so it fails the same way.
    const t = await e2e({ sim: { banMs: 3_000 }, settings: { exchange: { weightWindowMs: 1000, requestTimeoutMs: 1500, retry: { rateLimit: { retries: 0, delayMs: 200, jitterMs: 50 } } } } });
    expect((await t.cli(['sync', '--json'])).exitCode).toBe(0);
    const db = new Database(path.join(t.dataDir, 'market.db'));
    db.prepare(`DELETE FROM candles WHERE interval = '1h' AND open_time > ?`).run(t.t0 - 12 * HOUR);
    db.close();
    // The fault: the exchange bans the IP (418); the sync that met it failed and recorded the ban's end.
    t.sim.failNext('418', 1, 'all');
    const banned = await t.cli(['run', 'sync', '--wait', '--json']);
    expect(banned.exitCode).toBe(1);
    expect(banned.stdout).toMatch(/banned this IP until/);

    const run = await t.run('rate-limited');
    expectSteady(run);
    expect(stepsOf(run)).toEqual(['rate-limit:not-passed', 'wait-ban:ok', 'sync-slow:ok', 'wait-quiet:ok', 'resolved:noted']);
    expect(run.events.find((e) => e.step === 'rate-limit')!.summary).toMatch(/^BANNED until \d{4}-/);
    expect(t.sim.stats.banned).toBe(1);
    expect(t.differences()).toEqual([]);

    const report = await t.report(summaryOf(run).incidentId as number);
    expect(report).toMatchObject({ runbook: 'rate-limited', state: 'resolved' });
    expect(ticked(report)).toEqual(['API throttle']);
    expect(actionsOf(report)).toEqual(['rate-limit:not-passed', 'wait-ban:ok', 'sync-slow:ok', 'wait-quiet:ok', 'resolved:noted']);
  }, 90_000);
});
