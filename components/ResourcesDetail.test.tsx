import React from 'react';
import { Box } from 'ink';
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

  it('a whole hour of samples fits an 80-column terminal: charts as wide as the room left, nothing cut', () => {
    // On a minute: the first of 240 samples 15 s apart is 15 s into its minute, so they touch 61 minutes.
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const hour = (value: (i: number) => number) => Array.from({ length: 240 }, (_, i) => ({ at: now - (239 - i) * 15_000, value: value(i) }));
    const frame = renderMono(<Box width={80}><ResourcesDetail width={76} row={0} height={20} resources={{
      hostCpu: hour((i) => i % 100), hostMemBytes: hour(() => 3 * 2 ** 30), hostMemTotalBytes: 2 ** 33,
      daemonCpu: hour((i) => (i * 7) % 100), daemonRssBytes: hour(() => 900 * 2 ** 20),
    }} /></Box>).lastFrame()!;
    expect(frame).not.toContain('…');
    const chart = /host cpu.* ([▁-█]+) *║/.exec(frame)![1]!;
    expect(chart.length).toBe(25);
    expect(frame).toContain('61 minutes sampled');
  });

  it('before the first sample it says it is sampling', () => {
    expect(renderMono(<ResourcesDetail resources={null} row={0} height={10} width={76} />).lastFrame()).toContain('? sampling…');
  });
});
