import React from 'react';
import { describe, expect, it } from 'vitest';
import { health } from '../test/helpers/console-fixtures.js';
import { renderMono } from '../test/helpers/render.js';
import { CoveragePanel } from './CoveragePanel.js';

describe('CoveragePanel', () => {
  it('shows x/60 per interval and names the missing symbols', () => {
    const missing = health((s) => (s.symbol === 'ETHUSDT' && s.interval === '4h' ? { lastOpenTime: null, ageMs: null, status: 'unknown' } : {}));
    const frame = renderMono(<CoveragePanel health={missing} />).lastFrame()!;
    expect(frame).toMatch(/15m\s+✔ 60\/60/);
    expect(frame).toMatch(/4h\s+▲ 59\/60 missing ETHUSDT/);
  });
});
