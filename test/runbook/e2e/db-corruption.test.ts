import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { corruptMiddle, filesIn } from '../../backup/helpers.js';
import { BEATING, HOUR, actionsOf, e2e, expectSteady, stepsOf, summaryOf, ticked, until } from './helpers.js';

describe('runbook db-corruption, end to end', () => {
  it('a corrupted page: the daemon paused, the newest verified backup restored (damage kept in quarantine), the gap resynced, validated, resumed', async () => {
    // The store was synced and backed up six hours ago (by the exchange's clock), then synced to now.
    const t = await e2e({ behindMs: 6 * HOUR, settings: { daemon: { command: [process.execPath, BEATING], restartBackoff: '300ms', killGrace: '1s' } } });
    expect((await t.cli(['sync', '--json'])).exitCode).toBe(0);
    expect((await t.cli(['backup', '--json'])).exitCode).toBe(0);
    t.advance(6 * HOUR);
    expect((await t.cli(['sync', '--json'])).exitCode).toBe(0);
    const engine = await t.leader();
    await engine.waitFor((l) => l.msg === 'daemon' && l.state === 'running');

    // The fault: pages in the middle of market.db overwritten.
    const market = path.join(t.dataDir, 'market.db');
    corruptMiddle(market);

    const run = await t.run('db-corruption');
    expectSteady(run);
    expect(stepsOf(run)).toEqual(['integrity:not-passed', 'pause-daemon:ok', 'recover:ok', 'validate:ok', 'resume-daemon:ok', 'resolved:noted']);
    expect(run.events.find((e) => e.step === 'recover')!.summary).toMatch(/^recover ok from backup #\d+ \(hot\); damaged files kept in .*quarantine.*; resync success, [1-9]\d* candles/);
    expect(filesIn(path.join(t.dataDir, 'quarantine')).length).toBeGreaterThan(0);
    expect(t.differences()).toEqual([]);
    expect(fs.existsSync(market)).toBe(true);
    // Paused during the cure, running again after it.
    await until(() => {
      const states = engine.lines().filter((l) => l.msg === 'daemon').map((l) => l.state);
      const paused = states.indexOf('paused');
      return paused >= 0 && states.slice(paused).includes('running');
    }, 'the daemon to be resumed');

    const report = await t.report(summaryOf(run).incidentId as number);
    expect(report).toMatchObject({ runbook: 'db-corruption', state: 'resolved' });
    expect(report.impact).toMatch(/db-corruption: integrity check failed/);
    expect(ticked(report)).toEqual(['DB corruption']);
    expect(actionsOf(report)).toEqual(['integrity:not-passed', 'pause-daemon:ok', 'recover:ok', 'validate:ok', 'resume-daemon:ok', 'resolved:noted']);
  }, 120_000);
});
