import { cyclePanel, panelForKey, parseCommand, PANELS, type Panel } from './focus.js';
import type { ActionId, Scope } from './keymap.js';
import { editLine, type LineKey } from './line-edit.js';
import { moveRow } from './list-nav.js';
import { followTail, moveLog, type LogScroll } from './log-scroll.js';

export { PANELS, type Panel } from './focus.js';

export type Confirm = { kind: 'run'; job: string } | { kind: 'quit'; running: string[] };

export interface ViewState {
  panel: Panel;
  rows: Record<Panel, number>;
  detail: Panel | null;
  detailRow: number;
  help: boolean;
  /** The symbol filter (heatmap and every series). */
  filter: string;
  /** The prompt is open: keys type into the view's filter (the symbols', or the log view's). */
  filtering: boolean;
  /** The log view's filter: only the lines that contain it (any case). */
  logFilter: string;
  /** The Jobs panel's filter: the jobs whose name contains it (any case). */
  jobFilter: string;
  /** The Alerts panel's filter: the alerts whose rule or summary contains it (any case). */
  alertFilter: string;
  /** The focused panel fills the screen. */
  zoom: boolean;
  confirm: Confirm | null;
  /** In the log view (detail 'log'): the run whose log it shows; null: the log panel's. */
  logRun: number | null;
  log: LogScroll;
  /** The `:` prompt's text; null while it is closed. */
  command: string | null;
  /** Why the last command was refused (the prompt stays open to fix it). */
  commandError: string | null;
}

export const initialView: ViewState = {
  panel: 'freshness',
  rows: Object.fromEntries(PANELS.map((p) => [p, 0])) as Record<Panel, number>,
  detail: null,
  detailRow: 0,
  help: false,
  filter: '',
  filtering: false,
  logFilter: '',
  jobFilter: '',
  alertFilter: '',
  zoom: false,
  confirm: null,
  logRun: null,
  log: followTail,
  command: null,
  commandError: null,
};

export interface ViewContext {
  /** How many rows the focused panel or detail has, to keep the selection inside it. */
  rowCount(panel: Panel, detail: boolean): number;
  selectedJob(state: ViewState): string | null;
  runningHere(): string[];
  /** The runbook of the selected alert, when it has one: Enter opens it instead of the detail. */
  alertRunbook?(state: ViewState): { runbook: string; alertId: number } | null;
  /** The run selected in a job's runs, to open its log. */
  selectedRun?(state: ViewState): number | null;
  /** The log view's display rows and window height, to keep its scroll inside the log. */
  logSize?(state: ViewState): { total: number; height: number };
  /** Rows the focused list shows at once, for PgUp/PgDn. */
  pageSize?(state: ViewState): number;
}

/** What the shell must do besides showing the new state. */
export type Effect =
  | { kind: 'none' }
  | { kind: 'exit' }
  | { kind: 'run-job'; job: string }
  | { kind: 'ack-alert' }
  | { kind: 'redraw' }
  /** The runbook wizard: an alert's runbook with the alert, or (runbook null) the list of runbooks. */
  | { kind: 'runbook'; runbook: string | null; alertId: number | null };

const none: Effect = { kind: 'none' };

/** The scope the keys are read in; `underHelp`: the view the help was opened over, whose keys it lists. */
export function scopeOf(v: ViewState, underHelp = false): Scope {
  if (v.confirm) return 'confirm';
  if (v.command !== null) return 'command';
  if (v.help && !underHelp) return 'help';
  if (v.detail === 'log') return 'log';
  return v.detail ? `${v.detail}-detail` : 'main';
}

/** The main view with `panel` focused: whatever detail, help or prompt was open is closed. */
function focus(state: ViewState, panel: Panel): ViewState {
  return { ...state, panel, detail: null, detailRow: 0, logRun: null, log: followTail, help: false, command: null, commandError: null };
}

