import React from 'react';
import { describe, expect, it } from 'vitest';
import { renderMono } from '../test/helpers/render.js';
import { actionFor, type Scope } from '../src/console/keymap.js';
import { Footer } from './Footer.js';
import { HelpOverlay } from './HelpOverlay.js';

const footer = (scope: Scope) => renderMono(<Footer scope={scope} notice={null} />).lastFrame()!;
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
    expect(actionFor('/', 'log')).toBeNull();
    expect(actionFor('/', 'freshness-detail')).toBe('filter');
    expect(actionFor('r', 'jobs-detail')).toBe('run');
    expect(actionFor('w', 'main')).toBeNull();
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
});
