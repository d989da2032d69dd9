import { Box } from 'ink';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { engine, health, model } from '../test/helpers/console-fixtures.js';
import { renderMono } from '../test/helpers/render.js';
import { Header, roleText } from './Header.js';
import { HealthRow } from './HealthRow.js';
import { PROBE_IDS } from '../src/health/probe-ids.js';
import type { ProbeResult } from '../src/health/types.js';

describe('Header', () => {
  it('host, data dir, role, UTC clock and overall status in words', () => {
    const frame = renderMono(<Header model={model({ health: health((s) => (s.symbol === 'BTCUSDT' && s.interval === '1d' ? { status: 'critical', ageMs: 9e8 } : {})) })} />).lastFrame()!;
    expect(frame).toContain('box │ /srv/cfa │ leader');
    // The status is the health's, not the role's, and names the probe that set it.
    expect(frame).toMatch(/leader .*health ✖ CRITICAL freshness │ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    const follower = renderMono(<Header model={model({ engine: engine({ role: 'follower', leader: { holderId: 'x', pid: 77, startTicks: 1, host: 'db1', acquiredAt: 0, renewedAt: 0, expiresAt: 0 } }) })} />).lastFrame()!;
    expect(follower).toContain('follower of PID 77@db1');
    expect(follower).not.toContain('epoch');
  });

  it('with the lease in PostgreSQL: the leader on another host with its epoch, none on any host, or unknown when PostgreSQL does not answer', () => {
    const a = { holderId: 'x', pid: 77, startTicks: 1, host: 'a', epoch: 3, acquiredAt: 0, renewedAt: 0, expiresAt: 0 };
    expect(roleText(engine({ role: 'follower', leaseIn: 'PostgreSQL', leader: a }))).toBe('follower of PID 77@a, epoch 3');
    expect(roleText(engine({ role: 'follower', leaseIn: 'PostgreSQL', leader: null }))).toBe('follower (no leader on any host)');
    expect(roleText(engine({ role: 'follower', leaseIn: 'PostgreSQL', leader: null, leaseProblem: 'the lease in PostgreSQL failed at postgres://h/db: timeout' })))
      .toBe('follower (leader unknown: PostgreSQL not answering)');
    expect(roleText(engine({ role: 'follower', leader: null }))).toBe('follower (no leader)');
    expect(roleText(engine({ role: 'leader', leaseIn: 'PostgreSQL', leader: a }))).toBe('leader');
    expect(roleText(null)).toBe('starting');
    const frame = renderMono(<Header model={model({ engine: engine({ role: 'follower', leaseIn: 'PostgreSQL', leader: a }) })} />).lastFrame()!;
    expect(frame).toContain('box │ /srv/cfa │ follower of PID 77@a, epoch 3');
  });

  it('a game-day drill says so first, in words (colour carries nothing alone); no banner otherwise', () => {
    const drill = renderMono(<Header model={model({})} drill="db-corruption" />).lastFrame()!;
    expect(drill).toMatch(/^ +DRILL db-corruption  cfa-console │ box/);
    expect(renderMono(<Header model={model({})} />).lastFrame()!).not.toContain('DRILL');
  });

  it('a warning from a probe no panel shows: the header names it and the Health row shows it with its finding', () => {
    const probes: ProbeResult[] = PROBE_IDS.map((id) => ({
      id, title: id, status: id === 'size' ? 'warn' : 'ok', value: null, threshold: null, unit: 'none',
      detail: id === 'size' ? 'market.db 1.2 GB, warn at 1 GB' : 'fine', offenders: [],
    }));
    const m = model({ health: { ...health(), probes, overall: 'warn' } });
    expect(renderMono(<Header model={m} />).lastFrame()).toMatch(/health ▲ WARN size │/);
    const row = renderMono(<HealthRow health={m.health} />).lastFrame()!;
    expect(row).toMatch(/^ Health ▲ size \(market\.db 1\.2 GB, warn at 1 GB\)  ✔ integrity/);
    // The probes the panels show are not repeated here.
    expect(row).not.toContain('freshness');
  });

  it('at 80 columns the role stays whole and the causes give way, on either backend', () => {
    const critical = health((s) => (s.interval === '1d' ? { status: 'critical', ageMs: 9e8 } : {}));
    const probes = critical.probes.map((p) => ({ ...p, status: 'critical' as const }));
    const sick = { ...critical, probes: [...probes, { ...probes[0]!, id: 'size' }, { ...probes[0]!, id: 'integrity' }] };
    const at80 = (m: ReturnType<typeof model>) => renderMono(<Box width={80}><Header model={m} columns={80} /></Box>).lastFrame()!.split('\n')[0]!;
    const a = { holderId: 'x', pid: 4242, startTicks: 1, host: 'a', epoch: 3, acquiredAt: 0, renewedAt: 0, expiresAt: 0 };

    const sqlite = at80(model({ health: sick, engine: engine({ role: 'follower', leader: { ...a, epoch: undefined, host: 'db1', pid: 77 } }) }));
    expect(sqlite).toContain('│ follower of PID 77@db1 ');
    expect(sqlite).toMatch(/health ✖ CRITICAL (.*… )?│ \d\d:\d\d:\d\d UTC$/);
    expect(Array.from(sqlite).length).toBeLessThanOrEqual(80);

    const leader = at80(model({ health: sick }));
    expect(leader).toMatch(/│ leader .*health ✖ CRITICAL/);

    // PostgreSQL, the leader on host a: its host and epoch stay, the PID (on `status`) gives way.
    const pg = at80(model({ host: 'b', health: sick, engine: engine({ role: 'follower', leaseIn: 'PostgreSQL', leader: a }) }));
    expect(pg).toContain('cfa-console │ b │ follower of a, epoch 3 ');
    expect(pg).toMatch(/health ✖ CRITICAL │ \d\d:\d\d:\d\d UTC$/);
  });
});
