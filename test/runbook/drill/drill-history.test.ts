import path from 'node:path';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ChaosResult } from '../../../src/runbook/drill/chaos.js';
import type { DrillResult } from '../../../src/runbook/drill/drill.js';
import { CHAOS_SCENARIO, listGameDayDrills, recordChaosSoak, recordGameDayDrill } from '../../../src/runbook/drill/drill-store.js';
import { openOpsDb } from '../../../src/store/ops-db.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

/**
 * `drill history` keeps the chaos soaks beside the drills of runbooks: a real ops.db, rows written
 * as `drill` and `drill chaos` write them, read back by the built binary (text and --json).
 */

const T0 = Date.UTC(2026, 10, 30, 21, 0);

function soak(overrides: Partial<ChaosResult> = {}): ChaosResult {
  return {
    event: 'chaos', seed: 1_234_567_890, durationMs: 600_000, startedAt: T0, endedAt: T0 + 660_000, passed: true, reasons: [], aborted: false,
    drills: ['daemon-dead', 'stale-data'], excluded: [], faultsInjected: 15, engineKills: 1, alertsRaised: 28, alertsLost: [], healedBeforeAlert: [],
    incidents: { opened: 28, resolvedAutomatically: 25, resolvedByHand: 0, escalated: 3, aborted: 0, open: 0 },
    candles: { series: 8, missing: 0, wrong: 0 }, episodes: [], alertList: [], incidentList: [],
    ...overrides,
  };
}

const drill = (scenario: string, startedAt: number) => ({
  event: 'drill', scenario, title: scenario, passed: true, reason: null, skipped: null, startedAt, endedAt: startedAt + 5_000,
  injected: 'a fault', person: null, reverted: null, cleared: null, alert: null, outcome: null, expected: 'resolved', steadyAfter: true,
  targetTime: '2m', score: { toAlertMs: 1_000, toAckMs: 1_000, toOpenedMs: 1_000, toSteadyMs: 4_000, targetMs: 120_000, metTarget: true, skipped: [], steps: [] },
  candles: null, report: null,
}) as unknown as DrillResult;

describe('drill history: the chaos soaks', () => {
  it('keeps a soak (its table, seed and duration) beside the drills, and shows it in text (80 columns) and --json', async () => {
    const dataDir = path.join(tempDir('cfa-drill-history-'), 'data');
    fs.mkdirSync(dataDir, { recursive: true });
    const db = openOpsDb(dataDir);
    try {
      recordGameDayDrill(db, drill('daemon-dead', T0 - 60_000), 'headless');
      const failed = soak({
        startedAt: T0 + 3_600_000, endedAt: T0 + 3_800_000, seed: 7, durationMs: 120_000, passed: false,
        reasons: ['daemon-dead\'s daemon-dead alert never fired', 'the store differs from the exchange: 3 candle(s) missing, 1 wrong'],
        alertsRaised: 6, alertsLost: [{ fault: 'daemon-dead', expects: 'daemon-dead', injectedAtMs: 37_000 }], candles: { series: 8, missing: 3, wrong: 1 },
        healedBeforeAlert: [{ fault: 'stale-data', injectedAtMs: 50_000, by: 'sync run 5 (runbook)' }],
      });
      recordChaosSoak(db, soak());
      recordChaosSoak(db, failed);
      const records = listGameDayDrills(db);
      expect(records.map((r) => [r.kind, r.scenario, r.mode, r.passed])).toEqual([
        ['chaos', CHAOS_SCENARIO, 'headless', false], ['chaos', CHAOS_SCENARIO, 'headless', true], ['drill', 'daemon-dead', 'headless', true],
      ]);
      expect(records[0]!.reason).toBe(failed.reasons.join('; '));
      expect(records[0]!.result).toEqual(failed);
    } finally {
      db.close();
    }

    const env = { CFA_DATA_DIR: dataDir };
    const json = await runCli(['drill', 'history', '--json'], { env });
    expect(json.exitCode, json.stderr).toBe(0);
    expect(json.events).toHaveLength(3);
    expect(json.events[1]).toEqual({
      id: 2, kind: 'chaos', scenario: 'chaos', mode: 'headless', startedAt: T0, endedAt: T0 + 660_000, passed: true, reason: null,
      seed: 1_234_567_890, durationMs: 600_000, faultsInjected: 15, engineKills: 1, alertsRaised: 28, alertsLost: [], healedBeforeAlert: [],
      incidents: { opened: 28, resolvedAutomatically: 25, resolvedByHand: 0, escalated: 3, aborted: 0, open: 0 },
      candles: { series: 8, missing: 0, wrong: 0 },
    });
    expect(json.events[0]).toMatchObject({ kind: 'chaos', seed: 7, passed: false, alertsLost: [{ fault: 'daemon-dead' }], healedBeforeAlert: [{ fault: 'stale-data', by: 'sync run 5 (runbook)' }], candles: { missing: 3, wrong: 1 } });
    expect(json.events[2]).toMatchObject({ kind: 'drill', scenario: 'daemon-dead', toAlertMs: 1_000, toSteadyMs: 4_000 });

    const text = await runCli(['drill', 'history'], { env });
    expect(text.exitCode, text.stderr).toBe(0);
    const lines = text.stdout.split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
    // The drills' table, then the soaks': newest first, with the soak's table in a row.
    expect(text.stdout).toMatch(/^#\s+WHEN \(UTC\)\s+SCENARIO/);
    expect(text.stdout).toMatch(/daemon-dead\s+headless\s+pass/);
    expect(text.stdout).toMatch(/chaos soaks \(`drill chaos`\):\n#\s+WHEN \(UTC\)\s+RUN\s+SEED\s+FOR\s+FAULTS\s+ALERTS\s+AUTO\s+ESC\s+CANDLES\n/);
    expect(text.stdout).toMatch(/\n3\s+11-30 22:00\s+FAIL\s+7\s+2 min\s+15\s+6 \(1 lost\)\s+25\s+3\s+3\/1\n2\s+11-30 21:00\s+pass\s+1234567890\s+10 min\s+15\s+28\s+25\s+3\s+0\/0\n/);
    expect(text.stdout).toMatch(/CANDLES: missing\/wrong/);
  });

  it('a history of soaks only shows their table alone', async () => {
    const dataDir = path.join(tempDir('cfa-drill-history-'), 'data');
    fs.mkdirSync(dataDir, { recursive: true });
    const db = openOpsDb(dataDir);
    try { recordChaosSoak(db, soak()); } finally { db.close(); }
    const text = await runCli(['drill', 'history'], { env: { CFA_DATA_DIR: dataDir } });
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^#\s+WHEN \(UTC\)\s+RUN\s+SEED/);
    expect(text.stdout).not.toMatch(/SCENARIO/);
  });
});
