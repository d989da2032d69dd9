/**
 * Every key the console answers to, declared once: the footer and the `?` help are rendered from
 * this list, so they cannot drift from what the keys do.
 */
export type ActionId =
  | 'help' | 'quit' | 'back' | 'next-panel' | 'prev-panel' | 'up' | 'down' | 'left' | 'right'
  | 'open' | 'run' | 'filter' | 'ack' | 'redraw' | 'confirm' | 'cancel' | 'runbooks'
  | 'page-up' | 'page-down' | 'top' | 'bottom' | 'wrap' | 'zoom' | 'jump' | 'command' | 'go';

/**
 * Where the keys are read: the main view, each detail view (`log`: a run's log, or the log
 * panel's, whole screen), a confirmation, the help. A binding works, and is shown in the footer
 * and the help, only in its scopes.
 */
export type Scope = 'main' | 'freshness-detail' | 'coverage-detail' | 'daemon-detail' | 'resources-detail' | 'backups-detail'
  | 'jobs-detail' | 'alerts-detail' | 'log' | 'confirm' | 'help' | 'command';

const DETAILS: Scope[] = ['freshness-detail', 'coverage-detail', 'daemon-detail', 'resources-detail', 'backups-detail', 'jobs-detail', 'alerts-detail', 'log'];
/** Details with a list to move through. */
const ROW_DETAILS: Scope[] = ['freshness-detail', 'coverage-detail', 'daemon-detail', 'resources-detail', 'backups-detail', 'jobs-detail'];
/** The views with a list to move through (the jobs and alerts panels, and the details with rows). */
const LISTS: Scope[] = ['main', ...ROW_DETAILS];

export interface KeyBinding {
  keys: string[];
  action: ActionId;
  /** Short footer label; bindings without one are only in the help. */
  footer?: string;
  /** How footer and help write the keys when they are a range (`1-8`), instead of the first key or every key. */
  label?: string;
  help: string;
  scopes: Scope[];
  /** Bindings of one group share a line of the help (the group's text), so the help fits 80x24. */
  group?: string;
}

/** The list moves: one line of the help. */
const MOVE = 'a row, the first or last; pgup pgdn a page (arrows, home, end too)';
/** How the help writes the list moves' keys (the rest are in the text: the column is narrow at 80x24). */
const MOVE_KEYS = 'j k g G';

export const KEYMAP: readonly KeyBinding[] = [
  { keys: ['?'], action: 'help', footer: 'help', help: 'show or hide this help', scopes: ['main', ...DETAILS, 'help'] },
  { keys: ['tab', 'l', 'right'], action: 'next-panel', footer: 'panel', help: 'next panel', scopes: ['main'] },
  { keys: ['shift-tab', 'h', 'left'], action: 'prev-panel', help: 'previous panel', scopes: ['main'] },
  // The main view's footer is full at 80 columns: its rows keys are in the help.
  { keys: ['down', 'j'], action: 'down', help: 'next row', scopes: ['main'], group: MOVE },
  { keys: ['down', 'j'], action: 'down', footer: 'row', help: 'next row', scopes: ROW_DETAILS, group: MOVE },
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
  { keys: ['enter'], action: 'open', footer: 'open', help: 'open the focused panel\'s detail (every series\' age, coverage per series, the daemon\'s events, the resource history, every backup, a job\'s runs); a run\'s log; on an alert, its runbook (the wizard)', scopes: ['main', 'jobs-detail'] },
  { keys: ['1', '2', '3', '4', '5', '6', '7', '8'], label: '1-8', action: 'jump', help: 'go to panel N, in reading order (1 Freshness … 8 Log)', scopes: ['main', ...DETAILS] },
  // Footers are full at 80 columns: `:` and the number keys are in the help (`?`).
  { keys: [':'], action: 'command', help: 'go to a panel by name (:backups, :cpu, :4); :q quits', scopes: ['main', ...DETAILS] },
  { keys: ['enter'], action: 'go', footer: 'go', help: 'go to the panel typed', scopes: ['command'] },
  { keys: ['esc'], action: 'cancel', footer: 'cancel', help: 'close the prompt', scopes: ['command'] },
  { keys: ['R'], action: 'runbooks', help: 'every runbook, to start one by hand (or go back to the one in progress)', scopes: ['main', ...DETAILS] },
  { keys: ['r'], action: 'run', footer: 'run job', help: 'run the selected job now (asks first; goes through the job\'s lock)', scopes: ['main', 'jobs-detail'] },
  { keys: ['/'], action: 'filter', footer: 'filter', help: 'filter the focused list: jobs, alerts, else the symbols; Enter keeps, Esc clears', scopes: ['main'] },
  { keys: ['/'], action: 'filter', footer: 'filter', help: 'filter the symbols shown (Enter keeps it, Esc clears it)', scopes: ['freshness-detail'] },
  { keys: ['/'], action: 'filter', footer: 'filter', help: 'show only the lines that contain a text (Enter keeps it, Esc clears it)', scopes: ['log'] },
  { keys: ['a'], action: 'ack', footer: 'ack', help: 'acknowledge the selected alert', scopes: ['main', 'alerts-detail'] },
  { keys: ['ctrl-l'], action: 'redraw', help: 'redraw the screen', scopes: ['main', ...DETAILS, 'help', 'confirm'] },
  { keys: ['y'], action: 'confirm', footer: 'yes', help: 'yes', scopes: ['confirm'] },
  { keys: ['n', 'esc'], action: 'cancel', footer: 'no', help: 'no', scopes: ['confirm'] },
  { keys: ['esc', 'q'], action: 'back', footer: 'back', help: 'back to the view before', scopes: [...DETAILS, 'help'] },
  { keys: ['z'], action: 'zoom', footer: 'zoom', help: 'zoom the focused panel to the whole screen, and back', scopes: ['main'] },
  { keys: ['q'], action: 'quit', footer: 'quit', help: 'quit (asks first when a job started here is still running)', scopes: ['main'] },
  { keys: ['ctrl-c'], action: 'quit', help: 'quit at once', scopes: ['main', ...DETAILS, 'help', 'confirm', 'command'] },
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

/**
 * The help's lines for one view: a binding a line, the bindings of a group as one binding whose
 * keys are all of theirs (labelled short) and whose text is the group's.
 */
export function helpLines(scope: Scope): KeyBinding[] {
  const lines: KeyBinding[] = [];
  for (const b of bindingsFor(scope)) {
    const last = lines.at(-1);
    if (b.group && last?.group === b.group) lines[lines.length - 1] = { ...last, keys: [...last.keys, ...b.keys] };
    else lines.push(b.group ? { ...b, label: MOVE_KEYS, help: b.group } : b);
  }
  return lines;
}

export function footerFor(scope: Scope): { keys: string; label: string }[] {
  return KEYMAP.filter((b) => b.footer && b.scopes.includes(scope)).map((b) => ({ keys: b.label ?? b.keys[0]!, label: b.footer! }));
}

/** Columns the footer's key hints take (`? help  down row`): what a breadcrumb before them must leave. */
export function footerWidth(scope: Scope): number {
  const hints = footerFor(scope);
  return hints.reduce((n, h) => n + h.keys.length + 1 + h.label.length, 0) + 2 * Math.max(0, hints.length - 1);
}
