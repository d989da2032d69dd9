import { Box } from 'ink';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { helpLines } from '../src/console/keymap.js';
import { renderMono } from '../test/helpers/render.js';
import { helpColumns, HelpOverlay } from './HelpOverlay.js';

describe('HelpOverlay', () => {
  it('one column while the keys fit the rows it has, two when they do not', () => {
    expect(helpColumns(15, 21)).toBe(1);
    expect(helpColumns(16, 21)).toBe(1);
    expect(helpColumns(17, 21)).toBe(2);
    expect(helpColumns(40, undefined)).toBe(1);
  });

  it('in two columns at 80x24 every key of the main view is still there, the legend too', () => {
    const frame = renderMono(<Box width={80} height={14}><HelpOverlay scope="main" height={14} /></Box>).lastFrame()!;
    const lines = frame.split('\n');
    expect(lines.length).toBeLessThanOrEqual(14);
    for (const b of helpLines('main')) expect(frame, b.help).toContain(b.label ?? b.keys.slice(0, 2).join(' '));
    expect(frame).toContain('Statuses:');
    // Side by side: the first key and the one after the middle share a row, a cut text never runs into the next column.
    const half = Math.ceil(helpLines('main').length / 2);
    const right = helpLines('main')[half]!;
    expect(lines.find((l) => l.includes('show or hide this help'))).toMatch(new RegExp(`show or hide this help\\s+${right.keys[0]}\\s`));
    expect(frame).not.toMatch(/…\S/);
  });
});
