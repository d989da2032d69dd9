import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Recorder } from '../alerts/helpers.js';
import { writeTestConfig } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { Declined, type ActionPlan } from '../../src/common/plan.js';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';
import { runContext, type OpEvent, type RunContext } from '../../src/ops/context.js';
import { runRunbook as runById, UnknownRunbook } from '../../src/ops/runbook.js';
import { autoRunbooks, isAutomatic } from '../../src/ops/auto-runbooks.js';
import { IncidentStore, type Who } from '../../src/runbook/incidents.js';
import { apply, initialState } from '../../src/runbook/machine.js';
import { buildReport, reportMarkdown } from '../../src/runbook/report.js';
import { IncidentClaimed, runRunbook } from '../../src/runbook/runner.js';
import { AlertStore } from '../../src/alerts/alert-state.js';
import { Outbox } from '../../src/alerts/outbox.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import type { RunbookDecl } from '../../src/runbook/types.js';
import { makeRunbooks } from '../fixtures/runbooks/registry.mjs';

const recorders: Recorder[] = [];
afterEach(async () => { for (const r of recorders.splice(0)) await r.stop(); });

interface Fixture {
  dir: string;
  data: string;
  runbooks: RunbookDecl[];
  lookup: (id: string) => RunbookDecl | undefined;
  rb: (id: string) => RunbookDecl;
  ctx: (options?: { confirm?: (plan: ActionPlan) => Promise<number>; signal?: AbortSignal }) => RunContext & { events: OpEvent[]; plans: ActionPlan[] };
  count: (name: string) => number;
}

function fixture(settings: Record<string, unknown> = {}): Fixture {
  const dir = tempDir('cfa-runbook-');
  const data = path.join(dir, 'data');
  const files = path.join(dir, 'files');
  fs.mkdirSync(files);
  fs.mkdirSync(data);
  fs.writeFileSync(path.join(files, 'state'), 'broken');
  const configPath = writeTestConfig(dir, settings);
  const runbooks = makeRunbooks(files);
  const lookup = (id: string) => runbooks.find((r) => r.id === id);
  return {
    dir: files, data, runbooks, lookup,
    rb: (id) => lookup(id)!,
    ctx: (options = {}) => {
      const events: OpEvent[] = [];
      const plans: ActionPlan[] = [];
      const ctx = runContext(loadConfig({ configPath, dataDir: data }), {
        emit: (e) => events.push(e),
        signal: options.signal,
        confirm: async (plan) => { plans.push(plan); return options.confirm ? options.confirm(plan) : 0; },
      });
      return Object.assign(ctx, { events, plans });
    },
    count: (name) => { try { return fs.readFileSync(path.join(files, name), 'utf8').split('\n').filter(Boolean).length; } catch { return 0; } },
  };
}

function timeline(data: string, id: number) {
  const db = openOpsDb(data);
  try {
    const store = new IncidentStore(db);
    return { incident: store.get(id)!, entries: store.timeline(id) };
  } finally { db.close(); }
}

