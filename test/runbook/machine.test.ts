import { describe, expect, it } from 'vitest';
import {
  apply, initialState, MachineError, MAX_STEP_STARTS, nextAction, resume, stepPosition, type MachineEvent, type RunState,
} from '../../src/runbook/machine.js';
import type { RunbookDecl, StepDecl, StepResult } from '../../src/runbook/types.js';

/** Values only: the machine never runs a call, so these calls throw if it ever did. */
const never = { name: 'never', args: {}, run: async (): Promise<StepResult> => { throw new Error('the machine ran a call'); } };

function decl(steps: StepDecl[], id = 'rb'): RunbookDecl {
  return {
    id, title: id, summary: '', opensOn: [], steadyState: [never], steps, escalation: [], automatic: false, targetTime: '5m', rootCauses: [],
  };
}

const ok = (summary = 'ok', data: Record<string, unknown> = {}): StepResult => ({ ok: true, summary, data });
const bad = (summary = 'bad', data: Record<string, unknown> = {}): StepResult => ({ ok: false, summary, data });

let clock = 0;
const at = () => ++clock;

/** Runs events in order from the initial state, after a passing steady-state check. */
function run(d: RunbookDecl, events: MachineEvent[], before = true): RunState {
  let s = apply(d, initialState(d), { type: 'steady-state', at: at(), passed: before, results: [] });
  for (const e of events) s = apply(d, s, e);
  return s;
}

/** start + result of the current step. */
function step(id: string, result: StepResult): MachineEvent[] {
  return [{ type: 'step-started', at: at(), stepId: id }, { type: 'step-result', at: at(), stepId: id, result }];
}

const probe = (id: string, extra: Partial<StepDecl> = {}): StepDecl => ({ id, kind: 'probe', title: `probe ${id}`, why: 'to know', call: never, ...extra });
const action = (id: string, extra: Partial<StepDecl> = {}): StepDecl => ({ id, kind: 'action', title: `do ${id}`, why: 'to fix', risk: 'mutate', call: never, alreadyDone: never, ...extra });

