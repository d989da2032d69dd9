import { Box } from 'ink';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { health, INTERVALS } from '../test/helpers/console-fixtures.js';
import { renderMono } from '../test/helpers/render.js';
import { FreshnessPanel } from './FreshnessPanel.js';

const HOUR = 3_600_000;

describe('FreshnessPanel', () => {
  it('healthy: every cell a dot and says every series is within its threshold', () => {
    const { lastFrame } = renderMono(<FreshnessPanel health={health()} intervals={INTERVALS} filter="" filtering={false} focused width={90} />);
    const frame = lastFrame()!;
    expect(frame).toContain('▶ Freshness');
    expect(frame).toMatch(/15m\s+·{60}/);
    expect(frame).toContain('✔ every series within its threshold');
    expect(frame).toContain('✔240 ▲0 ✖0 ?0');
  });

  it('stale: marks the cell with a symbol and names the worst series with their ages', () => {
    const stale = health((s) => (s.symbol === 'ETHUSDT' && s.interval === '1h' ? { ageMs: 9 * HOUR, status: 'critical' }
      : s.symbol === 'BTCUSDT' && s.interval === '15m' ? { ageMs: 40 * 60_000, status: 'warn' } : {}));
    const frame = renderMono(<FreshnessPanel health={stale} intervals={INTERVALS} filter="" filtering={false} focused={false} width={90} />).lastFrame()!;
    expect(frame).toMatch(/15m\s+▲·{59}/);
    expect(frame).toMatch(/1h\s+·✖·{58}/);
    expect(frame).toContain('worst: ✖ ETHUSDT 1h 9h, ▲ BTCUSDT 15m 40m');
    expect(frame).not.toContain('▶');
  });

  it('missing: an empty series is a question mark, and the filter narrows the columns', () => {
    const missing = health((s) => (s.symbol === 'BTCUSDT' ? { lastOpenTime: null, ageMs: null, status: 'unknown' } : {}));
    const frame = renderMono(<FreshnessPanel health={missing} intervals={INTERVALS} filter="BTC" filtering={false} focused width={90} />).lastFrame()!;
    expect(frame).toMatch(/1d\s+\?\s/);
    expect(frame).toContain('filter: BTC');
    expect(frame).toContain('? BTCUSDT 15m no data');
  });

  it('before the first health check says it is waiting', () => {
    expect(renderMono(<FreshnessPanel health={null} intervals={INTERVALS} filter="" filtering={false} focused width={90} />).lastFrame()).toContain('? waiting for the first health check');
  });

  it('ranks the worst series against each interval\'s limit, as the freshness probe does', () => {
    // Both critical: the 15m series is 4x its 1h limit, the 1d series older but only 1.25x its 4d limit.
    const stale = health((s) => (s.symbol === 'ETHUSDT' && s.interval === '1d' ? { ageMs: 5 * 24 * HOUR, status: 'critical' }
      : s.symbol === 'BTCUSDT' && s.interval === '15m' ? { ageMs: 4 * HOUR, status: 'critical' } : {}));
    const criticalMs = { '15m': HOUR, '1h': 6 * HOUR, '4h': 24 * HOUR, '1d': 4 * 24 * HOUR };
    const frame = renderMono(<FreshnessPanel health={stale} intervals={INTERVALS} filter="" filtering={false} focused width={90} criticalMs={criticalMs} />).lastFrame()!;
    expect(frame).toContain('worst: ✖ BTCUSDT 15m 4h, ✖ ETHUSDT 1d 5d');
  });

  it('says in its title how old the leader\'s snapshot is when it is stale', () => {
    const frame = renderMono(<FreshnessPanel health={health()} intervals={INTERVALS} filter="" filtering={false} focused width={90}
      note="▲ health from the leader is 3m old (PID 4242@db1)" />).lastFrame()!;
    expect(frame).toContain('▲ health from the leader is 3m old (PID 4242@db1)');
    expect(frame).not.toContain('✔240');
  });

  it('a filter that matches nothing says so, not empty rows over "every series within its threshold"', () => {
    const frame = renderMono(<FreshnessPanel health={health()} intervals={INTERVALS} filter="XRP" filtering={false} focused width={76} />).lastFrame()!;
    expect(frame).toContain("no symbol matches 'XRP'");
    expect(frame).not.toContain('every series within its threshold');
    expect(frame).not.toMatch(/^║ 15m/m);
  });

  it('labels the cells with the symbols when few remain, at 80 columns too', () => {
    const stale = health((s) => (s.symbol === 'ETHUSDT' && s.interval === '1h' ? { ageMs: 9 * HOUR, status: 'critical' } : {}));
    const frame = renderMono(<FreshnessPanel health={stale} intervals={INTERVALS} filter="USDT" filtering={false} focused width={76} />).lastFrame()!;
    // 60 symbols still match: bare cells.
    expect(frame).toMatch(/15m\s+·{60}/);
    const two = renderMono(<FreshnessPanel health={stale} intervals={INTERVALS} filter="TH" filtering={false} focused width={76} />).lastFrame()!;
    expect(two).toMatch(/1h {2}✖ ETHUSDT/);
    expect(two).toMatch(/15m · ETHUSDT/);
  });

  it('wider cells on a wide terminal: 60 symbols across a 136-column panel take two columns each', () => {
    const frame = renderMono(<Box width={140}><FreshnessPanel health={health()} intervals={INTERVALS} filter="" filtering={false} focused width={136} /></Box>).lastFrame()!;
    expect(frame).toMatch(/15m (· ){59}·/);
    expect(frame).not.toContain('+');
  });
});
