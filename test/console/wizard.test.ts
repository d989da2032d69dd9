import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { WizardSession, outputLine, wizardSteps, type WizardSnapshot } from '../../src/console/wizard.js';
import { processStartTicks } from '../../src/engine/process-identity.js';
import { IncidentStore, whoAmI } from '../../src/runbook/incidents.js';
import { initialState } from '../../src/runbook/machine.js';
import type { RunbookDecl } from '../../src/runbook/types.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import type { Db } from '../../src/store/sqlite.js';
import { makeRunbooks } from '../fixtures/runbooks/registry.mjs';
import { writeTestConfig } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const cleanup: (() => void)[] = [];
afterEach(() => { for (const c of cleanup.splice(0)) c(); });

function fixture() {
  const dir = tempDir('cfa-wizard-');
  const data = path.join(dir, 'data');
  const files = path.join(dir, 'files');
  fs.mkdirSync(data);
  fs.mkdirSync(files);
  fs.writeFileSync(path.join(files, 'state'), 'broken');
  const loaded = loadConfig({ configPath: writeTestConfig(dir), dataDir: data });
  const runbooks = makeRunbooks(files) as RunbookDecl[];
  const db = openOpsDb(data);
  const session = new WizardSession({ loaded, db, registry: async () => runbooks, pollMs: 50 });
  cleanup.push(() => { session.stop(); db.close(); });
  const count = (name: string) => { try { return fs.readFileSync(path.join(files, name), 'utf8').split('\n').filter(Boolean).length; } catch { return 0; } };
  return { session, db, runbooks, files, count };
}

