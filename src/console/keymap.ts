/**
 * Every key the console answers to, declared once: the footer and the `?` help are rendered from
 * this list, so they cannot drift from what the keys do.
 */
export type ActionId =
  | 'help' | 'quit' | 'back' | 'next-panel' | 'prev-panel' | 'up' | 'down' | 'left' | 'right'
  | 'open' | 'run' | 'filter' | 'ack' | 'redraw' | 'confirm' | 'cancel' | 'runbooks'
  | 'page-up' | 'page-down' | 'top' | 'bottom' | 'wrap' | 'zoom';

/**
 * Where the keys are read: the main view, each detail view (`log`: a run's log, or the log
 * panel's, whole screen), a confirmation, the help. A binding works, and is shown in the footer
 * and the help, only in its scopes.
 */
export type Scope = 'main' | 'freshness-detail' | 'jobs-detail' | 'alerts-detail' | 'log' | 'confirm' | 'help';

const DETAILS: Scope[] = ['freshness-detail', 'jobs-detail', 'alerts-detail', 'log'];
/** The views with a list to move through (the jobs and alerts panels; every series; a job's runs). */
const LISTS: Scope[] = ['main', 'freshness-detail', 'jobs-detail'];

export interface KeyBinding {
  keys: string[];
  action: ActionId;
  /** Short footer label; bindings without one are only in the help. */
  footer?: string;
  help: string;
  scopes: Scope[];
  /** Bindings of one group share a line of the help (the group's text), so the help fits 80x24. */
  group?: string;
}

/** The list moves: one line of the help. */
const MOVE = 'move: a row, a page, to the first or last';

export const KEYMAP: readonly KeyBinding[] = [
  { keys: ['?'], action: 'help', footer: 'help', help: 'show or hide this help', scopes: ['main', ...DETAILS, 'help'] },
  { keys: ['tab', 'l', 'right'], action: 'next-panel', footer: 'panel', help: 'next panel', scopes: ['main'] },
  { keys: ['shift-tab', 'h', 'left'], action: 'prev-panel', help: 'previous panel', scopes: ['main'] },
  // The main view's footer is full at 80 columns: its rows keys are in the help.
  { keys: ['down', 'j'], action: 'down', help: 'next row', scopes: ['main'], group: MOVE },
  { keys: ['down', 'j'], action: 'down', footer: 'row', help: 'next row', scopes: ['freshness-detail', 'jobs-detail'], group: MOVE },
  { keys: ['up', 'k'], action: 'up', help: 'previous row', scopes: LISTS, group: MOVE },
  { keys: ['pgdn'], action: 'page-down', help: 'a page down the list', scopes: LISTS, group: MOVE },
  { keys: ['pgup'], action: 'page-up', help: 'a page up the list', scopes: LISTS, group: MOVE },
  { keys: ['g', 'home'], action: 'top', help: 'first row', scopes: LISTS, group: MOVE },
  { keys: ['G', 'end'], action: 'bottom', help: 'last row', scopes: LISTS, group: MOVE },
  { keys: ['down', 'j'], action: 'down', footer: 'row', help: 'next line', scopes: ['log'] },
  { keys: ['up', 'k'], action: 'up', help: 'previous line', scopes: ['log'] },
  { keys: ['pgdn'], action: 'page-down', footer: 'page', help: 'next page', scopes: ['log'] },
  { keys: ['pgup'], action: 'page-up', help: 'previous page', scopes: ['log'] },
  { keys: ['g', 'home'], action: 'top', help: 'first line', scopes: ['log'] },
  { keys: ['G', 'end'], action: 'bottom', footer: 'follow', help: 'last line, and follow the log as it grows', scopes: ['log'] },
  { keys: ['w'], action: 'wrap', footer: 'wrap', help: 'wrap long lines, or cut them', scopes: ['log'] },
  { keys: ['enter'], action: 'open', footer: 'open', help: 'open the selected item: every series\' age, a job\'s runs and log, a run\'s log; on an alert, its runbook (the wizard)', scopes: ['main', 'jobs-detail'] },
  { keys: ['R'], action: 'runbooks', help: 'every runbook, to start one by hand (or go back to the one in progress)', scopes: ['main', ...DETAILS] },
  { keys: ['r'], action: 'run', footer: 'run job', help: 'run the selected job now (asks first; goes through the job\'s lock)', scopes: ['main', 'jobs-detail'] },
  { keys: ['/'], action: 'filter', footer: 'filter', help: 'filter the symbols shown (Enter keeps it, Esc clears it)', scopes: ['main', 'freshness-detail'] },
  { keys: ['/'], action: 'filter', footer: 'filter', help: 'show only the lines that contain a text (Enter keeps it, Esc clears it)', scopes: ['log'] },
  { keys: ['a'], action: 'ack', footer: 'ack', help: 'acknowledge the selected alert', scopes: ['main', 'alerts-detail'] },
  { keys: ['ctrl-l'], action: 'redraw', help: 'redraw the screen', scopes: ['main', ...DETAILS, 'help', 'confirm'] },
  { keys: ['y'], action: 'confirm', footer: 'yes', help: 'yes', scopes: ['confirm'] },
  { keys: ['n', 'esc'], action: 'cancel', footer: 'no', help: 'no', scopes: ['confirm'] },
  { keys: ['esc', 'q'], action: 'back', footer: 'back', help: 'back to the view before', scopes: [...DETAILS, 'help'] },
  { keys: ['z'], action: 'zoom', footer: 'zoom', help: 'zoom the focused panel to the whole screen, and back', scopes: ['main'] },
  { keys: ['q'], action: 'quit', footer: 'quit', help: 'quit (asks first when a job started here is still running)', scopes: ['main'] },
  { keys: ['ctrl-c'], action: 'quit', help: 'quit at once', scopes: ['main', ...DETAILS, 'help', 'confirm'] },
];

