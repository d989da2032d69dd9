import path from 'node:path';
import Database from '../../../src/store/sqlite-driver.js';
import { describe, expect, it } from 'vitest';
import { HOUR, actionsOf, e2e, expectSteady, stepsOf, summaryOf, ticked } from './helpers.js';

describe('runbook stale-data, end to end', () => {
  it('deleted recent candles: the stale series found, only they synced, fresh again, the store equal to the exchange', async () => {
    const t = await e2e({ symbols: 3 });
    expect((await t.cli(['sync', '--json'])).exitCode).toBe(0);
    expect(t.differences()).toEqual([]);

    // The fault: the last 12 hours of one series are gone.
    const [symbol] = t.symbols;
    const db = new Database(path.join(t.dataDir, 'market.db'));
    const deleted = db.prepare(`DELETE FROM candles WHERE symbol = ? AND interval = '1h' AND open_time > ?`).run(symbol, t.t0 - 12 * HOUR).changes;
    db.close();
    expect(deleted).toBeGreaterThanOrEqual(11);

    t.sim.resetStats();
    const run = await t.run('stale-data');
    expectSteady(run);
    expect(summaryOf(run).steadyBefore).toBe(false);
    expect(stepsOf(run)).toEqual(['stale-series:not-passed', 'exchange:passed', 'rate-limit:passed', 'sync:ok', 'wait-fresh:ok', 'resolved:noted']);
    expect(run.events.find((e) => e.step === 'sync')!.data).toMatchObject({ symbols: [symbol], intervals: ['1h'], candlesStored: deleted });
    // Only that series was asked for.
    expect(t.sim.stats.requests.klines).toBeLessThanOrEqual(2);
    expect(t.differences()).toEqual([]);

    const report = await t.report(summaryOf(run).incidentId as number);
    expect(report).toMatchObject({ runbook: 'stale-data', state: 'resolved' });
    expect(report.impact).toMatch(/steady state broken: .*data-stale-early/);
    expect(ticked(report)).toEqual(['Sync failure']);
    // Data loss measured by the steady state: the deleted candles missing before, none after.
    expect(report.dataLoss).toMatchObject({ missingCandlesBefore: deleted, missingCandlesAfter: 0 });
    expect(actionsOf(report)).toContain('sync:ok');
    expect(report.actions.find((a) => a.step === 'stale-series')!.summary).toMatch(new RegExp(`^1 of 6 series are stale; worst ${symbol} 1h`));
  }, 90_000);
});
