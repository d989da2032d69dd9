import { describe, expect, it } from 'vitest';
import type { WizardPrompt, WizardRun } from '../../src/console/wizard.js';
import { WIZARD_KEYMAP, wizardActionFor, wizardFooter, wizardHelp } from '../../src/console/wizard-keys.js';
import { actionFor } from '../../src/console/keymap.js';
import { initialView, reduce, type ViewContext, type ViewState } from '../../src/console/view-state.js';
import { initialWizardView, reduceWizard, showWizard, typeWord, wizardScope, type WizardViewState } from '../../src/console/wizard-view.js';

function run(over: Partial<WizardRun> = {}): WizardRun {
  return {
    runbookId: 'db-corruption', title: 'market.db corrupted', incidentId: 3, alert: { id: 7, rule: 'db-corruption' }, steps: [],
    position: { index: 1, total: 7 }, phase: 'steps', output: [], prompt: null, finished: null, watching: null, error: null, ...over,
  };
}

const gate = (skippable = false): WizardPrompt => ({ kind: 'step', stepId: 'a', title: 'A', skippable, risk: 'read' });
const plan = (word: string | null): WizardPrompt => ({ kind: 'confirm', title: 'Restore?', lines: ['Restore?', '  backup  #1'], risk: word ? 'destructive' : 'mutate', word });
const wizard: WizardViewState = showWizard(initialWizardView);
const runbooks = [{ id: 'daemon-dead' }, { id: 'db-corruption' }];

