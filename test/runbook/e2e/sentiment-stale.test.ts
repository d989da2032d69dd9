import path from 'node:path';
import Database from '../../../src/store/sqlite-driver.js';
import { describe, expect, it } from 'vitest';
import { startFearGreedStandIn, startFredStandIn, syntheticFredSeries } from '../../../src/exchange/simulator/index.js';
import { DAY, actionsOf, after, e2e, expectSteady, explain, stepsOf, summaryOf, ticked } from './helpers.js';

const KEY = 'e2e-fred-key';

describe('runbook sentiment-stale, end to end', () => {
  it('fear & greed down for days: the job fails on it and the runbook pages (exit 1); once the source is back, a new run fetches and is fresh (exit 0)', async () => {
    const fng = await startFearGreedStandIn();
    const fred = await startFredStandIn({ apiKey: KEY, series: { DFF: syntheticFredSeries('DFF', new Date().toISOString().slice(0, 10), 30) } });
    after(() => fng.close());
    after(() => fred.close());
    const t = await e2e({
      env: { CFA_FRED_API_KEY: KEY },
      settings: { sentiment: { binance: { backfillDays: 2, fundingBackfillDays: 2 }, fearGreed: { url: fng.url, backfillDays: 10 }, fred: { url: fred.url, series: ['DFF'] } } },
    });
    expect((await t.cli(['sentiment', '--json'])).exitCode).toBe(0);

    // The fault: the fear & greed source has been down for four days, so the last four days are missing.
    fng.setDown(true);
    const db = new Database(path.join(t.dataDir, 'market.db'));
    expect(db.prepare('DELETE FROM fear_greed WHERE day > ?').run(t.t0 - 4 * DAY).changes).toBeGreaterThan(0);
    db.close();

    const down = await t.run('sentiment-stale');
    expect(down.exitCode, explain(down)).toBe(1);
    expect(stepsOf(down)).toEqual(['which:not-passed', 'exchange:passed', 'fetch:failed', 'fetch:failed', 'page:sent']);
    expect(down.events.find((e) => e.step === 'which')!.summary).toMatch(/fear & greed/);
    const first = summaryOf(down).incidentId as number;
    expect(t.hook.requests.filter((r) => JSON.stringify(r.body).includes(`incident #${first} needs a person`))).toHaveLength(1);
    const escalated = await t.report(first);
    expect(escalated).toMatchObject({ runbook: 'sentiment-stale', state: 'escalated' });
    expect(ticked(escalated)).toEqual(['FRED or fear & greed source down']);

    // The source is back: a new incident, fixed by fetching again.
    fng.setDown(false);
    const back = await t.run('sentiment-stale');
    expectSteady(back);
    expect(stepsOf(back)).toEqual(['which:not-passed', 'exchange:passed', 'fetch:ok', 'fresh:ok', 'resolved:noted']);
    const second = summaryOf(back).incidentId as number;
    expect(second).not.toBe(first);
    const report = await t.report(second);
    expect(report).toMatchObject({ runbook: 'sentiment-stale', state: 'resolved' });
    expect(report.impact).toMatch(/sentiment-stale: fng: /);
    expect(actionsOf(report)).toEqual(['which:not-passed', 'exchange:passed', 'fetch:ok', 'fresh:ok', 'resolved:noted']);
  }, 90_000);
});