describe('the runbook runner', () => {
  it('walks a runbook to steady state: consent with the call\'s plan, one event per step, every step in the timeline', async () => {
    const f = fixture();
    const ctx = f.ctx();
    const summary = await runRunbook(f.rb('fix-state'), ctx, { lookup: f.lookup });
    expect(summary).toMatchObject({ outcome: 'resolved', reason: null, steadyBefore: false, steadyAfter: true, chain: ['fix-state'], paged: null });
    expect(summary.steps.map((s) => [s.step, s.outcome])).toEqual([['look', 'not-passed'], ['restore', 'ok'], ['verify', 'ok']]);
    expect(f.count('restore.count')).toBe(1);
    // The plan asked for is the call's own, with its real figures.
    expect(ctx.plans).toHaveLength(1);
    expect(ctx.plans[0]).toMatchObject({ action: 'restore', risk: 'destructive', confirmWord: 'restore', facts: [{ label: 'file' }, { label: 'now', value: 'broken' }] });
    expect(ctx.events.map((e) => `${e.event}:${String(e.step ?? e.phase)}`)).toEqual([
      'steady-state:before', 'runbook-step:look', 'runbook-step:restore', 'runbook-step:verify', 'steady-state:after',
    ]);
    const { incident, entries } = timeline(f.data, summary.incidentId);
    expect(incident).toMatchObject({ state: 'resolved', runbook: 'fix-state', claim: null, machine: { phase: 'finished', outcome: { kind: 'resolved' } } });
    expect(entries.map((e) => [e.kind, e.step, e.outcome])).toEqual([
      ['steady-state-before', null, 'not-passed'], ['step', 'look', 'not-passed'], ['step', 'restore', 'ok'], ['step', 'verify', 'ok'], ['steady-state-after', null, 'passed'],
    ]);
    expect(entries[2]).toMatchObject({ intent: 'Restore the state file', risk: 'destructive', output: ['wrote state', 'done'], data: { restored: true } });
    expect(entries[0]!.data).toMatchObject({ results: [{ ok: false, data: { missingCandles: 5 } }] });
  });

  it('a call that asks again inside the operation with the plan just consented to is not asked twice; another plan still is', async () => {
    const f = fixture();
    const asked: string[] = [];
    const plan = (action: string) => ({ action, title: `${action}?`, risk: 'destructive' as const, facts: [], effects: [], data: {} });
    const decl: RunbookDecl = {
      ...f.rb('fix-state'),
      id: 'asks-inside',
      steps: [{
        id: 'cure', kind: 'action', title: 'Cure', why: 'x', risk: 'destructive', confirmWord: 'restore',
        call: {
          name: 'test.cure', args: { confirm: 'in-run' },
          plan: async () => plan('recover'),
          run: async (ctx) => {
            await ctx.confirm(plan('recover'));
            await ctx.confirm(plan('something-else'));
            fs.writeFileSync(path.join(f.dir, 'state'), 'healthy');
            return { ok: true, summary: 'cured', data: {} };
          },
        },
      }],
    };
    const summary = await runRunbook(decl, f.ctx({ confirm: async (p) => { asked.push(p.action); return 0; } }), { lookup: f.lookup });
    expect(summary.outcome).toBe('resolved');
    expect(asked).toEqual(['recover', 'something-else']);
  });

  it('a runbook whose steady state already holds goes the branch past the fix and changes nothing', async () => {
    const f = fixture();
    fs.writeFileSync(path.join(f.dir, 'state'), 'healthy');
    const summary = await runRunbook(f.rb('fix-state'), f.ctx(), { lookup: f.lookup });
    expect(summary.outcome).toBe('resolved');
    expect(summary.steps.map((s) => s.step)).toEqual(['look', 'verify']);
    expect(f.count('restore.count')).toBe(0);
  });

  it('declined consent aborts the run and changes nothing; a refusal (nobody to ask) aborts and is thrown for exit 2', async () => {
    const f = fixture();
    const declined = await runRunbook(f.rb('fix-state'), f.ctx({ confirm: async () => { throw new Declined('no'); } }), { lookup: f.lookup });
    expect(declined).toMatchObject({ outcome: 'aborted', reason: 'Restore the state file: not confirmed' });
    expect(f.count('restore.count')).toBe(0);
    expect(timeline(f.data, declined.incidentId).incident.state).toBe('aborted');

    await expect(runRunbook(f.rb('fix-state'), f.ctx({ confirm: async () => { throw new ConfigError('add --yes to confirm'); } }), { lookup: f.lookup }))
      .rejects.toThrow(/add --yes/);
    expect(f.count('restore.count')).toBe(0);
    const db = openOpsDb(f.data);
    const last = new IncidentStore(db).list()[0]!;
    db.close();
    expect(last).toMatchObject({ state: 'aborted', outcome: expect.stringMatching(/add --yes/) });
  });

  it('--dry-run runs the read steps, gives each mutating step\'s plan, changes nothing and pages nobody', async () => {
    const recorder = await new Recorder().start();
    recorders.push(recorder);
    const f = fixture({ alerts: { channels: { webhook: { url: recorder.url } } } });
    const ctx = f.ctx();
    const summary = await runRunbook(f.rb('fix-state'), ctx, { lookup: f.lookup, dryRun: true, pageWaitMs: 0 });
    expect(f.count('restore.count')).toBe(0);
    expect(fs.readFileSync(path.join(f.dir, 'state'), 'utf8')).toBe('broken');
    expect(ctx.plans).toEqual([]);
    const restore = ctx.events.find((e) => e.step === 'restore')!;
    expect(restore).toMatchObject({ outcome: 'planned', plan: { action: 'restore', title: 'Restore the state file?' } });
    expect(summary).toMatchObject({ dryRun: true, paged: null });
    expect(recorder.requests).toEqual([]);
    expect(timeline(f.data, summary.incidentId).incident.dryRun).toBe(true);
  });

  it('pages the critical route through the outbox when the steady state is not reached, and says so in the timeline', async () => {
    const recorder = await new Recorder().start();
    recorders.push(recorder);
    const f = fixture({ alerts: { channels: { webhook: { url: recorder.url } } } });
    const summary = await runRunbook(f.rb('never-fixed'), f.ctx(), { lookup: f.lookup, pageWaitMs: 10_000 });
    expect(summary).toMatchObject({ outcome: 'escalated', reason: 'steady state not reached: the never file is missing', steadyAfter: false });
    expect(summary.paged?.channels).toEqual(['webhook']);
    expect(recorder.delivered()).toHaveLength(1);
    expect(JSON.stringify(recorder.delivered()[0]!.body)).toMatch(/never-fixed escalates \(incident #1\)/);
    const db = openOpsDb(f.data);
    expect(new Outbox(db).get(summary.paged!.outboxIds[0]!)).toMatchObject({ kind: 'escalation', deliveredAt: expect.any(Number) });
    db.close();
    const { incident, entries } = timeline(f.data, summary.incidentId);
    expect(incident.state).toBe('escalated');
    expect(entries.at(-1)).toMatchObject({ kind: 'escalation', outcome: 'sent', summary: expect.stringMatching(/^paged webhook/) });
  });

  it('an escalate step pages and ends the run; without a channel it says nobody was paged', async () => {
    const f = fixture();
    const summary = await runRunbook(f.rb('escalate-step'), f.ctx(), { lookup: f.lookup, pageWaitMs: 0 });
    expect(summary).toMatchObject({ outcome: 'escalated' });
    expect(summary.steps.map((s) => [s.step, s.outcome])).toEqual([['probe', 'failed'], ['page', 'failed']]);
    expect(summary.steps[1]!.summary).toMatch(/nobody was paged/);
    expect(timeline(f.data, summary.incidentId).entries.map((e) => e.kind)).toEqual(['steady-state-before', 'step', 'escalation']);
  });

  it('hands over with runbook:<id>: the same incident goes on in the other runbook, and both steady states must pass', async () => {
    const f = fixture();
    const summary = await runRunbook(f.rb('handover'), f.ctx(), { lookup: f.lookup });
    expect(summary).toMatchObject({ outcome: 'resolved', chain: ['handover', 'fix-state'] });
    expect(summary.steps.map((s) => `${s.runbook}/${s.step}`)).toEqual(['handover/check', 'fix-state/look', 'fix-state/restore', 'fix-state/verify']);
    const { entries } = timeline(f.data, summary.incidentId);
    expect(entries.find((e) => e.kind === 'handover')).toMatchObject({ outcome: 'noted', summary: 'handed over to fix-state' });
    expect((entries.at(-1)!.data!.results as unknown[]).length).toBe(2);
  });

  it('a handover to a runbook that is not known escalates', async () => {
    const f = fixture();
    const summary = await runRunbook(f.rb('handover'), f.ctx(), { lookup: (id) => (id === 'handover' ? f.rb('handover') : undefined), pageWaitMs: 0 });
    expect(summary).toMatchObject({ outcome: 'escalated', reason: 'runbook fix-state is not known' });
  });

  it('a wait-until honours cancellation: the run stops and is recorded as aborted', async () => {
    const f = fixture();
    const controller = new AbortController();
    const ctx = f.ctx({ signal: controller.signal });
    const running = runRunbook(f.rb('hang'), ctx, { lookup: f.lookup });
    // Wait (by events, not time) until the wait-until step polls.
    while (!fs.existsSync(path.join(f.data, 'ops.db'))) await new Promise((r) => setTimeout(r, 10));
    setTimeout(() => controller.abort(new Error('--timeout 1s reached')), 100);
    const summary = await running;
    expect(summary).toMatchObject({ outcome: 'aborted', reason: expect.stringMatching(/^cancelled: --timeout 1s reached$/) });
    expect(summary.steps[0]).toMatchObject({ step: 'wait', outcome: 'aborted', summary: expect.stringMatching(/^cancelled while waiting/) });
  });

  it('a wait-until asks again when its call says the answer can change (a ban\'s end), not only at its regular pace; a step\'s causes tick the report\'s root cause', async () => {
    const f = fixture();
    let tries = 0;
    // The ban ends 50 ms after the first look.
    let ended = Number.POSITIVE_INFINITY;
    const decl: RunbookDecl = {
      id: 'ban-wait', title: 'Wait out a ban', summary: 'test', opensOn: [], automatic: false, targetTime: '5m', escalation: [],
      rootCauses: ['API throttle', 'Other'],
      steadyState: [{ name: 'test.ok', args: {}, run: async () => ({ ok: true, summary: 'ok', data: {} }) }],
      steps: [
        {
          id: 'look', kind: 'probe', title: 'Banned?', why: 'test',
          call: { name: 'test.banned', args: {}, run: async () => ({ ok: false, summary: 'banned', data: { banned: true } }) },
          causes: [{ when: 'a ban', test: (r) => r.data.banned === true, cause: 'API throttle' }, { when: 'anything', test: () => true, cause: 'Other' }],
        },
        {
          // Its regular pace is ten minutes: the test would time out if the hint were ignored.
          id: 'wait', kind: 'wait-until', title: 'Wait', why: 'test', wait: { timeoutMs: 3_600_000, everyMs: 600_000 },
          call: {
            name: 'test.banOver', args: {}, run: async () => {
              tries += 1;
              if (tries === 1) ended = Date.now() + 50;
              return Date.now() >= ended ? { ok: true, summary: 'over', data: {} } : { ok: false, summary: 'not yet', data: { checkAgainAt: ended } };
            },
          },
        },
      ],
    };
    const ctx = f.ctx();
    const summary = await runRunbook(decl, ctx, { lookup: f.lookup });
    expect(summary).toMatchObject({ outcome: 'resolved', steps: [{ step: 'look', outcome: 'not-passed' }, { step: 'wait', outcome: 'ok' }] });
    expect(tries).toBeGreaterThanOrEqual(2);
    const db = openOpsDb(f.data);
    try {
      const store = new IncidentStore(db);
      const report = buildReport(store.get(summary.incidentId)!, store.timeline(summary.incidentId), () => decl);
      // The first cause that holds, only that one.
      expect(report.rootCause.options).toEqual([{ cause: 'API throttle', ticked: true }, { cause: 'Other', ticked: false }]);
    } finally {
      db.close();
    }
  }, 20_000);

  it('resumes an incident whose run died mid-step: alreadyDone runs first and the step is not run twice', async () => {
    const f = fixture();
    const decl = f.rb('fix-state');
    // The state a run killed during `restore` leaves: the effect is there, the result was never recorded.
    fs.writeFileSync(path.join(f.dir, 'state'), 'healthy');
    fs.writeFileSync(path.join(f.dir, 'restore.count'), 'run\n');
    let state = initialState(decl);
    state = apply(decl, state, { type: 'steady-state', at: 1, passed: false, results: [] });
    state = apply(decl, state, { type: 'step-started', at: 2, stepId: 'look' });
    state = apply(decl, state, { type: 'step-result', at: 3, stepId: 'look', result: { ok: false, summary: 'state is broken', data: {} } });
    state = apply(decl, state, { type: 'step-started', at: 4, stepId: 'restore' });
    const dead: Who = { user: 'alice', host: os.hostname(), tty: '/dev/pts/3', pid: 2 ** 22 + 7, startTicks: null };
    const db = openOpsDb(f.data);
    const store = new IncidentStore(db);
    const opened = store.open({ runbook: 'fix-state', who: dead, at: 1, machine: state });
    store.addEntry(opened.id, { runbook: 'fix-state', step: 'restore', kind: 'step', startedAt: 4, outcome: 'running' });
    db.close();

    const ctx = f.ctx();
    const summary = await runRunbook(decl, ctx, { lookup: f.lookup });
    expect(summary).toMatchObject({ incidentId: opened.id, resumed: true, outcome: 'resolved' });
    expect(f.count('restore.count')).toBe(1);
    expect(ctx.plans).toEqual([]);
    expect(summary.steps.map((s) => [s.step, s.outcome])).toEqual([['restore', 'already-done'], ['verify', 'ok']]);
    const { entries } = timeline(f.data, opened.id);
    expect(entries.map((e) => [e.kind, e.step, e.outcome])).toEqual([
      ['step', 'restore', 'unknown'], ['resume', null, 'noted'], ['already-done', 'restore', 'already-done'], ['step', 'verify', 'ok'], ['steady-state-after', null, 'passed'],
    ]);
  });

  it('resumes a died step whose effect is not there: it runs again, with consent again', async () => {
    const f = fixture();
    const decl = f.rb('fix-state');
    let state = initialState(decl);
    state = apply(decl, state, { type: 'steady-state', at: 1, passed: false, results: [] });
    state = apply(decl, state, { type: 'step-started', at: 2, stepId: 'look' });
    state = apply(decl, state, { type: 'step-result', at: 3, stepId: 'look', result: { ok: false, summary: 'broken', data: {} } });
    state = apply(decl, state, { type: 'step-started', at: 4, stepId: 'restore' });
    const db = openOpsDb(f.data);
    new IncidentStore(db).open({ runbook: 'fix-state', who: { user: 'a', host: os.hostname(), tty: null, pid: 2 ** 22 + 9, startTicks: null }, at: 1, machine: state });
    db.close();
    const ctx = f.ctx();
    const summary = await runRunbook(decl, ctx, { lookup: f.lookup });
    expect(summary.outcome).toBe('resolved');
    expect(ctx.plans).toHaveLength(1);
    expect(f.count('restore.count')).toBe(1);
    expect(summary.steps.find((s) => s.step === 'restore')).toMatchObject({ outcome: 'ok', attempts: 2 });
  });

  it('refuses an incident worked by a live process, naming who and since when; takes it over when asked', async () => {
    const f = fixture();
    const decl = f.rb('fix-state');
    const db = openOpsDb(f.data);
    const holder: Who = { user: 'alice', host: os.hostname(), tty: '/dev/pts/1', pid: process.ppid, startTicks: null };
    const opened = new IncidentStore(db).open({ runbook: 'fix-state', who: holder, at: Date.UTC(2026, 0, 1), machine: initialState(decl) });
    db.close();
    const attempt = runRunbook(decl, f.ctx(), { lookup: f.lookup });
    await expect(attempt).rejects.toBeInstanceOf(IncidentClaimed);
    await expect(runRunbook(decl, f.ctx(), { lookup: f.lookup })).rejects.toThrow(`incident #${opened.id} (fix-state) is being worked by alice@${os.hostname()} (pid ${process.ppid}) since 2026-01-01T00:00:00.000Z`);
    expect(f.count('restore.count')).toBe(0);
    const summary = await runRunbook(decl, f.ctx(), { lookup: f.lookup, takeOver: true });
    expect(summary).toMatchObject({ incidentId: opened.id, outcome: 'resolved' });
    expect(timeline(f.data, opened.id).entries[0]).toMatchObject({ kind: 'take-over', summary: expect.stringMatching(/^taken over from alice@/) });
  });

  it('the alert that opened it is kept, and the report fills the seeds\' template from the timeline', async () => {
    const f = fixture();
    const ctx = f.ctx();
    // A real alert row: pending at T-5 min, firing at T-2 min.
    const db = openOpsDb(ctx.dataDir);
    const now = Date.now();
    const alerts = new AlertStore(db);
    alerts.apply([{ rule: 'data-stale', severity: 'critical', runbook: 'stale-data', fingerprint: 'fp', forMs: 0, labels: { symbol: 'BTCUSDT' }, summary: 'BTCUSDT 1h stale' }],
      { now: now - 300_000, routeFor: () => [], repeatCriticalMs: 3_600_000, instance: 'test', undetermined: [] });
    const alert = alerts.open()[0]!;
    db.close();
    const summary = await runRunbook(f.rb('fix-state'), ctx, { lookup: f.lookup, alertId: alert.id });
    const { incident, entries } = timeline(f.data, summary.incidentId);
    expect(incident.alert).toMatchObject({ id: alert.id, rule: 'data-stale', pendingSince: now - 300_000 });
    const report = buildReport(incident, entries, f.lookup);
    expect(report).toMatchObject({
      incident: incident.id, runbook: 'fix-state', state: 'resolved', chain: ['fix-state'],
      detection: { automated: true, alertId: alert.id, rule: 'data-stale', delayMs: incident.openedAt - (now - 300_000) },
      rootCause: { options: [{ cause: 'State file broken', ticked: true }, { cause: 'Disk full', ticked: false }], other: null },
      dataLoss: { missingCandlesBefore: 5, missingCandlesAfter: 0 },
      prevention: { owner: '', due: '' },
    });
    expect(report.actions.map((a) => `${a.step}:${a.outcome}`)).toEqual(['look:not-passed', 'restore:ok', 'verify:ok']);
    expect(report.recoveryMs).toBeGreaterThanOrEqual(300_000);
    const md = reportMarkdown(report);
    expect(md).toContain('[x] State file broken [ ] Disk full [ ] Other: ___');
    expect(md).toContain(`[x] Automated (alert #${alert.id}, data-stale) [ ] Manual notice`);
    expect(md).toMatch(/Detection delay: 5 min \(alert pending since/);
    expect(md).toContain('Data loss: 5 candle(s) missing before, 0 after (none: every candle missing before was recovered)');
    expect(md).toContain('Owner: ___ | Due: ___');
  });

  it('opening a runbook on an alert acknowledges it (by the automatic run, or by who opened it); an alert someone acknowledged first keeps its acknowledgement', async () => {
    const f = fixture();
    const ctx = f.ctx();
    const db = openOpsDb(ctx.dataDir);
    const alerts = new AlertStore(db);
    const raise = (symbol: string) => {
      alerts.apply([{ rule: 'data-stale', severity: 'critical', runbook: 'stale-data', fingerprint: `fp-${symbol}`, forMs: 0, labels: { symbol }, summary: `${symbol} 1h stale` }],
        { now: Date.now(), routeFor: () => [], repeatCriticalMs: 3_600_000, instance: 'test', undetermined: [] });
      return alerts.open().find((a) => a.labels.symbol === symbol)!;
    };
    const first = raise('BTCUSDT');
    expect(first.ackedAt).toBeNull();
    const before = Date.now();
    await runRunbook(f.rb('fix-state'), ctx, { lookup: f.lookup, alertId: first.id, automatic: true });
    const acked = alerts.get(first.id)!;
    expect(acked.ackedAt).toBeGreaterThanOrEqual(before);
    expect(acked.ackedBy).toBe('runbook fix-state (automatic)');

    fs.writeFileSync(path.join(f.dir, 'state'), 'broken');
    const second = raise('ETHUSDT');
    alerts.ack(second.id, 'alice', before - 1_000);
    await runRunbook(f.rb('fix-state'), ctx, { lookup: f.lookup, alertId: second.id, who: { user: 'bob', host: 'h', tty: null, pid: process.pid, startTicks: null } });
    expect(alerts.get(second.id)).toMatchObject({ ackedAt: before - 1_000, ackedBy: 'alice' });

    fs.writeFileSync(path.join(f.dir, 'state'), 'broken');
    const third = raise('SOLUSDT');
    await runRunbook(f.rb('fix-state'), ctx, { lookup: f.lookup, alertId: third.id, who: { user: 'bob', host: 'h', tty: null, pid: process.pid, startTicks: null } });
    expect(alerts.get(third.id)!.ackedBy).toBe('bob@h (runbook fix-state)');
    // A dry run is not taking the alert up.
    const fourth = raise('XRPUSDT');
    await runRunbook(f.rb('fix-state'), ctx, { lookup: f.lookup, alertId: fourth.id, dryRun: true });
    expect(alerts.get(fourth.id)!.ackedAt).toBeNull();
    db.close();
  });

  it('the wizard chooses per step: skip where the runbook allows it (recorded), abort at any step; it sees every state', async () => {
    const f = fixture();
    const decl = f.rb('fix-state');
    const skippable: RunbookDecl = { ...decl, steps: decl.steps.map((s) => (s.id === 'look' ? { ...s, skippable: true } : s)) };
    const seen: string[] = [];
    const summary = await runRunbook(skippable, f.ctx(), {
      lookup: f.lookup,
      beforeStep: async (step) => (step.id === 'look' ? { skip: 'checked by hand' } : step.id === 'restore' ? { abort: 'operator pressed x' } : 'run'),
      onState: (state) => seen.push(`${state.phase}:${state.current ?? '-'}`),
    });
    expect(summary).toMatchObject({ outcome: 'aborted', reason: 'operator pressed x' });
    expect(summary.steps.map((s) => [s.step, s.outcome])).toEqual([['look', 'skipped']]);
    expect(f.count('restore.count')).toBe(0);
    expect(seen).toEqual(['steps:look', 'steps:restore', 'finished:-']);
    const { entries } = timeline(f.data, summary.incidentId);
    expect(entries.map((e) => [e.kind, e.step, e.outcome, e.summary])).toEqual([
      ['steady-state-before', null, 'not-passed', 'not ok: state is broken'], ['skip', 'look', 'skipped', 'checked by hand'], ['abort', null, 'aborted', 'operator pressed x'],
    ]);
    // A step the runbook does not let be skipped is refused.
    await expect(runRunbook(decl, f.ctx(), { lookup: f.lookup, beforeStep: async () => ({ skip: 'no' }) })).rejects.toThrow(/may not be skipped/);
  });

  it('retries the failed step of an escalated incident: the same incident reopens and goes on from there', async () => {
    const f = fixture();
    const first = await runRunbook(f.rb('never-fixed'), f.ctx(), { lookup: f.lookup, pageWaitMs: 0 });
    expect(first.outcome).toBe('escalated');
    fs.writeFileSync(path.join(f.dir, 'never'), '');
    // The steady state failed, not a step: only a failed step is retried.
    await expect(runRunbook(f.rb('never-fixed'), f.ctx(), { lookup: f.lookup, retry: { incidentId: first.incidentId, stepId: 'try' } })).rejects.toThrow(/only a failed step/);
    const esc = await runRunbook(f.rb('escalate-step'), f.ctx(), { lookup: f.lookup, pageWaitMs: 0 });
    expect(esc).toMatchObject({ outcome: 'escalated' });
    await expect(runRunbook(f.rb('fix-state'), f.ctx(), { lookup: f.lookup, retry: { incidentId: esc.incidentId, stepId: 'probe' } })).rejects.toThrow(/not an escalated incident of runbook fix-state/);
    // Somebody fixed the cause by hand; the failed probe is tried again and the run goes on.
    fs.writeFileSync(path.join(f.dir, 'state'), 'healthy');
    const again = await runRunbook(f.rb('escalate-step'), f.ctx(), { lookup: f.lookup, retry: { incidentId: esc.incidentId, stepId: 'probe' } });
    expect(again).toMatchObject({ incidentId: esc.incidentId, resumed: true, outcome: 'resolved' });
    expect(again.steps.map((s) => [s.step, s.outcome])).toEqual([['probe', 'ok'], ['unreached', 'noted']]);
    const { incident, entries } = timeline(f.data, esc.incidentId);
    expect(incident.state).toBe('resolved');
    expect(entries.map((e) => e.kind)).toEqual(['steady-state-before', 'step', 'escalation', 'retry', 'resume', 'step', 'step', 'steady-state-after']);
  });

  it('an unknown alert or runbook is bad input naming what is known', async () => {
    const f = fixture();
    await expect(runRunbook(f.rb('fix-state'), f.ctx(), { lookup: f.lookup, alertId: 99 })).rejects.toThrow(/no alert #99/);
    await expect(runById('nope', { registry: f.runbooks }, f.ctx())).rejects.toThrow(UnknownRunbook);
    await expect(runById('nope', { registry: f.runbooks }, f.ctx())).rejects.toThrow('no runbook "nope"; the runbooks are: fix-state, never-fixed, escalate-step, hang, handover');
  });

  it('the leader runs an automatic runbook when its alert fires, and not a manual one; config runbooks.auto overrides', async () => {
    const f = fixture({ runbooks: { auto: { 'never-fixed': false } } });
    const finished: string[] = [];
    const ctx = f.ctx();
    const auto = autoRunbooks(ctx, { registry: f.runbooks, onFinished: (s) => finished.push(`${s.runbook}:${s.outcome}`) });
    const alert = (id: number, rule: 'data-stale' | 'disk-low') => ({
      id, rule, fingerprint: String(id), severity: 'critical' as const, state: 'firing' as const, labels: {}, summary: '', runbook: null,
      pendingSince: 0, firedAt: 0, resolvedAt: null, lastNotifiedAt: null, notifiedChannels: [], ackedAt: null, ackedBy: null, updatedAt: 0,
    });
    // Alert rows must exist for --alert: make them.
    const db = openOpsDb(ctx.dataDir);
    const store = new AlertStore(db);
    store.apply([
      { rule: 'data-stale', severity: 'critical', runbook: 'stale-data', fingerprint: 'a', forMs: 0, labels: {}, summary: 'stale' },
      { rule: 'disk-low', severity: 'critical', runbook: 'disk-low', fingerprint: 'b', forMs: 0, labels: {}, summary: 'disk' },
    ], { now: 1, routeFor: () => [], repeatCriticalMs: 1, instance: 't', undetermined: [] });
    const [a, b] = store.open();
    db.close();
    auto.onFired([alert(a!.id, 'data-stale'), alert(b!.id, 'disk-low')]);
    await auto.idle();
    expect(finished).toEqual(['fix-state:resolved']);
    expect(f.count('try.count')).toBe(0);
    const { incident } = timeline(f.data, 1);
    expect(incident).toMatchObject({ automatic: true, runbook: 'fix-state', alert: { id: a!.id } });
    expect(isAutomatic(f.rb('never-fixed'), { 'never-fixed': true })).toBe(true);
    expect(isAutomatic(f.rb('fix-state'), { 'fix-state': false })).toBe(false);
  });

  it('a new leader resumes the automatic incidents a dead leader left mid-run, and leaves a live holder\'s and a person\'s alone', async () => {
    const f = fixture();
    const decl = f.rb('fix-state');
    let state = initialState(decl);
    state = apply(decl, state, { type: 'steady-state', at: 1, passed: false, results: [] });
    state = apply(decl, state, { type: 'step-started', at: 2, stepId: 'look' });
    const deadLeader: Who = { user: 'cfa', host: os.hostname(), tty: null, pid: 2 ** 22 + 11, startTicks: null };
    const db = openOpsDb(f.data);
    const store = new IncidentStore(db);
    const orphan = store.open({ runbook: 'fix-state', who: deadLeader, automatic: true, at: 1, machine: state });
    // A person's incident (not automatic) of a dead console stays for a person.
    const persons = store.open({ runbook: 'never-fixed', who: { ...deadLeader, pid: 2 ** 22 + 12 }, automatic: false, at: 1, machine: initialState(f.rb('never-fixed')) });
    db.close();

    const finished: string[] = [];
    const auto = autoRunbooks(f.ctx(), { registry: f.runbooks, onFinished: (s) => finished.push(`${s.runbook}:${s.outcome}:${s.resumed}`) });
    auto.resumeOrphans();
    await auto.idle();
    expect(finished).toEqual(['fix-state:resolved:true']);
    expect(timeline(f.data, orphan.id).incident.state).toBe('resolved');
    expect(timeline(f.data, persons.id).incident.state).toBe('open');
    // Nothing left to resume: a second leadership does nothing.
    auto.resumeOrphans();
    await auto.idle();
    expect(finished).toHaveLength(1);
  });
});
