import { describe, expect, it } from 'vitest';
import { ruleSettings } from '../../../src/alerts/settings.js';
import type { JobRun } from '../../../src/engine/run-history.js';
import { healedBeforeSeen, type HealFacts } from '../../../src/runbook/drill/chaos-heal.js';
import { HOUR, T0, snapshot, testConfig } from '../../alerts/helpers.js';

/**
 * A soak's fault that raised no alert is healed (not lost) only when everything shows it: the
 * damage gone, the leader's first look after the fault clear by the fault's own rule, and a run of
 * the healing job that started after the fault and stored what was missing.
 */

const FAULT = T0 - 2_000;
const settings = ruleSettings(testConfig());

function run(over: Partial<JobRun> = {}): JobRun {
  return {
    id: 5, job: 'sync', trigger: 'runbook', slot: null, startedAt: FAULT + 70, endedAt: FAULT + 1_010, status: 'success', exitCode: 0,
    durationMs: 940, summary: { candlesStored: 12 }, logPath: null, pid: 1, host: 'h', ...over,
  };
}

function facts(over: Partial<HealFacts> = {}): HealFacts {
  return { faultAt: FAULT, rule: 'data-stale-early', firstLook: snapshot({ at: T0 }), runs: [run()], healedBy: 'sync', settings, undone: true, ...over };
}

describe('healedBeforeSeen', () => {
  it('proves a fault healed by a sync that started after it, when the leader\'s first look after it was clear', () => {
    expect(healedBeforeSeen(facts())).toEqual({
      run: { id: 5, job: 'sync', trigger: 'runbook', startedAt: FAULT + 70, endedAt: FAULT + 1_010, stored: 12 }, firstLookAt: T0,
    });
    // The earliest such run is named.
    expect(healedBeforeSeen(facts({ runs: [run({ id: 7, startedAt: FAULT + 900 }), run()] }))?.run.id).toBe(5);
    // Recorded as started a moment before the fault, its process read the store after it (every deleted candle is back).
    expect(healedBeforeSeen(facts({ runs: [run({ startedAt: FAULT - 300 })] }))?.run.startedAt).toBe(FAULT - 300);
  });

  it('is no proof when the leader saw the damage: the alert is lost', () => {
    // Its first look found the series 3 h old: the rule fired on it, and the alert must have come.
    expect(healedBeforeSeen(facts({ firstLook: snapshot({ at: T0, ages: { 'BTCUSDT 15m': 3 * HOUR } }) }))).toBeNull();
  });

  it('is no proof without the first look, or with one from before the fault, or one its rule cannot judge', () => {
    expect(healedBeforeSeen(facts({ firstLook: null }))).toBeNull();
    expect(healedBeforeSeen(facts({ firstLook: snapshot({ at: FAULT - 500 }) }))).toBeNull();
    expect(healedBeforeSeen(facts({ firstLook: { ...snapshot({ at: T0 }), freshness: [] } }))).toBeNull();
  });

  it('is no proof when the damage is still there, or the fault cannot heal by itself', () => {
    expect(healedBeforeSeen(facts({ undone: false }))).toBeNull();
    expect(healedBeforeSeen(facts({ undone: null }))).toBeNull();
    expect(healedBeforeSeen(facts({ healedBy: undefined }))).toBeNull();
  });

  it('is no proof without a run that could have healed it: one over before the fault, begun after the first look, failed, another job, or one that stored nothing', () => {
    expect(healedBeforeSeen(facts({ runs: [] }))).toBeNull();
    expect(healedBeforeSeen(facts({ runs: [run({ startedAt: FAULT - 900, endedAt: FAULT - 10 })] }))).toBeNull();
    expect(healedBeforeSeen(facts({ runs: [run({ status: 'running', endedAt: null })] }))).toBeNull();
    expect(healedBeforeSeen(facts({ runs: [run({ startedAt: T0 + 1 })] }))).toBeNull();
    expect(healedBeforeSeen(facts({ runs: [run({ status: 'failed' })] }))).toBeNull();
    expect(healedBeforeSeen(facts({ runs: [run({ job: 'backup' })] }))).toBeNull();
    expect(healedBeforeSeen(facts({ runs: [run({ summary: { candlesStored: 0 } })] }))).toBeNull();
    expect(healedBeforeSeen(facts({ runs: [run({ summary: null })] }))).toBeNull();
  });
});
