import path from 'node:path';
import Database from '../../../src/store/sqlite-driver.js';
import { describe, expect, it } from 'vitest';
import { HOUR, actionsOf, e2e, expectSteady, stepsOf, summaryOf, ticked } from './helpers.js';

describe('runbook sync-failed, end to end', () => {
  it('a sync failed on 5xx answers: nothing else in the way, the sync retried, the store equal to the exchange', async () => {
    const t = await e2e();
    expect((await t.cli(['sync', '--json'])).exitCode).toBe(0);
    // The scheduled sync of the last hours failed: the exchange answered 500 to everything.
    const db = new Database(path.join(t.dataDir, 'market.db'));
    db.prepare(`DELETE FROM candles WHERE open_time > ?`).run(t.t0 - 9 * HOUR);
    db.close();
    t.sim.setFaults({ error5xx: 1 });
    // Run as the job (recorded in the run history, as the scheduled one would be).
    const failed = await t.cli(['run', 'sync', '--wait', '--json']);
    expect(failed.exitCode).toBe(1);
    t.sim.setFaults({ error5xx: 0 });

    const run = await t.run('sync-failed');
    expectSteady(run);
    expect(stepsOf(run)).toEqual(['last-sync:not-passed', 'exchange:passed', 'rate-limit:passed', 'disk:passed', 'integrity:passed', 'retry-sync:ok', 'resolved:noted']);
    expect(t.differences()).toEqual([]);

    const report = await t.report(summaryOf(run).incidentId as number);
    expect(report).toMatchObject({ runbook: 'sync-failed', state: 'resolved' });
    expect(report.impact).toMatch(/sync-failed: /);
    expect(ticked(report)).toEqual(['Exchange outage']);
    expect(actionsOf(report)).toContain('retry-sync:ok');
  }, 90_000);
});
