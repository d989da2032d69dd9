/**
 * The keys of the runbook screens (the list of runbooks and the wizard), declared once as the
 * dashboard's are in keymap.ts: the wizard's footer and its `?` help are rendered from this list.
 */
import type { KeyBinding } from './keymap.js';

export type WizardActionId =
  | 'help' | 'back' | 'up' | 'down' | 'open' | 'step' | 'skip' | 'abort' | 'yes' | 'no' | 'take-over' | 'submit' | 'cancel-word' | 'quit';

/**
 * runbooks: the list (R); wizard: a run, its step gate or its outcome; wizard-confirm: a plan
 * waits for y/n; wizard-type: a destructive plan waits for its word; wizard-watch: another console
 * works the incident (read-only); wizard-help: the help.
 */
export type WizardScope = 'runbooks' | 'wizard' | 'wizard-confirm' | 'wizard-type' | 'wizard-watch' | 'wizard-help';

export interface WizardBinding extends Omit<KeyBinding, 'action' | 'scopes'> {
  action: WizardActionId;
  scopes: WizardScope[];
}

const RUN_SCOPES: WizardScope[] = ['wizard', 'wizard-confirm', 'wizard-type', 'wizard-watch'];

export const WIZARD_KEYMAP: readonly WizardBinding[] = [
  { keys: ['enter'], action: 'open', footer: 'start', help: 'open the selected runbook (a new incident, or the open one)', scopes: ['runbooks'] },
  { keys: ['down', 'j'], action: 'down', footer: 'row', help: 'next runbook', scopes: ['runbooks'] },
  { keys: ['up', 'k'], action: 'up', help: 'previous runbook', scopes: ['runbooks'] },
  { keys: ['enter'], action: 'step', footer: 'run/continue', help: 'run the current step, or continue', scopes: ['wizard'] },
  { keys: ['y'], action: 'yes', footer: 'yes', help: 'yes to the plan shown (or to resume, or to take over)', scopes: ['wizard-confirm'] },
  { keys: ['n'], action: 'no', footer: 'no', help: 'no (the default): nothing is changed, the run stops there', scopes: ['wizard-confirm'] },
  { keys: ['enter'], action: 'submit', footer: 'confirm', help: 'a destructive step: type its word, then Enter', scopes: ['wizard-type'] },
  { keys: ['esc'], action: 'cancel-word', footer: 'no', help: 'do not confirm the destructive step (the run stops there)', scopes: ['wizard-type'] },
  { keys: ['s'], action: 'skip', footer: 'skip', help: 'skip the current step where the runbook allows it (recorded in the timeline)', scopes: ['wizard'] },
  { keys: ['x'], action: 'abort', footer: 'abort', help: 'abort the run (recorded; the incident closes as aborted)', scopes: ['wizard', 'wizard-confirm'] },
  { keys: ['t'], action: 'take-over', footer: 'take over', help: 'take the incident over from the console working it (asks first)', scopes: ['wizard-watch'] },
  { keys: ['?'], action: 'help', footer: 'help', help: 'show or hide this help', scopes: ['runbooks', 'wizard', 'wizard-confirm', 'wizard-watch', 'wizard-help'] },
  { keys: ['esc', 'q'], action: 'back', footer: 'dashboard', help: 'back to the dashboard; a run goes on in the background (the header shows it)', scopes: ['runbooks', 'wizard', 'wizard-watch', 'wizard-help'] },
  { keys: ['esc'], action: 'back', help: 'back to the dashboard; the plan waits for its answer', scopes: ['wizard-confirm'] },
  { keys: ['ctrl-c'], action: 'quit', help: 'quit the console (an unfinished run is offered for resume next time)', scopes: [...RUN_SCOPES, 'runbooks', 'wizard-help'] },
];

export function wizardActionFor(name: string, scope: WizardScope): WizardActionId | null {
  return WIZARD_KEYMAP.find((b) => b.scopes.includes(scope) && b.keys.includes(name))?.action ?? null;
}

/** The footer of `scope`; `s` is left out where the current step may not be skipped. */
export function wizardFooter(scope: WizardScope, options: { skippable?: boolean } = {}): { keys: string; label: string }[] {
  return WIZARD_KEYMAP.filter((b) => b.footer && b.scopes.includes(scope) && (b.action !== 'skip' || options.skippable !== false))
    .map((b) => ({ keys: b.keys[0]!, label: b.footer! }));
}

/** The help of the runbook screens: every binding of these scopes, once. */
export function wizardHelp(): { keys: string; help: string }[] {
  const seen = new Set<string>();
  return WIZARD_KEYMAP.filter((b) => {
    const id = `${b.keys.join()}:${b.action}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  }).map((b) => ({ keys: b.keys.join(' / '), help: b.help }));
}
