import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { actionsOf, e2e, expectSteady, stepsOf, summaryOf, ticked } from './helpers.js';

describe('runbook missing-symbols, end to end', () => {
  it('a delisted symbol offered for removal from the config and removed; a listed one never synced backfilled; the store equal to the exchange', async () => {
    // Three listed symbols and one the exchange no longer lists; the third was added to the config but never synced.
    const t = await e2e({ symbols: 3, configured: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'LUNAUSDT'], sim: { symbols: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'] } });
    expect((await t.cli(['sync', '--symbols', 'BTCUSDT,ETHUSDT', '--json'])).exitCode).toBe(0);

    const run = await t.run('missing-symbols');
    expectSteady(run);
    expect(summaryOf(run).steadyBefore).toBe(false);
    expect(stepsOf(run)).toEqual(['symbols:not-passed', 'remove-delisted:ok', 'backfill:ok', 'resolved:noted']);
    expect(run.events.find((e) => e.step === 'symbols')!.data).toMatchObject({ missing: ['LUNAUSDT', 'SOLUSDT'], unlisted: ['LUNAUSDT'] });
    expect(run.events.find((e) => e.step === 'backfill')!.data).toMatchObject({ symbols: ['SOLUSDT'], status: 'success' });
    // Out of the config file; every listed symbol complete.
    expect(JSON.parse(fs.readFileSync(t.configFile, 'utf8')).symbols).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT']);
    expect(t.differences(['BTCUSDT', 'ETHUSDT', 'SOLUSDT'])).toEqual([]);

    const report = await t.report(summaryOf(run).incidentId as number);
    expect(report).toMatchObject({ runbook: 'missing-symbols', state: 'resolved' });
    expect(report.impact).toMatch(/missing-symbols: /);
    expect(ticked(report)).toEqual(['Symbol delisted']);
    expect(actionsOf(report)).toEqual(['symbols:not-passed', 'remove-delisted:ok', 'backfill:ok', 'resolved:noted']);
    expect(report.actions.find((a) => a.step === 'remove-delisted')!.summary).toMatch(/^removed LUNAUSDT from the configured symbols \(3 left\)/);
    // `runbook show` says which finding ticks which cause.
    const show = await t.cli(['runbook', 'show', 'missing-symbols', '--markdown']);
    expect(show.stdout).toContain('   - when a configured symbol is no longer listed: root cause "Symbol delisted"');
  }, 90_000);
});
