import React from 'react';
import { describe, expect, it } from 'vitest';
import type { WizardRun, WizardStep } from '../src/console/wizard.js';
import { renderMono } from '../test/helpers/render.js';
import { IncidentBadge, incidentBadgeText } from './IncidentBadge.js';
import { RunbookList } from './RunbookList.js';
import { clipPlan, stepWindow, Wizard } from './Wizard.js';
import { WizardFooter, WizardHelp } from './WizardFooter.js';

function step(id: string, state: WizardStep['state'], over: Partial<WizardStep> = {}): WizardStep {
  return { id, title: `Step ${id}`, kind: 'action', risk: 'read', why: `Why ${id}.`, skippable: false, state, summary: null, ...over };
}

function run(over: Partial<WizardRun> = {}): WizardRun {
  return {
    runbookId: 'db-corruption', title: 'market.db corrupted', incidentId: 3, alert: { id: 7, rule: 'db-corruption' },
    steps: [
      step('integrity', 'done', { summary: 'damaged: 2 problems' }),
      step('pause', 'skipped', { summary: 'skipped: by hand', risk: 'mutate' }),
      step('recover', 'current', { risk: 'destructive', why: 'The damaged files go to quarantine, never deleted.' }),
      step('validate', 'pending', { risk: 'mutate' }),
      step('page', 'failed', { summary: 'no channel' }),
    ],
    position: { index: 3, total: 5 }, phase: 'steps', output: ['step step=detect status=warn', 'ok: pause: nothing to pause'],
    prompt: { kind: 'step', stepId: 'recover', title: 'Step recover', skippable: false, risk: 'destructive' },
    finished: null, watching: null, error: null, ...over,
  };
}

const PLAN = ['Restore market.db from backup #4?', '  backup         #4 (hot) 2h old', '  size           128.0 KB', '  newest candle  2026-07-01T11:45:00Z', '  1. pause the writers', '  2. quarantine the damaged files'];

