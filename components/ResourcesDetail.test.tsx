import React from 'react';
import { describe, expect, it } from 'vitest';
import { renderMono } from '../test/helpers/render.js';
import { ResourcesDetail } from './ResourcesDetail.js';

describe('ResourcesDetail', () => {
  it('each series with now, min, avg and max and a chart; then a minute a row, newest first', () => {
    const now = Date.now();
    const points = (values: number[]) => values.map((value, i) => ({ at: now - (values.length - 1 - i) * 60_000, value }));
    const frame = renderMono(<ResourcesDetail width={96} row={0} height={16} resources={{
      hostCpu: points([10, 50, 30]), hostMemBytes: points([2 ** 30, 2 ** 30, 2 ** 30]), hostMemTotalBytes: 2 ** 32,
      daemonCpu: [], daemonRssBytes: points([40 * 2 ** 20, 60 * 2 ** 20, 50 * 2 ** 20]),
    }} />).lastFrame()!;
    expect(frame).toContain('CPU/RAM: the last hour');
    expect(frame).toContain('3 minutes sampled');
    expect(frame).toMatch(/host cpu\s+30%\s+min\s+10% avg\s+30% max\s+50%\s+[▁-█]{2,}/);
    expect(frame).toMatch(/bt {3}cpu\s+-\s+min\s+- avg\s+- max\s+-/);
    expect(frame).toMatch(/bt {3}rss\s+50M\s+min\s+40M avg\s+50M max\s+60M/);
    const rows = frame.split('\n').filter((l) => /\d{4}-\d\d-\d\d \d\d:\d\d\s+\d+%/.test(l));
    expect(rows.map((l) => /\d\d:\d\d\s+(\d+)%/.exec(l)![1])).toEqual(['30', '50', '10']);
  });

  it('before the first sample it says it is sampling', () => {
    expect(renderMono(<ResourcesDetail resources={null} row={0} height={10} width={76} />).lastFrame()).toContain('? sampling…');
  });
});
