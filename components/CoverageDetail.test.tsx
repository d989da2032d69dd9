import React from 'react';
import { describe, expect, it } from 'vitest';
import { health } from '../test/helpers/console-fixtures.js';
import { renderMono } from '../test/helpers/render.js';
import { CoverageDetail } from './CoverageDetail.js';

describe('CoverageDetail', () => {
  it('every series, the missing and gapped ones first, with the selected row marked and the interval totals on top', () => {
    const h = health((s) => (s.symbol === 'ETHUSDT' && s.interval === '1h' ? { lastOpenTime: null, ageMs: null, status: 'critical' } : {}));
    h.gaps = [{ symbol: 'S07USDT', interval: '4h', fromOpenTime: 0, toOpenTime: 4 * 3_600_000, missing: 2 }];
    const frame = renderMono(<CoverageDetail health={h} row={1} height={12} />).lastFrame()!;
    expect(frame).toContain('Coverage: every series (240; 1 missing, 1 with gaps)');
    expect(frame).toMatch(/15m ✔ 60\/60  1h ▲ 59\/60/);
    expect(frame).toMatch(/ETHUSDT\s+1h\s+✖ missing\s+-\s+0\s+0/);
    expect(frame).toMatch(/S07USDT\s+4h\s+▲ gaps\s+2026-11-25 00:00\s+1\s+2/);
    // A window of the 240 rows: height 12 leaves 7 table rows.
    expect(frame.split('\n').filter((l) => /USDT\s+\d+[mhd]\s/.test(l))).toHaveLength(7);
  });

  it('before the first health check it says so', () => {
    expect(renderMono(<CoverageDetail health={null} row={0} height={10} />).lastFrame()).toContain('? no health check yet');
  });
});
