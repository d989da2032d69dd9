import { describe, expect, it } from 'vitest';
import { clockText, clockWidth, fitHeader, headerWidth, type HeaderFit, type HeaderParts } from '../../src/console/header-layout.js';

// A SQLite follower on host `box` whose health is critical on two probes.
const parts = (patch: Partial<HeaderParts> = {}): HeaderParts => {
  const columns = patch.columns ?? 80;
  return {
    columns, drill: null, badgeWidth: 0, host: 'box', dataDir: '/srv/cfa', role: 'follower of PID 77@db1', shortRole: 'follower of db1',
    status: '✖ CRITICAL', causes: 'freshness, size', clockWidth: clockWidth(columns), ...patch,
  };
};
const whole = (p: HeaderParts): HeaderFit => ({ dataDir: p.dataDir, causes: p.causes, role: p.role });

describe('the header\'s layout', () => {
  it('a line that fits is shown whole', () => {
    const p = parts({ columns: 140 });
    expect(headerWidth(p)).toBeLessThanOrEqual(140);
    expect(fitHeader(p)).toEqual(whole(p));
  });

  it('the role stays whole: the causes are shortened first, with an ellipsis, to exactly the width', () => {
    const p = parts({ columns: headerWidth(parts({ columns: 80 })) - 5 });
    const fit = fitHeader(p);
    expect(fit).toMatchObject({ dataDir: '/srv/cfa', role: p.role, causes: 'freshness…' });
    expect(headerWidth(p, fit)).toBe(p.columns);
  });

  it('the tail of the causes first, then the data dir from its start, then the first cause down to a bare ellipsis', () => {
    const dir = '/var/lib/cfa-console/data';
    const p0 = parts({ dataDir: dir, clockWidth: 12 });
    const at = (f: Partial<HeaderFit>) => headerWidth(p0, { ...whole(p0), ...f });
    // The tail of the causes.
    const tail = parts({ dataDir: dir, clockWidth: 12, columns: at({}) - 3 });
    expect(fitHeader(tail)).toEqual({ ...whole(tail), causes: 'freshness, …' });
    // Down to the first cause; then the data dir gives way, from its start.
    const dirCut = parts({ dataDir: dir, clockWidth: 12, columns: at({ causes: 'freshness…' }) - 5 });
    const fit = fitHeader(dirCut);
    expect(fit.causes).toBe('freshness…');
    expect(fit.dataDir).toMatch(/^…/);
    expect(dir.endsWith(fit.dataDir!.slice(1))).toBe(true);
    expect(headerWidth(dirCut, fit)).toBe(dirCut.columns);
    // With no data dir left, the first cause, down to a bare `…`; the role still whole.
    const bare = parts({ dataDir: dir, clockWidth: 12, columns: at({ causes: '…', dataDir: null }) });
    expect(fitHeader(bare)).toEqual({ dataDir: null, causes: '…', role: bare.role });
  });

  it('at 80 columns: SQLite\'s follower and leader keep their role whole however many causes', () => {
    for (const role of ['follower of PID 77@db1', 'leader']) {
      const p = parts({ role, causes: 'freshness +3' });
      const fit = fitHeader(p);
      expect(fit.role).toBe(role);
      expect(headerWidth(p, fit)).toBeLessThanOrEqual(80);
    }
  });

  it('at 80 columns a follower of a leader on another host (postgres) keeps who leads and its epoch: the PID goes last', () => {
    const p = parts({ host: 'b', role: 'follower of PID 4242@a, epoch 3', shortRole: 'follower of a, epoch 3' });
    const fit = fitHeader(p);
    expect(fit).toEqual({ dataDir: null, causes: '', role: 'follower of a, epoch 3' });
    expect(headerWidth(p, fit)).toBeLessThanOrEqual(80);
    // Healthy, the status word is short and the whole role fits.
    const ok = parts({ host: 'b', role: p.role, shortRole: p.shortRole, status: '✔ OK', causes: '' });
    expect(fitHeader(ok).role).toBe(p.role);
  });

  it('a drill banner and an incident badge count against the room', () => {
    const none = parts({ causes: '' });
    expect(headerWidth(parts({ drill: 'db-corruption', badgeWidth: 20, causes: '' }))).toBe(headerWidth(none) + ' DRILL db-corruption '.length + 1 + 3 + 20);
    expect(fitHeader(parts({ columns: 130, drill: 'db-corruption' })).causes.length).toBeLessThan(fitHeader(parts({ columns: 130 })).causes.length);
  });

  it('the clock leaves out the date under 100 columns, and says how many cells it takes', () => {
    const t = Date.UTC(2026, 11, 1, 0, 45, 49);
    expect(clockText(t, 100)).toBe('2026-12-01 00:45:49 UTC');
    expect(clockText(t, 99)).toBe('00:45:49 UTC');
    expect(clockWidth(80)).toBe(12);
    expect(clockWidth(120)).toBe(23);
  });
});
