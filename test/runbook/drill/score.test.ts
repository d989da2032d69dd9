import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../../src/runbook/incidents.js';
import { scoreDrill } from '../../../src/runbook/drill/drill.js';

let id = 0;
function entry(kind: TimelineEntry['kind'], step: string | null, outcome: TimelineEntry['outcome'], startedAt: number, endedAt: number | null): TimelineEntry {
  id += 1;
  return { id, incidentId: 1, runbook: 'daemon-dead', step, kind, intent: null, risk: null, startedAt, endedAt, outcome, summary: null, data: null, output: [], by: null } as unknown as TimelineEntry;
}

describe('scoreDrill', () => {
  const timeline = [
    entry('steady-state-before', null, 'not-passed', 1_500, 1_600),
    entry('step', 'confirm-down', 'not-passed', 1_600, 1_700),
    entry('skip', 'pause', 'skipped', 1_700, 1_700),
    entry('step', 'restart', 'ok', 1_700, 4_700),
    entry('steady-state-after', null, 'passed', 5_000, 6_000),
  ];

  it('measures from the fault: to the alert, to its acknowledgement, to the runbook opened, per step, to steady state; names the skipped steps; judges the target', () => {
    const s = scoreDrill({ faultAt: 1_000, alertFiredAt: 1_300, openedAt: 1_500, timeline, targetTime: '2m', ackedAt: 1_450, ackedBy: 'alice' });
    expect(s).toMatchObject({ toAlertMs: 300, toAckMs: 450, ackedBy: 'alice', toOpenedMs: 500, toSteadyMs: 5_000, targetMs: 120_000, metTarget: true, skipped: ['daemon-dead/pause'] });
    expect(s.steps.map((x) => [x.step, x.outcome, x.durationMs])).toEqual([['confirm-down', 'not-passed', 100], ['pause', 'skipped', 0], ['restart', 'ok', 3_000]]);
  });

  it('misses the target when steady state came too late, or never', () => {
    expect(scoreDrill({ faultAt: 1_000, alertFiredAt: 1_300, openedAt: 1_500, timeline, targetTime: '4s' }).metTarget).toBe(false);
    const never = scoreDrill({ faultAt: 1_000, alertFiredAt: null, openedAt: null, timeline: timeline.slice(0, 4), targetTime: '2m' });
    expect(never).toMatchObject({ toAlertMs: null, toAckMs: null, ackedBy: null, toOpenedMs: null, toSteadyMs: null, metTarget: false });
    // Not acknowledged before the runbook was opened (without naming the alert): opening it is taking it up.
    expect(scoreDrill({ faultAt: 1_000, alertFiredAt: 1_300, openedAt: 1_500, timeline, targetTime: '2m', openedBy: 'bob@h' }))
      .toMatchObject({ toAckMs: 500, ackedBy: 'bob@h (runbook opened)' });
    expect(scoreDrill({ faultAt: 1_000, alertFiredAt: 1_300, openedAt: 1_500, timeline, targetTime: '2m', ackedAt: 1_700, ackedBy: 'alice', openedBy: 'bob@h' }))
      .toMatchObject({ toAckMs: 500, ackedBy: 'bob@h (runbook opened)' });
  });

  it('a drill that expects a page is judged on the time to the escalation', () => {
    const paged = [...timeline.slice(0, 4), entry('escalation', 'page', 'sent', 7_000, 8_000)];
    const s = scoreDrill({ faultAt: 1_000, alertFiredAt: 1_300, openedAt: 1_500, timeline: paged, targetTime: '1m', expect: 'escalated' });
    expect(s).toMatchObject({ toSteadyMs: null, toEscalatedMs: 7_000, metTarget: true });
    expect(s.steps.at(-1)).toMatchObject({ step: 'page', kind: 'escalation', outcome: 'sent', durationMs: 1_000 });
    expect(scoreDrill({ faultAt: 1_000, alertFiredAt: 1_300, openedAt: 1_500, timeline: paged, targetTime: '5s', expect: 'escalated' }).metTarget).toBe(false);
  });
});