describe('the runbook screens\' view state', () => {
  it('scopes follow what the run waits for: a gate, a y/n plan, a typed word, a watched incident, the help', () => {
    expect(wizardScope(wizard, run({ prompt: gate() }))).toBe('wizard');
    expect(wizardScope(wizard, run({ prompt: plan(null) }))).toBe('wizard-confirm');
    expect(wizardScope(wizard, run({ prompt: plan('restore') }))).toBe('wizard-type');
    expect(wizardScope(wizard, run({ prompt: { kind: 'resume', incidentId: 3, at: 'x' } }))).toBe('wizard-confirm');
    expect(wizardScope(wizard, run({ watching: { by: 'ana@db1', since: 0 } }))).toBe('wizard-watch');
    expect(wizardScope({ ...wizard, help: true }, run({ prompt: gate() }))).toBe('wizard-help');
    expect(wizardScope({ ...initialWizardView, screen: 'runbooks' }, null)).toBe('runbooks');
  });

  it('Enter runs the step at a gate, and closes a finished run', () => {
    expect(reduceWizard(wizard, 'step', { run: run({ prompt: gate() }), runbooks })[1]).toEqual({ kind: 'answer', answer: 'run' });
    const [closed, effect] = reduceWizard(wizard, 'step', { run: run({ finished: { outcome: 'resolved', reason: null } }), runbooks });
    expect(closed.screen).toBe('none');
    expect(effect).toEqual({ kind: 'leave' });
    // While a step runs, Enter does nothing.
    expect(reduceWizard(wizard, 'step', { run: run(), runbooks })[1]).toEqual({ kind: 'none' });
  });

  it('s skips only where the runbook allows it; x aborts a run of this console only', () => {
    expect(reduceWizard(wizard, 'skip', { run: run({ prompt: gate(false) }), runbooks })[1]).toEqual({ kind: 'none' });
    expect(reduceWizard(wizard, 'skip', { run: run({ prompt: gate(true) }), runbooks })[1]).toEqual({ kind: 'answer', answer: 'skip' });
    expect(reduceWizard(wizard, 'abort', { run: run({ prompt: gate() }), runbooks })[1]).toEqual({ kind: 'answer', answer: 'abort' });
    expect(reduceWizard(wizard, 'abort', { run: run({ watching: { by: 'ana@db1', since: 0 } }), runbooks })[1]).toEqual({ kind: 'none' });
    expect(reduceWizard(wizard, 'abort', { run: run({ finished: { outcome: 'aborted', reason: 'x' } }), runbooks })[1]).toEqual({ kind: 'none' });
  });

  it('y and n answer a plan; with no prompt they do nothing', () => {
    expect(reduceWizard(wizard, 'yes', { run: run({ prompt: plan(null) }), runbooks })[1]).toEqual({ kind: 'answer', answer: 'yes' });
    expect(reduceWizard(wizard, 'no', { run: run({ prompt: plan(null) }), runbooks })[1]).toEqual({ kind: 'answer', answer: 'no' });
    expect(reduceWizard(wizard, 'yes', { run: run(), runbooks })[1]).toEqual({ kind: 'none' });
  });

  it('a destructive plan takes its word typed: a chunk at once, Backspace, Enter answers with the word, Esc says no', () => {
    let [s, e] = typeWord(wizard, 'rest', {});
    expect(s.typed).toBe('rest');
    expect(e.kind).toBe('none');
    [s] = typeWord(s, 'x\x7f', {});
    expect(s.typed).toBe('rest');
    [s, e] = typeWord(s, 'ore\r', {});
    expect(s.typed).toBe('');
    expect(e).toEqual({ kind: 'answer', answer: { word: 'restore' } });
    [s, e] = typeWord({ ...wizard, typed: 'resto' }, '', { escape: true });
    expect(e).toEqual({ kind: 'answer', answer: 'no' });
    expect(s.typed).toBe('');
  });

  it('Esc goes back to the dashboard (the run goes on); the help closes first', () => {
    const [helpShown] = reduceWizard(wizard, 'help', { run: run(), runbooks });
    expect(helpShown.help).toBe(true);
    const [helpClosed] = reduceWizard(helpShown, 'back', { run: run(), runbooks });
    expect(helpClosed).toMatchObject({ screen: 'wizard', help: false });
    const [dashboard, effect] = reduceWizard(helpClosed, 'back', { run: run(), runbooks });
    expect(dashboard.screen).toBe('none');
    expect(effect).toEqual({ kind: 'leave' });
  });

  it('the list: rows stay inside it, Enter opens the selected runbook in the wizard', () => {
    const list: WizardViewState = { ...initialWizardView, screen: 'runbooks' };
    let [s] = reduceWizard(list, 'down', { run: null, runbooks });
    [s] = reduceWizard(s, 'down', { run: null, runbooks });
    expect(s.row).toBe(1);
    const [opened, effect] = reduceWizard(s, 'open', { run: null, runbooks });
    expect(opened.screen).toBe('wizard');
    expect(effect).toEqual({ kind: 'open', runbook: 'db-corruption' });
    [s] = reduceWizard(list, 'up', { run: null, runbooks });
    expect(s.row).toBe(0);
  });

  it('t on a watched incident asks to take it over', () => {
    expect(reduceWizard(wizard, 'take-over', { run: run({ watching: { by: 'ana@db1', since: 0 } }), runbooks })[1]).toEqual({ kind: 'take-over' });
    expect(reduceWizard(wizard, 'take-over', { run: run(), runbooks })[1]).toEqual({ kind: 'none' });
  });

  it('keys, footer and help come from one declaration', () => {
    expect(wizardActionFor('enter', 'wizard')).toBe('step');
    expect(wizardActionFor('y', 'wizard')).toBeNull();
    expect(wizardActionFor('y', 'wizard-confirm')).toBe('yes');
    expect(wizardActionFor('s', 'wizard-type')).toBeNull();
    expect(wizardFooter('wizard').map((b) => b.label)).toEqual(['run/continue', 'skip', 'abort', 'help', 'dashboard']);
    const help = wizardHelp();
    for (const b of WIZARD_KEYMAP) expect(help.some((h) => h.help === b.help)).toBe(true);
  });
});

describe('the dashboard\'s ways into the runbooks (view-state.ts)', () => {
  const ctx: ViewContext = {
    rowCount: () => 2, selectedJob: () => null, runningHere: () => [],
    alertRunbook: (s) => (s.rows.alerts === 0 ? { runbook: 'db-corruption', alertId: 7 } : null),
  };

  it('Enter on an alert with a runbook opens it with the alert; one without opens the detail', () => {
    const onAlert: ViewState = { ...initialView, panel: 'alerts' };
    expect(reduce(onAlert, 'open', ctx)).toEqual([onAlert, { kind: 'runbook', runbook: 'db-corruption', alertId: 7 }]);
    const [detail, effect] = reduce({ ...onAlert, rows: { ...onAlert.rows, alerts: 1 } }, 'open', ctx);
    expect(detail.detail).toBe('alerts');
    expect(effect).toEqual({ kind: 'none' });
    // Enter elsewhere still opens the panel's detail.
    expect(reduce(initialView, 'open', ctx)[0].detail).toBe('freshness');
  });

  it('R asks for the runbooks (the list, or the run in progress)', () => {
    const [state, effect] = reduce({ ...initialView, detail: 'jobs' }, 'runbooks', ctx);
    expect(state.detail).toBeNull();
    expect(effect).toEqual({ kind: 'runbook', runbook: null, alertId: null });
    expect(actionFor('R', 'main')).toBe('runbooks');
  });
});
