import React from 'react';
import { describe, expect, it } from 'vitest';
import { renderMono } from '../test/helpers/render.js';
import { actionFor, helpLines, type Scope } from '../src/console/keymap.js';
import { Footer, NoticeLine } from './Footer.js';
import { HelpOverlay } from './HelpOverlay.js';

const footer = (scope: Scope) => renderMono(<Footer scope={scope} />).lastFrame()!;
const help = (scope: Scope) => renderMono(<HelpOverlay scope={scope} />).lastFrame()!;

describe('Footer and help, per view', () => {
  it('an alert\'s detail offers ack and back, not run job, filter or rows', () => {
    const f = footer('alerts-detail');
    expect(f).toContain('a ack');
    expect(f).toContain('esc back');
    for (const absent of ['run job', 'filter', 'row', 'open']) expect(f, f).not.toContain(absent);
    const h = help('alerts-detail');
    expect(h).toContain('acknowledge the selected alert');
    expect(h).not.toContain('run the selected job');
    expect(h).not.toContain('filter the symbols');
  });

  it('the keys the footer and help show are the ones that act there, and no others', () => {
    expect(actionFor('r', 'alerts-detail')).toBeNull();
    expect(actionFor('/', 'alerts-detail')).toBeNull();
    expect(actionFor('/', 'jobs-detail')).toBeNull();
    // The log view's `/` filters its lines.
    expect(actionFor('/', 'log')).toBe('filter');
    expect(actionFor('/', 'freshness-detail')).toBe('filter');
    expect(actionFor('r', 'jobs-detail')).toBe('run');
    expect(actionFor('w', 'main')).toBeNull();
    expect(actionFor('z', 'main')).toBe('zoom');
    expect(actionFor('z', 'jobs-detail')).toBeNull();
  });

  it('every list moves by a page and to its ends: PgUp/PgDn, g/G, Home/End; the help says so', () => {
    for (const scope of ['main', 'freshness-detail', 'jobs-detail', 'log'] as const) {
      expect([actionFor('pgdn', scope), actionFor('pgup', scope)], scope).toEqual(['page-down', 'page-up']);
      expect([actionFor('g', scope), actionFor('home', scope), actionFor('G', scope), actionFor('end', scope)], scope).toEqual(['top', 'top', 'bottom', 'bottom']);
    }
    expect(actionFor('G', 'alerts-detail')).toBeNull();
    // On one line of the help, so the main view's help fits 80x24.
    for (const scope of ['main', 'jobs-detail', 'freshness-detail'] as const) {
      expect(help(scope), scope).toMatch(/j k g G\s+a row, the first or last; pgup pgdn a page \(arrows, home, end too\)/);
    }
    expect(help('log')).toMatch(/G \/ end\s+last line, and follow the log as it grows/);
  });

  it('the main view offers zoom; the log view offers its own filter, the lines', () => {
    expect(footer('main')).toContain('z zoom');
    expect(help('main')).toContain('zoom the focused panel to the whole screen');
    expect(footer('log')).toContain('/ filter');
    expect(help('log')).toContain('show only the lines that contain a text');
    expect(help('log')).not.toContain('filter the symbols');
  });

  it('a job\'s runs offer open and run job; the log view its scroll keys', () => {
    const jobs = footer('jobs-detail');
    expect(jobs).toContain('enter open');
    expect(jobs).toContain('r run job');
    expect(jobs).not.toContain('filter');
    const log = footer('log');
    for (const k of ['pgdn page', 'G follow', 'w wrap', 'esc back']) expect(log, log).toContain(k);
    expect(log).not.toContain('run job');
    const h = help('log');
    expect(h).toContain('wrap long lines');
    expect(h).not.toContain('acknowledge');
  });

  it('the main view keeps its keys, and the help lists them', () => {
    const f = footer('main');
    for (const k of ['? help', 'tab panel', '/ filter', 'q quit']) expect(f, f).toContain(k);
    expect(help('main')).toContain('next panel');
    expect(help('main')).not.toContain('wrap long lines');
  });

  it('the help of every view fits the 19 rows a help has at 80x24, with the status legend', () => {
    for (const scope of ['main', 'freshness-detail', 'jobs-detail', 'alerts-detail', 'log'] as const) {
      expect(helpLines(scope).length + 2, scope).toBeLessThanOrEqual(19);
    }
  });

  it('a notice is a line of its own, so the key hints are never covered', () => {
    const frame = renderMono(<><NoticeLine notice="✔ backup success (run 5)" /><Footer scope="main" /></>).lastFrame()!;
    const [notice, keys] = frame.split('\n');
    expect(notice).toBe(' ✔ backup success (run 5)');
    expect(keys).toMatch(/^ \? help .* q quit$/);
  });
});