describe('Wizard', () => {
  it('the step list with a symbol and word per state, "step k of n", the incident and alert, the why and the live output', () => {
    const frame = renderMono(<Wizard run={run()} typed="" width={80} height={21} />).lastFrame()!;
    expect(frame).toContain('Runbook db-corruption: market.db corrupt');
    expect(frame).toMatch(/incident #3 │ alert #7 │ step 3 of 5/);
    expect(frame).toMatch(/✔ +1 Step integrity done: damaged: 2 problems/);
    expect(frame).toMatch(/▲ +2 Step pause \[mutate\] skipped: skipped: by hand/);
    expect(frame).toMatch(/▶ +3 Step recover \[destructive\] next/);
    expect(frame).toMatch(/· +4 Step validate \[mutate\]/);
    expect(frame).toMatch(/✖ +5 Step page failed: no channel/);
    expect(frame).toContain('Why: The damaged files go to quarantine, never deleted.');
    expect(frame).toMatch(/Enter run \(destructive: asks before changing anything\) {2}x abort/);
    expect(frame).toContain('ok: pause: nothing to pause');
  });

  it('a destructive plan: its numbers and the word being typed; a mutating one asks y/N', () => {
    const typed = renderMono(<Wizard run={run({ prompt: { kind: 'confirm', title: PLAN[0]!, lines: PLAN, risk: 'destructive', word: 'restore' } })} typed="rest" width={80} height={21} />).lastFrame()!;
    for (const line of PLAN.slice(1)) expect(typed).toContain(line.trim());
    expect(typed).toContain('✖ Restore market.db from backup #4?');
    expect(typed).toContain('Type restore and Enter to go ahead (Esc: no): rest▏');
    expect(typed).not.toContain('Why:');
    const yn = renderMono(<Wizard run={run({ prompt: { kind: 'confirm', title: 'Validate?', lines: ['Validate?', '  series  8'], risk: 'mutate', word: null } })} typed="" width={80} height={21} />).lastFrame()!;
    expect(yn).toContain('▲ Validate?');
    expect(yn).toContain('Go ahead? [y/N]');
  });

  it('fits 80x24: a plan taller than the room keeps its first lines and says how many are left out', () => {
    const long = ['Title?', ...Array.from({ length: 30 }, (_, i) => `  fact ${i}`)];
    const frame = renderMono(<Wizard run={run({ prompt: { kind: 'confirm', title: 'Title?', lines: long, risk: 'destructive', word: 'restore' } })} typed="" width={80} height={21} />).lastFrame()!;
    expect(frame.split('\n').length).toBeLessThanOrEqual(21);
    expect(frame).toMatch(/… \d+ more line\(s\)/);
    expect(frame).toContain('Type restore');
    expect(clipPlan(['a', 'b', 'c'], 3)).toEqual(['a', 'b', 'c']);
    expect(clipPlan(['a', 'b', 'c', 'd'], 3)).toEqual(['a', 'b', '… 2 more line(s): enlarge the terminal to see them']);
  });

  it('a long runbook shows a window of steps around the current one', () => {
    const steps = Array.from({ length: 20 }, (_, i) => step(`s${i}`, i < 12 ? 'done' : i === 12 ? 'current' : 'pending'));
    expect(stepWindow(steps, 9)).toEqual({ from: 8, to: 17 });
    expect(stepWindow(steps.slice(0, 5), 9)).toEqual({ from: 0, to: 5 });
    const frame = renderMono(<Wizard run={run({ steps, position: { index: 13, total: 20 } })} typed="" width={80} height={21} />).lastFrame()!;
    expect(frame).toContain('steps 9-17 of 20');
    expect(frame.split('\n').length).toBeLessThanOrEqual(21);
  });

  it('the outcome with the report command; read-only while another console works it; the resume offer', () => {
    const done = renderMono(<Wizard run={run({ prompt: null, finished: { outcome: 'resolved', reason: null } })} typed="" width={80} height={21} />).lastFrame()!;
    expect(done).toContain('✔ resolved: the steady-state probe passes');
    expect(done).toContain('report: cfa-console incident report 3');
    const escalated = renderMono(<Wizard run={run({ prompt: null, finished: { outcome: 'escalated', reason: 'steady state not reached' } })} typed="" width={80} height={21} />).lastFrame()!;
    expect(escalated).toContain('✖ escalated: steady state not reached');
    const watched = renderMono(<Wizard run={run({ prompt: null, watching: { by: 'ana@db1', since: Date.UTC(2026, 10, 30, 3, 4, 5) } })} typed="" width={80} height={21} />).lastFrame()!;
    expect(watched).toContain('▲ read-only: being worked by ana@db1 since 2026-11-30T03:04:05Z');
    expect(watched).toContain('t takes it over');
    const resume = renderMono(<Wizard run={run({ prompt: { kind: 'resume', incidentId: 3, at: 'Step recover' } })} typed="" width={80} height={21} />).lastFrame()!;
    expect(resume).toContain('▲ interrupted: incident #3 stopped at "Step recover". Resume it there? [y/N]');
  });
});

describe('WizardFooter, WizardHelp, RunbookList, IncidentBadge', () => {
  it('the footer shows the keys of what the run waits for, the help every key', () => {
    expect(renderMono(<WizardFooter scope="wizard" />).lastFrame()).toMatch(/enter run\/continue {2}s skip {2}x abort {2}\? help {2}esc dashboard/);
    expect(renderMono(<WizardFooter scope="wizard-type" />).lastFrame()).toMatch(/enter confirm {2}esc no/);
    expect(renderMono(<WizardFooter scope="wizard" skippable={false} />).lastFrame()).toMatch(/enter run\/continue {2}x abort/);
    expect(renderMono(<WizardFooter scope="wizard-watch" />).lastFrame()).toContain('t take over');
    const help = renderMono(<WizardHelp />).lastFrame()!;
    expect(help).toContain('skip the current step where the runbook allows it');
    expect(help).toContain('a destructive step: type its word, then Enter');
  });

  it('every runbook with auto/manual and what opens it; an open incident marked', () => {
    const frame = renderMono(<RunbookList runbooks={[
      { id: 'daemon-dead', title: 'The daemon died', opensOn: ['daemon-dead'], automatic: true, steps: 5 },
      { id: 'db-corruption', title: 'market.db corrupted', opensOn: ['db-corruption'], automatic: true, steps: 7 },
    ]} incidents={[{ id: 4, runbook: 'db-corruption', by: null, since: null, mine: false, step: 'recover' }]} selected={1} height={10} />).lastFrame()!;
    expect(frame).toMatch(/ daemon-dead +auto +The daemon died/);
    expect(frame).toMatch(/›db-corruption +auto +market\.db corrupted +▲ incident #4 open/);
    const leaders = renderMono(<RunbookList runbooks={[{ id: 'stale-data', title: 'Data stale', opensOn: ['data-stale'], automatic: true, steps: 5 }]}
      incidents={[{ id: 9, runbook: 'stale-data', by: null, since: null, mine: false, step: null, host: 'host-a' }]} selected={0} height={10} />).lastFrame()!;
    expect(leaders).toMatch(/▲ incident #9 open on host-a/);
  });

  it('the badge: worked here, by somebody else, or interrupted', () => {
    const b = (over: object) => ({ id: 4, runbook: 'db-corruption', by: null, since: null, mine: false, step: null, ...over });
    expect(incidentBadgeText([b({ mine: true, by: 'me@box' })])).toBe('▲ incident #4 db-corruption');
    expect(incidentBadgeText([b({ by: 'ana@db1' }), b({ id: 5 })])).toBe('▲ incident #4 db-corruption +1 (by ana@db1)');
    expect(incidentBadgeText([b({})])).toBe('▲ incident #4 db-corruption (interrupted: R resumes)');
    expect(incidentBadgeText([])).toBeNull();
    // The leader's, mirrored from another host: worked there, not resumed here.
    expect(incidentBadgeText([b({ host: 'host-a' })])).toBe('▲ incident #4 db-corruption (on host-a)');
    expect(renderMono(<IncidentBadge incidents={[b({})]} />).lastFrame()).toContain('▲ incident #4');
  });
});
