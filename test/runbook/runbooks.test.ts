import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/alerts/rules.js';
import type { RunbookId } from '../../src/alerts/types.js';
import { RULE_IDS } from '../../src/config/sections/alerts.js';
import { RUNBOOKS, runbookById } from '../../runbooks/index.js';

/** Every RunbookId: a Record over the union makes the compiler refuse a missing or extra id. */
const IDS: Record<RunbookId, true> = {
  'daemon-dead': true, 'stale-data': true, 'sync-failed': true, 'db-corruption': true, 'backup-stale': true,
  'daemon-hung': true, 'daemon-crash-loop': true, 'disk-low': true, 'rate-limited': true, 'missing-symbols': true, 'sentiment-stale': true,
};

/** Where a goto may point: a step of this runbook, another runbook, or the escalation. */
function targetProblems(id: string, target: string, stepIds: Set<string>): string[] {
  if (target === 'escalate') return [];
  if (target.startsWith('runbook:')) return runbookById(target.slice('runbook:'.length)) ? [] : [`${id}: no runbook ${target}`];
  return stepIds.has(target) ? [] : [`${id}: no step ${target}`];
}

describe('runbooks/', () => {
  it('has the ten runbooks of the issue, one per RunbookId, ids unique', () => {
    expect(RUNBOOKS.map((r) => r.id).sort()).toEqual(Object.keys(IDS).sort());
    expect(new Set(RUNBOOKS.map((r) => r.id)).size).toBe(RUNBOOKS.length);
  });

  it('every alert rule\'s runbook exists, and every runbook opens on rules that exist and name it', () => {
    for (const rule of RULES) expect(runbookById(rule.runbook), `${rule.id} -> ${rule.runbook}`).toBeDefined();
    for (const rb of RUNBOOKS) {
      expect(rb.opensOn.length, rb.id).toBeGreaterThan(0);
      for (const rule of rb.opensOn) {
        expect(RULE_IDS, `${rb.id} opens on ${rule}`).toContain(rule);
        expect(RULES.find((r) => r.id === rule)!.runbook, `${rule} names ${rb.id}`).toBe(rb.id);
      }
    }
    // Every rule opens exactly one runbook.
    expect(RUNBOOKS.flatMap((r) => r.opensOn).sort()).toEqual([...RULE_IDS].sort());
    expect(runbookById('daemon-dead')!.opensOn).toEqual(['daemon-dead']);
  });

  it('step ids are unique, every goto names a step, a runbook or escalate, and wait-until steps say how long', () => {
    const problems: string[] = [];
    for (const rb of RUNBOOKS) {
      const ids = rb.steps.map((s) => s.id);
      if (new Set(ids).size !== ids.length) problems.push(`${rb.id}: duplicate step ids ${ids.join(',')}`);
      const stepIds = new Set(ids);
      for (const s of rb.steps) {
        for (const b of s.next ?? []) problems.push(...targetProblems(`${rb.id}/${s.id}`, b.goto, stepIds));
        if (s.onFail?.goto) problems.push(...targetProblems(`${rb.id}/${s.id} onFail`, s.onFail.goto, stepIds));
        if (s.kind === 'wait-until' && (!s.wait || !s.call)) problems.push(`${rb.id}/${s.id}: wait-until without call or wait`);
        if (s.kind !== 'note' && !s.call) problems.push(`${rb.id}/${s.id}: a ${s.kind} step with no call`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every mutating step has an alreadyDone probe and a call with a plan', () => {
    const problems: string[] = [];
    for (const rb of RUNBOOKS) {
      for (const s of rb.steps) {
        if (s.risk !== 'mutate' && s.risk !== 'destructive') continue;
        if (!s.alreadyDone) problems.push(`${rb.id}/${s.id}: no alreadyDone`);
        if (!s.call?.plan) problems.push(`${rb.id}/${s.id}: no plan`);
        if (s.alreadyDone?.plan) problems.push(`${rb.id}/${s.id}: its alreadyDone is not read-only`);
      }
      // A destructive step asks to type a word.
      for (const s of rb.steps.filter((x) => x.risk === 'destructive')) expect(s.confirmWord, `${rb.id}/${s.id}`).toBeTruthy();
    }
    expect(problems).toEqual([]);
  });

  it('follows the seeds: steady state given, escalation L1..L3, targets and which runs automatically', () => {
    for (const rb of RUNBOOKS) {
      expect(rb.steadyState.length, rb.id).toBeGreaterThan(0);
      expect(rb.escalation.map((e) => e.level)).toEqual(['L1', 'L2', 'L3']);
      expect(rb.targetTime).toMatch(/^\d+[mhd]$/);
      expect(rb.rootCauses.length).toBeGreaterThan(0);
      // Every runbook can end by paging: the seeds' escalation when the steady state is not reached.
      expect(rb.steps.some((s) => s.kind === 'escalate'), rb.id).toBe(true);
    }
    const automatic = RUNBOOKS.filter((r) => r.automatic).map((r) => r.id).sort();
    expect(automatic).toEqual(['daemon-dead', 'daemon-hung', 'db-corruption', 'stale-data']);
    expect(Object.fromEntries(RUNBOOKS.map((r) => [r.id, r.targetTime]))).toMatchObject({
      'daemon-dead': '2m', 'stale-data': '15m', 'db-corruption': '30m', 'daemon-hung': '5m', 'daemon-crash-loop': '60m',
    });
  });

  it('every runbook says which root cause its findings point to, each one of its own rootCauses (the report ticks them)', () => {
    const problems: string[] = [];
    for (const rb of RUNBOOKS) {
      const causes = rb.steps.flatMap((s) => (s.causes ?? []).map((c) => ({ step: s.id, ...c })));
      if (causes.length === 0) problems.push(`${rb.id}: no step names a root cause`);
      for (const c of causes) if (!rb.rootCauses.includes(c.cause)) problems.push(`${rb.id}/${c.step}: "${c.cause}" is not one of ${rb.rootCauses.join(', ')}`);
    }
    expect(problems).toEqual([]);
  });

  it('branches as the issue says: daemon-dead restarts only onto a sound store, stale-data hands over to sync-failed / rate-limited', () => {
    const dead = runbookById('daemon-dead')!;
    const integrity = dead.steps.find((s) => s.id === 'integrity')!;
    const damaged = { ok: false, summary: '', data: { state: 'corrupt' } };
    const sound = { ok: true, summary: '', data: { state: 'healthy' } };
    expect(integrity.next!.find((b) => b.test(damaged, {}))?.goto).toBe('runbook:db-corruption');
    expect(integrity.next!.find((b) => b.test(sound, {}))).toBeUndefined();
    expect(dead.steps.map((s) => s.id).indexOf('restart')).toBeGreaterThan(dead.steps.map((s) => s.id).indexOf('integrity'));

    const stale = runbookById('stale-data')!;
    const gotos = stale.steps.flatMap((s) => [...(s.next ?? []).map((b) => b.goto), s.onFail?.goto]);
    expect(gotos).toContain('runbook:sync-failed');
    expect(gotos).toContain('runbook:rate-limited');
    const exchange = stale.steps.find((s) => s.id === 'exchange')!;
    expect(exchange.next!.find((b) => b.test({ ok: false, summary: '', data: { banned: true } }, {}))?.goto).toBe('runbook:rate-limited');

    const crashLoop = runbookById('daemon-crash-loop')!;
    expect(crashLoop.automatic).toBe(false);
    expect(crashLoop.steps.find((s) => s.id === 'rollback')!.call!.args).toMatchObject({ beforeMs: 48 * 3_600_000 });
  });
});
