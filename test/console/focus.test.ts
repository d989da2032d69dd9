import { describe, expect, it } from 'vitest';
import { breadcrumb, cyclePanel, editDistance, fitCrumb, logSourceFor, panelForKey, panelNumber, parseCommand, PANELS } from '../../src/console/focus.js';
import { actionFor, bindingsFor, footerFor, footerWidth, KEYMAP } from '../../src/console/keymap.js';
import { editCommand, initialView, reduce, scopeOf, type ViewContext, type ViewState } from '../../src/console/view-state.js';

const ctx = (running: string[] = []): ViewContext => ({
  rowCount: (panel, detail) => (detail ? { coverage: 8, daemon: 5, resources: 3, backups: 2 }[panel as string] ?? 1 : 1),
  selectedJob: () => 'sync',
  runningHere: () => running,
});

describe('the focus ring', () => {
  it('holds all eight panels in reading order, each with its number key', () => {
    expect(PANELS).toEqual(['freshness', 'coverage', 'daemon', 'resources', 'backups', 'jobs', 'alerts', 'log']);
    expect(PANELS.map(panelNumber)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(['1', '4', '5', '8'].map(panelForKey)).toEqual(['freshness', 'resources', 'backups', 'log']);
    expect(['0', '9', 'a', '12', ''].map(panelForKey)).toEqual([null, null, null, null, null]);
  });

  it('Tab goes round forwards, Shift-Tab backwards, both wrapping', () => {
    const visited: string[] = [];
    let panel = initialView.panel;
    for (let i = 0; i < PANELS.length; i++) {
      visited.push(panel);
      panel = reduce({ ...initialView, panel }, 'next-panel', ctx())[0].panel;
    }
    expect(visited).toEqual([...PANELS]);
    expect(panel).toBe('freshness');
    expect(reduce(initialView, 'prev-panel', ctx())[0].panel).toBe('log');
    expect(cyclePanel('log', 1)).toBe('freshness');
    expect(cyclePanel('freshness', -9)).toBe('log');
  });

  it('a number key jumps to its panel and leaves whatever detail or help was open', () => {
    const inDetail: ViewState = { ...initialView, panel: 'daemon', detail: 'daemon', detailRow: 3, help: true };
    const [next] = reduce(inDetail, 'jump', ctx(), '5');
    expect(next).toMatchObject({ panel: 'backups', detail: null, detailRow: 0, help: false });
    expect(reduce(initialView, 'jump', ctx(), 'x')[0]).toBe(initialView);
  });

  it('Enter opens a detail on each of the four panels that had none, Esc comes back to the same focus', () => {
    for (const panel of ['coverage', 'daemon', 'resources', 'backups'] as const) {
      const [opened] = reduce({ ...initialView, panel }, 'open', ctx());
      expect(opened.detail).toBe(panel);
      expect(scopeOf(opened)).toBe(`${panel}-detail`);
      const [moved] = reduce(reduce(opened, 'down', ctx())[0], 'down', ctx());
      expect(moved.detailRow).toBe(panel === 'backups' ? 1 : 2);
      const [back] = reduce(moved, 'back', ctx());
      expect(back).toMatchObject({ panel, detail: null, detailRow: 0 });
    }
  });
});

describe('the : prompt', () => {
  it('names a panel by its name, another word for it, a prefix that names one, or its number', () => {
    expect(parseCommand('backups')).toEqual({ kind: 'panel', panel: 'backups' });
    expect(parseCommand('  Jobs ')).toEqual({ kind: 'panel', panel: 'jobs' });
    expect(parseCommand('daemon')).toEqual({ kind: 'panel', panel: 'daemon' });
    expect(parseCommand('cpu')).toEqual({ kind: 'panel', panel: 'resources' });
    expect(parseCommand('heart')).toEqual({ kind: 'panel', panel: 'daemon' });
    expect(parseCommand('4')).toEqual({ kind: 'panel', panel: 'resources' });
    expect(parseCommand('q')).toEqual({ kind: 'quit' });
    expect(parseCommand('help')).toEqual({ kind: 'help' });
    expect(parseCommand('')).toEqual({ kind: 'none' });
  });

  it('refuses what it does not know with the nearest name, or the list when nothing is near', () => {
    expect(parseCommand('jbos')).toEqual({ kind: 'unknown', message: "no command ':jbos' (did you mean :jobs?)" });
    expect(parseCommand('bak')).toMatchObject({ message: "no command ':bak' (did you mean :backups?)" });
    expect(parseCommand('zzzzzz')).toMatchObject({ kind: 'unknown', message: expect.stringContaining('a panel (freshness coverage heartbeat resources backups jobs alerts log), 1-8, or q') });
    // `r` starts `resources`, `ram` and `runs`: two panels, so it asks for more.
    expect(parseCommand('r')).toMatchObject({ kind: 'unknown', message: expect.stringContaining('type more of it') });
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('takes a word typed in one chunk, runs it on Enter, keeps a refused one open with why, closes on Esc', () => {
    let [state] = reduce(initialView, 'command', ctx());
    expect(scopeOf(state)).toBe('command');
    [state] = editCommand(state, 'bakups', {}, ctx());
    expect(state.command).toBe('bakups');
    [state] = editCommand(state, '', { return: true }, ctx());
    expect(state.command).toBe('bakups');
    expect(state.commandError).toContain('did you mean :backups?');
    // Fixing it clears the error; the same chunk's Enter runs it.
    [state] = editCommand(state, '\x7f\x7f\x7f\x7f\x7fackups\r', {}, ctx());
    expect(state).toMatchObject({ panel: 'backups', command: null, commandError: null, detail: null });
    [state] = editCommand({ ...initialView, command: 'jo' }, '', { escape: true }, ctx());
    expect(state).toMatchObject({ panel: 'freshness', command: null });
  });

  it(':q quits as q does: asking first while a job started here runs', () => {
    expect(editCommand({ ...initialView, command: 'q' }, '\r', {}, ctx())[1]).toEqual({ kind: 'exit' });
    const [asked, effect] = editCommand({ ...initialView, command: 'quit' }, '\r', {}, ctx(['sync']));
    expect(effect).toEqual({ kind: 'none' });
    expect(asked.confirm).toEqual({ kind: 'quit', running: ['sync'] });
  });
});

describe('the keymap for the new views', () => {
  it('every new detail has its scope: rows, the number keys, : and back; nothing of the main view', () => {
    for (const scope of ['coverage-detail', 'daemon-detail', 'resources-detail', 'backups-detail'] as const) {
      expect(actionFor('j', scope)).toBe('down');
      expect(actionFor('3', scope)).toBe('jump');
      expect(actionFor(':', scope)).toBe('command');
      expect(actionFor('esc', scope)).toBe('back');
      expect(actionFor('r', scope)).toBeNull();
      expect(actionFor('tab', scope)).toBeNull();
      expect(footerFor(scope).map((k) => k.label)).toEqual(['help', 'row', 'back']);
    }
    expect(actionFor('enter', 'command')).toBe('go');
    expect(footerFor('command')).toEqual([{ keys: 'enter', label: 'go' }, { keys: 'esc', label: 'cancel' }]);
  });

  it('the help of the main view lists the number keys as one range, short enough for 80 columns', () => {
    const jump = bindingsFor('main').find((b) => b.action === 'jump')!;
    expect(jump.label).toBe('1-8');
    expect(jump.help).toBe('go to panel N, in reading order (1 Freshness … 8 Log)');
    expect(KEYMAP.filter((b) => b.action === 'jump').flatMap((b) => b.keys)).toEqual(PANELS.map((p) => String(panelNumber(p))));
    // At 80 columns the help's text column holds 54 characters: the new keys say all they need within it.
    for (const b of bindingsFor('main').filter((x) => x.action === 'jump' || x.action === 'command')) expect(b.help.length, b.help).toBeLessThanOrEqual(54);
  });
});

describe('the breadcrumb and the log that follows the focus', () => {
  it('names the panel, then what is selected or opened there, leaving out what is not', () => {
    expect(breadcrumb('backups', 'hot 2026-11-30 02:00')).toBe('Backups › hot 2026-11-30 02:00');
    expect(breadcrumb('jobs', 'sync', 'run 5', 'log')).toBe('Jobs › sync › run 5 › log');
    expect(breadcrumb('daemon', null, undefined)).toBe('Heartbeat');
    expect(breadcrumb('resources')).toBe('CPU/RAM');
  });

  it('is cut to the room the key hints leave, so they are never pushed off; left out when too little is left', () => {
    expect(footerWidth('backups-detail')).toBe('? help  down row  esc back'.length);
    const crumb = 'Backups › hot 2026-11-30 02:00';
    expect(fitCrumb(crumb, 80, footerWidth('backups-detail'))).toBe(crumb);
    expect(fitCrumb(crumb, 40, 25)).toBe('Backups ›…');
    expect(fitCrumb(crumb, 80, 70)).toBeNull();
    expect(fitCrumb(null, 200, 0)).toBeNull();
  });

  it('the job\'s log only while Jobs has the focus; the backup job under Backups, the daemon under Heartbeat; the Log panel keeps what it shows', () => {
    const jobs = ['sync', 'backup'];
    expect(logSourceFor('jobs', 'sync', jobs, true)).toEqual({ kind: 'job', job: 'sync' });
    expect(logSourceFor('alerts', 'sync', jobs, true)).toEqual({ kind: 'engine' });
    expect(logSourceFor('backups', 'sync', jobs, true)).toEqual({ kind: 'job', job: 'backup' });
    expect(logSourceFor('backups', 'sync', ['sync'], true)).toEqual({ kind: 'engine' });
    expect(logSourceFor('daemon', 'sync', jobs, true)).toEqual({ kind: 'daemon' });
    expect(logSourceFor('daemon', 'sync', jobs, false)).toEqual({ kind: 'engine' });
    expect(logSourceFor('log', 'sync', jobs, true)).toBeNull();
  });
});
