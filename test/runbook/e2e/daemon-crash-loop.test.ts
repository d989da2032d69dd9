import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openOpsDb } from '../../../src/store/ops-db.js';
import { catalog } from '../../backup/helpers.js';
import { CRASHING, HOUR, actionsOf, e2e, expectSteady, stepsOf, summaryOf, ticked } from './helpers.js';

describe('runbook daemon-crash-loop, end to end', () => {
  it('three crashes: the daemon kept stopped, market.db rolled back to the backup of 48 h ago, the gap resynced, validated, the incident channel told', async () => {
    const spawns = path.join(await import('node:os').then((os) => os.tmpdir()), `cfa-crashes-${process.pid}-${Date.now()}`);
    // The store was synced and backed up six hours ago (by the exchange's clock).
    const t = await e2e({
      behindMs: 6 * HOUR,
      settings: { daemon: { command: [process.execPath, CRASHING, spawns, '50'], restartBackoff: '100ms', restartBackoffMax: '200ms', maxCrashes: 3 } },
    });
    try {
      expect((await t.cli(['sync', '--json'])).exitCode).toBe(0);
      expect((await t.cli(['backup', '--json'])).exitCode).toBe(0);
      // That backup is the rollback target: taken more than 48 h ago as far as the catalog knows.
      const [backup] = catalog(t.dataDir).backups;
      const ops = openOpsDb(t.dataDir);
      ops.prepare('UPDATE backups SET created_at = created_at - ?, verified_at = verified_at - ? WHERE id = ?').run(49 * HOUR, 49 * HOUR, backup!.id);
      ops.close();
      t.advance(6 * HOUR);

      // The fault: it crashes three times and the supervisor gives up (crash-loop).
      const engine = await t.leader();
      await engine.waitFor((l) => l.msg === 'daemon' && l.state === 'crash-loop', 30_000);
      expect(fs.readFileSync(spawns, 'utf8').trim().split('\n')).toHaveLength(3);

      const run = await t.run('daemon-crash-loop');
      expectSteady(run);
      expect(stepsOf(run)).toEqual([
        'status:not-passed', 'log-errors:passed', 'diagnostics:passed', 'stop-daemon:ok', 'rollback:ok', 'validate:ok', 'backtest-paused:noted', 'notify:ok', 'resolved:noted',
      ]);
      expect(run.events.find((e) => e.step === 'status')!.summary).toMatch(/^not running: state crash-loop.*exit 3; 3 crash\(es\)/);
      expect(run.events.find((e) => e.step === 'log-errors')!.summary).toContain('crashing-daemon: about to fail');
      const rollback = run.events.find((e) => e.step === 'rollback')!;
      expect(rollback.summary).toMatch(new RegExp(`^restore ok from backup #${backup!.id} \\(hot\\); damaged files kept in .*; resync success, [1-9]\\d* candles`));
      // The rolled-back store caught up with the exchange; the daemon stays paused.
      expect(t.differences()).toEqual([]);
      expect(fs.readFileSync(spawns, 'utf8').trim().split('\n')).toHaveLength(3);
      await engine.waitFor((l) => l.msg === 'daemon' && l.state === 'paused');
      // The incident channel was told where the diagnostics are.
      const told = JSON.stringify(t.hook.requests.map((r) => r.body));
      expect(told).toMatch(/ROLLBACK COMPLETE: market.db rolled back to backup #\d+/);
      expect(told).toMatch(/Diagnostics: \S+/);

      const report = await t.report(summaryOf(run).incidentId as number);
      expect(report).toMatchObject({ runbook: 'daemon-crash-loop', state: 'resolved' });
      expect(report.impact).toMatch(/daemon-crash-loop: the backtest daemon crashed too often/);
      expect(ticked(report)).toEqual(['Process crash']);
      expect(actionsOf(report)).toEqual([
        'status:not-passed', 'log-errors:passed', 'diagnostics:passed', 'stop-daemon:ok', 'rollback:ok', 'validate:ok', 'backtest-paused:noted', 'notify:ok', 'resolved:noted',
      ]);
    } finally {
      fs.rmSync(spawns, { force: true });
    }
  }, 120_000);
});