/** Key actions as pure state transitions, tested without a terminal. `key`: the key pressed (the number keys say which panel). */
export function reduce(state: ViewState, action: ActionId, ctx: ViewContext, key = ''): [ViewState, Effect] {
  switch (action) {
    case 'help':
      return [{ ...state, help: !state.help }, none];
    case 'redraw':
      return [state, { kind: 'redraw' }];
    case 'back':
      if (state.help) return [{ ...state, help: false }, none];
      // From a run's log back to the job's runs, on the same run.
      if (state.detail === 'log' && state.logRun !== null) return [{ ...state, detail: 'jobs', logRun: null, log: followTail, logFilter: '' }, none];
      return [{ ...state, detail: null, detailRow: 0, logRun: null, log: followTail, logFilter: '' }, none];
    case 'next-panel':
    case 'prev-panel':
      return [{ ...state, panel: cyclePanel(state.panel, action === 'next-panel' ? 1 : -1) }, none];
    case 'jump': {
      const panel = panelForKey(key);
      return panel ? [focus(state, panel), none] : [state, none];
    }
    case 'command':
      return [{ ...state, command: '', commandError: null }, none];
    case 'go':
      return runCommand(state, ctx);
    case 'wrap':
      if (state.detail !== 'log') return [state, none];
      return [{ ...state, log: moveLog(state.log, action, ctx.logSize?.(state).total ?? 0, ctx.logSize?.(state).height ?? 1) }, none];
    case 'page-up':
    case 'page-down':
    case 'top':
    case 'bottom':
    case 'up':
    case 'down': {
      if (state.detail === 'log') {
        const size = ctx.logSize?.(state) ?? { total: 0, height: 1 };
        return [{ ...state, log: moveLog(state.log, action, size.total, size.height) }, none];
      }
      const page = ctx.pageSize?.(state) ?? 10;
      if (state.detail) {
        return [{ ...state, detailRow: moveRow(state.detailRow, action, ctx.rowCount(state.detail, true), page) }, none];
      }
      const row = moveRow(state.rows[state.panel], action, ctx.rowCount(state.panel, false), page);
      return [{ ...state, rows: { ...state.rows, [state.panel]: row } }, none];
    }
    case 'zoom':
      return [state.detail ? state : { ...state, zoom: !state.zoom }, none];
    case 'open': {
      if (state.detail === 'jobs') {
        const run = ctx.selectedRun?.(state) ?? null;
        return run === null ? [state, none] : [{ ...state, detail: 'log', logRun: run, log: followTail }, none];
      }
      if (state.detail) return [state, none];
      const opens = state.panel === 'alerts' ? ctx.alertRunbook?.(state) ?? null : null;
      if (opens) return [state, { kind: 'runbook', runbook: opens.runbook, alertId: opens.alertId }];
      return [{ ...state, detail: state.panel, detailRow: 0, logRun: null, log: followTail }, none];
    }
    case 'runbooks':
      return [{ ...state, detail: null, help: false }, { kind: 'runbook', runbook: null, alertId: null }];
    case 'filter':
      // In the log view, its lines; on the Jobs or Alerts panel, its list; elsewhere the symbols,
      // whose heatmap is then in view.
      if (state.detail === 'log') return [{ ...state, filtering: true, log: followTail }, none];
      if (listFilterOf(state)) return [{ ...state, filtering: true }, none];
      return [{ ...state, filtering: true, panel: state.detail ? state.panel : 'freshness' }, none];
    case 'run': {
      const job = ctx.selectedJob(state);
      return job ? [{ ...state, confirm: { kind: 'run', job } }, none] : [state, none];
    }
    case 'ack':
      return state.panel === 'alerts' ? [state, { kind: 'ack-alert' }] : [state, none];
    case 'quit': {
      const running = ctx.runningHere();
      if (running.length > 0 && !state.confirm) return [{ ...state, confirm: { kind: 'quit', running } }, none];
      return [state, { kind: 'exit' }];
    }
    case 'confirm': {
      const c = state.confirm;
      if (!c) return [state, none];
      const next = { ...state, confirm: null };
      return c.kind === 'run' ? [next, { kind: 'run-job', job: c.job }] : [next, { kind: 'exit' }];
    }
    case 'cancel':
      return [{ ...state, confirm: null, command: null, commandError: null }, none];
    case 'left':
    case 'right':
      return [state, none];
  }
}

/** The filter `/` edits in the main view with Jobs or Alerts focused; null elsewhere. */
export function listFilterOf(state: ViewState): 'jobFilter' | 'alertFilter' | null {
  if (state.detail) return null;
  return state.panel === 'jobs' ? 'jobFilter' : state.panel === 'alerts' ? 'alertFilter' : null;
}

/**
 * Typing into the filter: the symbols' takes letters and digits (upper-cased), the log view's and
 * the jobs' and alerts' any printable text. Backspace, Enter keeps, Esc clears.
 */
export function editFilter(state: ViewState, input: string, key: LineKey): ViewState {
  const list = listFilterOf(state);
  if (list) {
    // The selection goes back to the first row the filter keeps: the rows under it have changed.
    const edit = editLine(state[list], input, key);
    const rows = { ...state.rows, [state.panel]: 0 };
    if (edit.ended === 'cancel') return { ...state, filtering: false, [list]: '', rows };
    return { ...state, [list]: edit.value, filtering: edit.ended === null, rows: edit.value === state[list] ? state.rows : rows };
  }
  if (state.detail === 'log') {
    const edit = editLine(state.logFilter, input, key);
    if (edit.ended === 'cancel') return { ...state, filtering: false, logFilter: '', log: followTail };
    return { ...state, logFilter: edit.value, filtering: edit.ended === null, log: followTail };
  }
  const edit = editLine(state.filter, input, key, (ch) => /^[a-z0-9]$/i.test(ch));
  if (edit.ended === 'cancel') return { ...state, filtering: false, filter: '' };
  return { ...state, filter: edit.value.toUpperCase(), filtering: edit.ended === null };
}

/** What Enter at the `:` prompt does: go to the panel named, quit, open the help; a word it does not know keeps the prompt open with why. */
function runCommand(state: ViewState, ctx: ViewContext): [ViewState, Effect] {
  const command = parseCommand(state.command ?? '');
  const closed = { ...state, command: null, commandError: null };
  switch (command.kind) {
    case 'panel': return [focus(state, command.panel), none];
    case 'quit': return reduce(closed, 'quit', ctx);
    case 'help': return [{ ...closed, help: true }, none];
    case 'none': return [closed, none];
    case 'unknown': return [{ ...state, commandError: command.message }, none];
  }
}

/** Typing at the `:` prompt: any printable text; Enter runs it, Esc closes the prompt. A new key clears the last error. */
export function editCommand(state: ViewState, input: string, key: LineKey, ctx: ViewContext): [ViewState, Effect] {
  const edit = editLine(state.command ?? '', input, key);
  if (edit.ended === 'cancel') return [{ ...state, command: null, commandError: null }, none];
  if (edit.ended === 'submit') return runCommand({ ...state, command: edit.value }, ctx);
  return [{ ...state, command: edit.value, commandError: edit.value === state.command ? state.commandError : null }, none];
}
