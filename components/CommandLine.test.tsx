import React from 'react';
import { describe, expect, it } from 'vitest';
import { renderMono } from '../test/helpers/render.js';
import { CommandLine } from './CommandLine.js';
import { Footer } from './Footer.js';

describe('CommandLine and the breadcrumb', () => {
  it('the prompt shows the text typed, why the last command was refused, and its own keys only', () => {
    const frame = renderMono(<CommandLine text="jbos" error="no command ':jbos' (did you mean :jobs?)" />).lastFrame()!;
    expect(frame).toMatch(/^ :jbos▏\s+✖ no command ':jbos' \(did you mean :jobs\?\)\s+enter go {2}esc cancel/);
    expect(frame).not.toContain('help');
  });

  it('the footer leads with where one is, then the view\'s keys', () => {
    const frame = renderMono(<Footer scope="backups-detail" crumb="Backups › hot 2026-11-30 02:00" />).lastFrame()!;
    expect(frame).toMatch(/^ Backups › hot 2026-11-30 02:00 │ \? help {2}down row {2}esc back$/);
    expect(renderMono(<Footer scope="main" />).lastFrame()).toMatch(/^ \? help/);
  });
});
