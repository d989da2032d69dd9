/**
 * The runbook screens' view state as pure transitions: which screen shows (none: the dashboard,
 * the list of runbooks, the wizard), the list's row, the help, and the word being typed for a
 * destructive step. The session side (wizard.ts) holds the run; this holds only what the keys do
 * to the view, tested without a terminal.
 */
import { editLine, type LineKey } from './line-edit.js';
import type { WizardAnswer, WizardPrompt, WizardRun } from './wizard.js';
import type { WizardActionId, WizardScope } from './wizard-keys.js';

export type WizardScreen = 'none' | 'runbooks' | 'wizard';

export interface WizardViewState {
  screen: WizardScreen;
  row: number;
  help: boolean;
  /** What has been typed for a destructive step's word. */
  typed: string;
}

export const initialWizardView: WizardViewState = { screen: 'none', row: 0, help: false, typed: '' };

export type WizardEffect =
  | { kind: 'none' }
  | { kind: 'open'; runbook: string }
  | { kind: 'answer'; answer: WizardAnswer }
  | { kind: 'take-over' }
  /** Left the wizard: a finished or watched run is forgotten, a running one goes on. */
  | { kind: 'leave' }
  | { kind: 'quit' };

const none: WizardEffect = { kind: 'none' };

/** Which keys apply: from the screen, the help and what the run waits for. */
export function wizardScope(state: WizardViewState, run: WizardRun | null): WizardScope {
  if (state.help) return 'wizard-help';
  if (state.screen === 'runbooks') return 'runbooks';
  const prompt = run?.prompt;
  if (prompt?.kind === 'confirm') return prompt.word ? 'wizard-type' : 'wizard-confirm';
  if (prompt?.kind === 'resume' || prompt?.kind === 'take-over') return 'wizard-confirm';
  if (run?.watching) return 'wizard-watch';
  return 'wizard';
}

/** Opening the wizard from an alert or the list: a fresh word, no help. */
export function showWizard(state: WizardViewState): WizardViewState {
  return { ...state, screen: 'wizard', help: false, typed: '' };
}

export function reduceWizard(
  state: WizardViewState, action: WizardActionId, ctx: { run: WizardRun | null; runbooks: readonly { id: string }[] },
): [WizardViewState, WizardEffect] {
  const prompt: WizardPrompt | null = ctx.run?.prompt ?? null;
  switch (action) {
    case 'help':
      return [{ ...state, help: !state.help }, none];
    case 'quit':
      return [state, { kind: 'quit' }];
    case 'back':
      if (state.help) return [{ ...state, help: false }, none];
      return [{ ...state, screen: 'none', typed: '' }, state.screen === 'wizard' ? { kind: 'leave' } : none];
    case 'up':
    case 'down': {
      const count = ctx.runbooks.length;
      const row = Math.max(0, Math.min(count - 1, state.row + (action === 'down' ? 1 : -1)));
      return [{ ...state, row }, none];
    }
    case 'open': {
      const runbook = ctx.runbooks[state.row];
      return runbook ? [showWizard(state), { kind: 'open', runbook: runbook.id }] : [state, none];
    }
    case 'step':
      // Enter continues a step gate; on a finished run it closes the wizard.
      if (prompt?.kind === 'step') return [state, { kind: 'answer', answer: 'run' }];
      if (ctx.run?.finished || ctx.run?.error) return [{ ...state, screen: 'none' }, { kind: 'leave' }];
      return [state, none];
    case 'skip':
      return prompt?.kind === 'step' && prompt.skippable ? [state, { kind: 'answer', answer: 'skip' }] : [state, none];
    case 'abort':
      return ctx.run && !ctx.run.finished && !ctx.run.watching ? [state, { kind: 'answer', answer: 'abort' }] : [state, none];
    case 'yes':
      return prompt ? [state, { kind: 'answer', answer: 'yes' }] : [state, none];
    case 'no':
      return prompt ? [state, { kind: 'answer', answer: 'no' }] : [state, none];
    case 'take-over':
      return ctx.run?.watching ? [state, { kind: 'take-over' }] : [state, none];
    case 'submit':
      return [{ ...state, typed: '' }, { kind: 'answer', answer: { word: state.typed } }];
    case 'cancel-word':
      return [{ ...state, typed: '' }, { kind: 'answer', answer: 'no' }];
  }
}

/**
 * Typing a destructive step's word: printable characters, Backspace, Ctrl-U; Enter answers with
 * the word typed (the session compares it), Esc says no. A chunk of several characters counts whole.
 */
export function typeWord(state: WizardViewState, input: string, key: LineKey): [WizardViewState, WizardEffect] {
  const edit = editLine(state.typed, input, key);
  if (edit.ended === 'cancel') return [{ ...state, typed: '' }, { kind: 'answer', answer: 'no' }];
  if (edit.ended === 'submit') return [{ ...state, typed: '' }, { kind: 'answer', answer: { word: edit.value } }];
  return [{ ...state, typed: edit.value }, none];
}