describe('the step machine', () => {
  it('checks the steady state first, walks the steps in order, then checks it again and resolves', () => {
    const d = decl([probe('a'), action('b'), probe('c')]);
    let s = initialState(d);
    expect(nextAction(d, s)).toEqual({ kind: 'check-before' });
    s = apply(d, s, { type: 'steady-state', at: 1, passed: false, results: [bad('stale')] });
    expect(s.before?.passed).toBe(false);
    expect(nextAction(d, s)).toEqual({ kind: 'run', stepId: 'a' });
    expect(stepPosition(d, s)).toEqual({ index: 1, total: 3 });
    for (const id of ['a', 'b', 'c']) {
      expect(nextAction(d, s)).toEqual({ kind: 'run', stepId: id });
      s = apply(d, s, { type: 'step-started', at: 2, stepId: id });
      expect(s.steps[id]!.state).toBe('running');
      s = apply(d, s, { type: 'step-result', at: 3, stepId: id, result: ok(id) });
      expect(s.steps[id]!.state).toBe('done');
    }
    expect(nextAction(d, s)).toEqual({ kind: 'check-after' });
    s = apply(d, s, { type: 'steady-state', at: 4, passed: true, results: [ok()] });
    expect(s.outcome).toEqual({ kind: 'resolved', at: 4 });
    expect(nextAction(d, s)).toEqual({ kind: 'finished', outcome: { kind: 'resolved', at: 4 } });
    expect(s.path).toEqual(['a', 'b', 'c']);
  });

  it('escalates when the steady state is not reached at the end, naming what failed', () => {
    const d = decl([probe('a')]);
    let s = run(d, step('a', ok()));
    s = apply(d, s, { type: 'steady-state', at: at(), passed: false, results: [ok('fine'), bad('BTCUSDT 1h 3h old')] });
    expect(s.outcome?.kind).toBe('escalated');
    expect(s.outcome).toMatchObject({ reason: 'steady state not reached: BTCUSDT 1h 3h old', stepId: null });
  });

  it('takes the first branch whose test passes, even on a failed probe, and publishes facts for later tests', () => {
    const d = decl([
      probe('integrity', {
        publishes: ['sound'],
        next: [
          { when: 'the store is corrupt', test: (r) => !r.ok, goto: 'restore' },
          { when: 'never', test: () => true, goto: 'restart' },
        ],
      }),
      action('restart', { next: [{ when: 'sound was published', test: (_r, facts) => facts.sound === true, goto: 'end' }] }),
      action('restore'),
      probe('end'),
    ]);
    const corrupt = run(d, step('integrity', bad('2 pages damaged', { sound: false, pages: 2 })));
    expect(corrupt.steps.integrity!.state).toBe('done');
    expect(corrupt.current).toBe('restore');
    expect(corrupt.facts).toMatchObject({ sound: false, 'integrity.sound': false, 'integrity.pages': 2, pages: 2 });

    const sound = run(d, [...step('integrity', ok('ok', { sound: true })), ...step('restart', ok())]);
    expect(sound.current).toBe('end');
    expect(sound.steps.restore!.state).toBe('pending');
  });

  it('a branch test that throws counts as not passing', () => {
    const d = decl([probe('a', { next: [{ when: 'broken', test: () => { throw new Error('x'); }, goto: 'c' }] }), probe('b'), probe('c')]);
    expect(run(d, step('a', ok())).current).toBe('b');
  });

  it('retries a failing step onFail.retry times, then goes where onFail says', () => {
    const d = decl([action('sync', { onFail: { retry: 2, goto: 'fallback' } }), probe('after'), probe('fallback')]);
    let s = run(d, step('sync', bad('5xx')));
    expect(s.steps.sync).toMatchObject({ state: 'pending', attempts: 1 });
    expect(nextAction(d, s)).toEqual({ kind: 'run', stepId: 'sync' });
    s = apply(d, s, step('sync', bad('5xx'))[0]!);
    s = apply(d, s, { type: 'step-result', at: at(), stepId: 'sync', result: bad('5xx') });
    expect(s.steps.sync).toMatchObject({ state: 'pending', attempts: 2 });
    for (const e of step('sync', bad('still 5xx'))) s = apply(d, s, e);
    expect(s.steps.sync).toMatchObject({ state: 'failed', attempts: 3 });
    expect(s.current).toBe('fallback');
  });

  it('a retry that succeeds goes on normally', () => {
    const d = decl([action('sync', { onFail: { retry: 1 } }), probe('after')]);
    const s = run(d, [...step('sync', bad()), ...step('sync', ok())]);
    expect(s.steps.sync).toMatchObject({ state: 'done', attempts: 2 });
    expect(s.current).toBe('after');
  });

  it('a probe that finds the thing unhealthy goes on to the next step: a finding, not a failure', () => {
    const d = decl([probe('look'), action('fix')]);
    const s = run(d, step('look', bad('state is broken')));
    expect(s.steps.look).toMatchObject({ state: 'done', result: { ok: false } });
    expect(s.current).toBe('fix');
    // With onFail declared, the runbook says its failure matters.
    const strict = decl([probe('look', { onFail: { goto: 'runbook:other' } }), action('fix')]);
    expect(run(strict, step('look', bad())).outcome).toMatchObject({ kind: 'handover', to: 'other' });
  });

  it('a failure without onFail escalates from that step', () => {
    const d = decl([action('a'), probe('b')]);
    const s = run(d, step('a', bad('permission denied')));
    expect(s.outcome).toMatchObject({ kind: 'escalated', stepId: 'a', reason: 'do a: permission denied' });
    expect(s.steps.b!.state).toBe('pending');
    expect(nextAction(d, s).kind).toBe('finished');
  });

  it('hands over to another runbook with runbook:<id>, from a branch or from onFail', () => {
    const d = decl([probe('a', { next: [{ when: 'corrupt', test: (r) => !r.ok, goto: 'runbook:db-corruption' }] }), probe('b', { onFail: { goto: 'runbook:sync-failed' } })]);
    const branch = run(d, step('a', bad()));
    expect(branch.outcome).toMatchObject({ kind: 'handover', to: 'db-corruption', stepId: 'a' });
    expect(nextAction(d, branch)).toEqual({ kind: 'handover', to: 'db-corruption' });
    const failed = run(d, [...step('a', ok()), ...step('b', bad())]);
    expect(nextAction(d, failed)).toEqual({ kind: 'handover', to: 'sync-failed' });
  });

  it('an escalate step ends the run as escalated', () => {
    const d = decl([probe('a', { onFail: { goto: 'page' } }), probe('b'), { id: 'page', kind: 'escalate', title: 'page L2', why: 'nothing else to try' }]);
    const s = run(d, [...step('a', bad()), ...step('page', ok('paged slack'))]);
    // The reason names what led to the page, then the page.
    expect(s.outcome).toMatchObject({ kind: 'escalated', stepId: 'page', reason: 'a: bad; paged slack' });
    expect(s.steps.page!.state).toBe('done');
  });

  it('an escalate step is entered by a goto only: the steps before it pass over it', () => {
    const d = decl([probe('a', { onFail: { goto: 'page' } }), { id: 'page', kind: 'escalate', title: 'page', why: 'x' }, probe('b')]);
    expect(run(d, step('a', ok())).current).toBe('b');
    const last = decl([probe('a', { onFail: { goto: 'page' } }), { id: 'page', kind: 'escalate', title: 'page', why: 'x' }]);
    expect(run(last, step('a', ok())).phase).toBe('after');
    expect(run(last, step('a', bad())).current).toBe('page');
  });

  it('skips only where the runbook allows it, and records why', () => {
    const d = decl([probe('a', { skippable: true }), action('b'), probe('c')]);
    let s = run(d, []);
    s = apply(d, s, { type: 'skip', at: at(), stepId: 'a', reason: 'already checked by hand' });
    expect(s.steps.a).toMatchObject({ state: 'skipped', note: 'already checked by hand' });
    expect(s.current).toBe('b');
    expect(() => apply(d, s, { type: 'skip', at: at(), stepId: 'b', reason: 'no' })).toThrow(/may not be skipped/);
    expect(() => apply(d, s, { type: 'skip', at: at(), stepId: 'c', reason: 'no' })).toThrow(MachineError);
  });

  it('aborts at any point, failing the running step', () => {
    const d = decl([action('a'), probe('b')]);
    let s = run(d, [{ type: 'step-started', at: at(), stepId: 'a' }]);
    s = apply(d, s, { type: 'abort', at: 99, reason: 'operator pressed x' });
    expect(s.outcome).toEqual({ kind: 'aborted', at: 99, reason: 'operator pressed x' });
    expect(s.steps.a).toMatchObject({ state: 'failed', note: 'aborted' });
    expect(() => apply(d, s, { type: 'abort', at: 100, reason: 'again' })).toThrow(/finished/);
  });

  it('retries a failed step by hand, reopening an escalated run', () => {
    const d = decl([action('a'), probe('b')]);
    let s = run(d, step('a', bad()));
    expect(s.outcome?.kind).toBe('escalated');
    s = apply(d, s, { type: 'retry', at: at(), stepId: 'a' });
    expect(s.outcome).toBeNull();
    expect(nextAction(d, s)).toEqual({ kind: 'run', stepId: 'a' });
    for (const e of step('a', ok())) s = apply(d, s, e);
    expect(s.steps.a).toMatchObject({ state: 'done', attempts: 2 });
    expect(() => apply(d, s, { type: 'retry', at: at(), stepId: 'a' })).toThrow(/only a failed step/);
  });

  it('resumes a step left running as unknown: alreadyDone says done, so it is not run again', () => {
    const d = decl([probe('a'), action('restore'), probe('c')]);
    const crashed = run(d, [...step('a', ok()), { type: 'step-started', at: at(), stepId: 'restore' }]);
    // JSON round trip, as the incident stores it.
    let s = resume(JSON.parse(JSON.stringify(crashed)) as RunState);
    expect(s.steps.restore).toMatchObject({ state: 'running', unknown: true, attempts: 1 });
    expect(nextAction(d, s)).toEqual({ kind: 'check-done', stepId: 'restore' });
    s = apply(d, s, { type: 'already-done', at: at(), stepId: 'restore', done: true, result: ok('the restored file is there', { restored: 'b1' }) });
    expect(s.steps.restore).toMatchObject({ state: 'done', attempts: 1, note: 'already done' });
    expect(s.facts['restore.restored']).toBe('b1');
    expect(nextAction(d, s)).toEqual({ kind: 'run', stepId: 'c' });
  });

  it('resumes a step left running as unknown: not done, so it runs again (a second attempt)', () => {
    const d = decl([action('restore'), probe('c')]);
    let s = resume(run(d, [{ type: 'step-started', at: at(), stepId: 'restore' }]));
    s = apply(d, s, { type: 'already-done', at: at(), stepId: 'restore', done: false, result: bad('not there') });
    expect(nextAction(d, s)).toEqual({ kind: 'run', stepId: 'restore' });
    for (const e of step('restore', ok())) s = apply(d, s, e);
    expect(s.steps.restore).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('resume leaves a run with no running step as it was', () => {
    const d = decl([probe('a'), probe('b')]);
    const s = run(d, step('a', ok()));
    expect(resume(s)).toBe(s);
    expect(() => apply(d, s, { type: 'already-done', at: at(), stepId: 'b', done: true, result: ok() })).toThrow(/known result/);
  });

  it('rejects events that do not fit: a result for a step not running, a step that is not current, an unknown step', () => {
    const d = decl([probe('a'), probe('b')]);
    const s = run(d, []);
    expect(() => apply(d, s, { type: 'step-result', at: 1, stepId: 'a', result: ok() })).toThrow(/only a running step/);
    expect(() => apply(d, s, { type: 'step-started', at: 1, stepId: 'b' })).toThrow(/current step is a/);
    expect(() => apply(d, s, { type: 'retry', at: 1, stepId: 'zz' })).toThrow(/has no step zz; its steps are a, b/);
    expect(() => apply(d, initialState(d), { type: 'step-started', at: 1, stepId: 'a' })).toThrow(/before check/);
    expect(() => apply(decl([probe('a')], 'other'), s, { type: 'abort', at: 1, reason: '' })).toThrow(/runbook rb, not other/);
  });

  it('refuses a runbook without steps or with a step id twice', () => {
    expect(() => initialState(decl([]))).toThrow(/no steps/);
    expect(() => initialState(decl([probe('a'), probe('a')]))).toThrow(/step a twice/);
  });

  it('escalates a runbook that loops through gotos forever', () => {
    const d = decl([probe('a', { next: [{ when: 'always', test: () => true, goto: 'b' }] }), probe('b', { next: [{ when: 'always', test: () => true, goto: 'a' }] })]);
    let s = run(d, []);
    let guard = 0;
    while (s.phase === 'steps' && guard++ < 1000) for (const e of step(s.current!, ok())) s = apply(d, s, e);
    expect(s.outcome).toMatchObject({ kind: 'escalated' });
    expect(s.outcome?.kind === 'escalated' && s.outcome.reason).toMatch(/loops/);
    expect(s.path.length).toBe(MAX_STEP_STARTS + 1);
  });

  it('records a take-over and never changes the state it was given', () => {
    const d = decl([probe('a')]);
    const s = run(d, []);
    const frozen = JSON.stringify(s);
    const taken = apply(d, s, { type: 'take-over', at: 5, by: 'bob@ops2' });
    expect(taken.workedBy).toBe('bob@ops2');
    apply(d, s, { type: 'step-started', at: 6, stepId: 'a' });
    expect(JSON.stringify(s)).toBe(frozen);
  });
});
