import React from 'react';
import { describe, expect, it } from 'vitest';
import { engine, health, model } from '../test/helpers/console-fixtures.js';
import { renderMono } from '../test/helpers/render.js';
import { Header } from './Header.js';

describe('Header', () => {
  it('host, data dir, role, UTC clock and overall status in words', () => {
    const frame = renderMono(<Header model={model({ health: health((s) => (s.symbol === 'BTCUSDT' && s.interval === '1d' ? { status: 'critical', ageMs: 9e8 } : {})) })} />).lastFrame()!;
    expect(frame).toContain('box │ /srv/cfa │ leader');
    expect(frame).toMatch(/✖ CRITICAL │ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    const follower = renderMono(<Header model={model({ engine: engine({ role: 'follower', leader: { holderId: 'x', pid: 77, startTicks: 1, host: 'db1', acquiredAt: 0, renewedAt: 0, expiresAt: 0 } }) })} />).lastFrame()!;
    expect(follower).toContain('follower of PID 77@db1');
  });

  it('a game-day drill says so first, in words (colour carries nothing alone); no banner otherwise', () => {
    const drill = renderMono(<Header model={model({})} drill="db-corruption" />).lastFrame()!;
    expect(drill).toMatch(/^ +DRILL db-corruption  cfa-console │ box/);
    expect(renderMono(<Header model={model({})} />).lastFrame()!).not.toContain('DRILL');
  });
});