export interface KeyPress {
  upArrow?: boolean; downArrow?: boolean; leftArrow?: boolean; rightArrow?: boolean;
  return?: boolean; escape?: boolean; tab?: boolean; shift?: boolean; ctrl?: boolean;
  pageUp?: boolean; pageDown?: boolean; home?: boolean; end?: boolean;
}

/** Ink's (input, key) as one name from the keymap's vocabulary. */
export function keyName(input: string, key: KeyPress): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.return) return 'enter';
  if (key.pageUp) return 'pgup';
  if (key.pageDown) return 'pgdn';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.escape) return 'esc';
  if (key.tab) return key.shift ? 'shift-tab' : 'tab';
  if (key.ctrl && input) return `ctrl-${input.toLowerCase()}`;
  return input;
}

export function actionFor(name: string, scope: Scope): ActionId | null {
  return KEYMAP.find((b) => b.scopes.includes(scope) && b.keys.includes(name))?.action ?? null;
}

/** The bindings of one view, for its `?` help: the same declaration the footer reads. */
export function bindingsFor(scope: Scope): KeyBinding[] {
  return KEYMAP.filter((b) => b.scopes.includes(scope));
}

/** The help's lines for one view: a binding a line, the bindings of a group on one line. */
export function helpLines(scope: Scope): { keys: string; help: string }[] {
  const lines: { keys: string; help: string; group?: string }[] = [];
  for (const b of bindingsFor(scope)) {
    const last = lines.at(-1);
    const keys = b.keys.join(b.group ? '/' : ' / ');
    if (b.group && last?.group === b.group) last.keys += ` ${keys}`;
    else lines.push({ keys, help: b.group ?? b.help, group: b.group });
  }
  return lines.map(({ keys, help }) => ({ keys, help }));
}

export function footerFor(scope: Scope): { keys: string; label: string }[] {
  return KEYMAP.filter((b) => b.footer && b.scopes.includes(scope)).map((b) => ({ keys: b.keys[0]!, label: b.footer! }));
}