async function until(session: WizardSession, test: (s: WizardSnapshot) => boolean, what: string): Promise<WizardSnapshot> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const s = session.getSnapshot();
    if (test(s)) return s;
    if (Date.now() > deadline) throw new Error(`waited for ${what}; the wizard: ${JSON.stringify(s.run, null, 1)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the wizard session (src/console/wizard.ts) over the real runner and ops.db', () => {
  it('gates every step, asks a destructive plan\'s word, refuses a wrong one (nothing done), resolves with the right one', async () => {
    const { session, count } = fixture();
    await session.start();
    expect(session.getSnapshot().runbooks.map((r) => r.id)).toContain('fix-state');

    session.open('fix-state');
    let s = await until(session, (x) => x.run?.prompt?.kind === 'step', 'the first gate');
    expect(s.run).toMatchObject({ runbookId: 'fix-state', position: { index: 1, total: 3 }, prompt: { stepId: 'look' } });
    expect(s.run!.steps.map((x) => x.state)).toEqual(['current', 'pending', 'pending']);
    session.answer('run');
    s = await until(session, (x) => x.run?.prompt?.kind === 'step' && x.run.prompt.stepId === 'restore', 'the restore gate');
    expect(s.run!.steps[0]).toMatchObject({ state: 'done', summary: 'state is broken' });
    session.answer('run');
    s = await until(session, (x) => x.run?.prompt?.kind === 'confirm', 'the plan');
    expect(s.run!.prompt).toMatchObject({ kind: 'confirm', word: 'restore', risk: 'destructive' });
    expect((s.run!.prompt as { lines: string[] }).lines.join('\n')).toMatch(/Restore the state file\?\n {2}file +.*state\n {2}now +broken/);
    session.answer({ word: 'restor' });
    s = await until(session, (x) => x.run?.finished !== null && x.run?.finished !== undefined, 'the run to end');
    expect(s.run!.finished).toMatchObject({ outcome: 'aborted', reason: 'Restore the state file: not confirmed' });
    expect(count('restore.count')).toBe(0);

    session.dismiss();
    session.open('fix-state');
    await until(session, (x) => x.run?.prompt?.kind === 'step' && x.run.prompt.stepId === 'look', 'a new run');
    session.answer('run');
    await until(session, (x) => x.run?.prompt?.kind === 'step' && x.run.prompt.stepId === 'restore', 'the restore gate');
    // The badge: an open incident, worked here (the incident list is read on the session's own
    // refresh, which a loaded machine can put after the gate).
    const badge = await until(session, (x) => x.incidents.length > 0, 'the badge');
    expect(badge.incidents).toMatchObject([{ runbook: 'fix-state', mine: true }]);
    session.answer('run');
    await until(session, (x) => x.run?.prompt?.kind === 'confirm', 'the plan');
    session.answer({ word: 'restore' });
    await until(session, (x) => x.run?.prompt?.kind === 'step' && x.run.prompt.stepId === 'verify', 'the last gate');
    session.answer('run');
    s = await until(session, (x) => Boolean(x.run?.finished), 'resolved');
    expect(s.run!.finished).toEqual({ outcome: 'resolved', reason: null });
    expect(s.run!.steps.map((x) => x.state)).toEqual(['done', 'done', 'done']);
    expect(s.run!.output.join('\n')).toMatch(/steady state after: passed/);
    expect(count('restore.count')).toBe(1);
    await until(session, (x) => x.incidents.length === 0, 'the badge gone');
  });

  it('x while a step runs aborts the run; the incident is closed as aborted', async () => {
    const { session, files, db } = fixture();
    await session.start();
    fs.writeFileSync(path.join(files, 'hold'), '');
    session.open('fix-state');
    await until(session, (x) => x.run?.prompt?.kind === 'step', 'the first gate');
    session.answer('run');
    await until(session, (x) => x.run?.prompt?.kind === 'step' && x.run.prompt.stepId === 'restore', 'the restore gate');
    session.answer('run');
    await until(session, (x) => x.run?.prompt?.kind === 'confirm', 'the plan');
    session.answer({ word: 'restore' });
    await until(session, (x) => x.run?.steps[1]?.state === 'running', 'the restore running');
    expect(session.running()).toBe('fix-state');
    session.answer('abort');
    const s = await until(session, (x) => Boolean(x.run?.finished), 'the run to stop');
    expect(s.run!.finished!.outcome).toBe('aborted');
    expect(new IncidentStore(db).list()[0]).toMatchObject({ state: 'aborted' });
  });

  it('an incident another live console works is watched read-only, and taken over after a yes', async () => {
    const { session, db, runbooks, count } = fixture();
    const other = execa('sleep', ['30'], { reject: false });
    cleanup.push(() => other.kill());
    const decl = runbooks.find((r) => r.id === 'fix-state')!;
    const store = new IncidentStore(db);
    const incident = store.open({
      runbook: 'fix-state', who: { user: 'ana', host: os.hostname(), tty: 'pts/3', pid: other.pid!, startTicks: processStartTicks(other.pid!) },
      at: Date.now() - 60_000, machine: initialState(decl),
    });
    await session.start();
    const badge = await until(session, (x) => x.incidents.length === 1, 'the badge');
    expect(badge.incidents[0]).toMatchObject({ id: incident.id, by: `ana@${os.hostname()}`, mine: false });
    // Not an interrupted run: nothing is offered at start.
    expect(badge.run).toBeNull();

    session.open('fix-state');
    let s = await until(session, (x) => Boolean(x.run?.watching), 'watching');
    expect(s.run).toMatchObject({ incidentId: incident.id, watching: { by: `ana@${os.hostname()}` }, prompt: null });
    session.askTakeOver();
    s = await until(session, (x) => x.run?.prompt?.kind === 'take-over', 'the take-over question');
    session.answer('no');
    s = await until(session, (x) => x.run?.prompt === null, 'the question gone');
    expect(s.run!.watching).not.toBeNull();
    session.askTakeOver();
    await until(session, (x) => x.run?.prompt?.kind === 'take-over', 'the take-over question');
    session.answer('yes');
    s = await until(session, (x) => x.run?.prompt?.kind === 'step' && !x.run.watching, 'this console working it');
    expect(s.run!.incidentId).toBe(incident.id);
    expect(store.timeline(incident.id).some((e) => e.kind === 'take-over' && /taken over from ana@/.test(e.summary ?? ''))).toBe(true);
    session.answer('abort');
    await until(session, (x) => Boolean(x.run?.finished), 'aborted');
    expect(count('restore.count')).toBe(0);
  });

  it('an automatic run of this very console (the leader\'s) is watched, never taken over from itself; its end is shown', async () => {
    const { session, db, runbooks } = fixture();
    const decl = runbooks.find((r) => r.id === 'fix-state')!;
    const store = new IncidentStore(db);
    const incident = store.open({ runbook: 'fix-state', who: whoAmI(), automatic: true, at: Date.now(), machine: initialState(decl) });
    await session.start();
    const s0 = await until(session, (x) => x.incidents.length === 1, 'the badge');
    expect(s0.incidents[0]).toMatchObject({ mine: true });
    expect(s0.run).toBeNull();
    session.open('fix-state');
    let s = await until(session, (x) => Boolean(x.run?.watching), 'watching');
    expect(s.run!.watching).toMatchObject({ here: true, by: expect.stringContaining('automatic run') });
    session.askTakeOver();
    s = await until(session, (x) => x.run!.output.some((l) => /runs it automatically/.test(l)), 'told why not');
    expect(s.run!.prompt).toBeNull();
    store.close(incident.id, 'escalated', 'steady state not reached', Date.now());
    s = await until(session, (x) => Boolean(x.run?.finished), 'the end shown');
    expect(s.run!.finished).toEqual({ outcome: 'escalated', reason: 'steady state not reached' });
  });

  it('an interrupted incident (its process gone) is offered for resume at start, and resumes where it stopped', async () => {
    const { session, db, runbooks, count } = fixture();
    const exited = execa('true');
    const gonePid = exited.pid!;
    await exited;
    const decl = runbooks.find((r) => r.id === 'fix-state')!;
    const store = new IncidentStore(db);
    // The run had passed the steady-state check and the first step when its console died.
    let machine = initialState(decl);
    machine = { ...machine, phase: 'steps', current: 'restore', path: ['look', 'restore'], before: { passed: false, at: 1, results: [] },
      steps: { ...machine.steps, look: { state: 'done', attempts: 1, result: { ok: false, summary: 'state is broken', data: {} }, startedAt: 1, endedAt: 2 } } };
    const incident = store.open({ runbook: 'fix-state', who: { user: 'bob', host: os.hostname(), tty: null, pid: gonePid, startTicks: null }, at: 1, machine });
    await session.start();
    let s = await until(session, (x) => x.run?.prompt?.kind === 'resume', 'the resume offer');
    expect(s.attention).toBe(1);
    expect(s.run).toMatchObject({ incidentId: incident.id, prompt: { kind: 'resume', at: 'Restore the state file' }, position: { index: 2, total: 3 } });
    expect(s.incidents[0]).toMatchObject({ by: null, mine: false });
    session.answer('yes');
    s = await until(session, (x) => x.run?.prompt?.kind === 'step', 'the gate of the step where it stopped');
    expect(s.run!.prompt).toMatchObject({ stepId: 'restore' });
    expect(s.run!.steps[0]!.state).toBe('done');
    session.answer('run');
    await until(session, (x) => x.run?.prompt?.kind === 'confirm', 'the plan');
    session.answer({ word: 'restore' });
    await until(session, (x) => x.run?.prompt?.kind === 'step', 'the last gate');
    session.answer('run');
    s = await until(session, (x) => Boolean(x.run?.finished), 'resolved');
    expect(s.run!.finished!.outcome).toBe('resolved');
    expect(store.get(incident.id)!.state).toBe('resolved');
    expect(count('restore.count')).toBe(1);
  });
});

describe('wizard values', () => {
  it('step states from the machine: the gate is current, a step whose plan is asked is running', () => {
    const decl = (makeRunbooks(tempDir()) as RunbookDecl[]).find((r) => r.id === 'fix-state')!;
    const m = { ...initialState(decl), phase: 'steps' as const, current: 'restore' };
    m.steps.look = { state: 'done', attempts: 1, result: { ok: true, summary: 'fine', data: {} }, startedAt: 1, endedAt: 2 };
    expect(wizardSteps(decl, m, { kind: 'step', stepId: 'restore', title: '', skippable: false, risk: 'destructive' }).map((s) => s.state)).toEqual(['done', 'current', 'pending']);
    expect(wizardSteps(decl, m, { kind: 'confirm', title: '', lines: [], risk: 'destructive', word: 'restore' }).map((s) => s.state)).toEqual(['done', 'running', 'pending']);
    m.steps.restore = { state: 'skipped', attempts: 0, result: null, startedAt: null, endedAt: 3, note: 'by hand' };
    expect(wizardSteps(decl, m, null)[1]).toMatchObject({ state: 'skipped', summary: 'skipped: by hand' });
  });

  it('an operation\'s events as output lines', () => {
    expect(outputLine({ event: 'runbook-step', step: 'recover', outcome: 'ok', summary: 'restored' })).toBe('ok: recover: restored');
    expect(outputLine({ event: 'step', step: 'swap', status: 'ok', ms: 3, detail: { nested: true } })).toBe('step step=swap status=ok ms=3');
  });
});

describe('the wizard session on a follower (store.backend postgres)', () => {
  it('shows the leader\'s open incidents after this host\'s own, once each, and drops them when the leader mirrors none', async () => {
    const dir = tempDir('cfa-wizard-');
    const data = path.join(dir, 'data');
    fs.mkdirSync(data);
    const loaded = loadConfig({ configPath: writeTestConfig(dir), dataDir: data });
    const runbooks = makeRunbooks(path.join(dir, 'files')) as RunbookDecl[];
    const db = openOpsDb(data);
    const who = whoAmI(null);
    const store = new IncidentStore(db);
    const local = store.open({ runbook: 'fix-state', who, at: 1000, machine: initialState(runbooks[0]!) });
    const handed = (runbook: string, openedAt: number, originId: number, state: 'open' | 'resolved' = 'open') => ({
      ...store.get(local.id)!, runbook, openedAt, originId, state, alert: null, timeline: [], claim: { by: 'ana@host-a', pid: 7, startTicks: null, host: 'host-a', since: openedAt },
    });
    let mirror: { host: string; incidents: ReturnType<typeof handed>[] } | null = {
      host: 'host-a',
      // The same incident as this host's (it travelled here before), one only the leader has, one it closed.
      incidents: [handed('fix-state', 1000, 3), handed('never-fixed', 2000, 4), handed('escalate-step', 500, 2, 'resolved')],
    };
    const session = new WizardSession({ loaded, db, registry: async () => runbooks, pollMs: 50, leaderPollMs: 50, leaderIncidents: async () => mirror });
    cleanup.push(() => { session.stop(); db.close(); });
    await session.start();
    const s = await until(session, (x) => x.incidents.length === 2, 'the leader\'s incident');
    expect(s.incidents).toEqual([
      expect.objectContaining({ id: local.id, runbook: 'fix-state', mine: true }),
      expect.objectContaining({ id: 4, runbook: 'never-fixed', host: 'host-a', by: 'ana@host-a', mine: false }),
    ]);
    expect(s.incidents[0]!.host).toBeUndefined();
    mirror = null;
    await until(session, (x) => x.incidents.length === 1, 'the leader\'s gone');
  });
});
