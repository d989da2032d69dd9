import { describe, expect, it } from 'vitest';
import type { HealthSnapshot, HealthStatus, ProbeResult } from '../../src/health/types.js';
import { causeText, headerStatus, healthRowProbes, PANEL_OF_PROBE } from '../../src/console/health-summary.js';
import { PROBE_IDS } from '../../src/health/probe-ids.js';

const probe = (id: string, status: HealthStatus): ProbeResult => ({ id, title: id, status, value: null, threshold: null, unit: 'none', detail: '', offenders: [] });
const snapshot = (probes: ProbeResult[]): HealthSnapshot => ({ at: 0, overall: 'ok', probes, freshness: [], coverage: [] });
const all = (patch: Record<string, HealthStatus> = {}) => snapshot(PROBE_IDS.map((id) => probe(id, patch[id] ?? 'ok')));

describe('the header status and the Health row', () => {
  it('the header names the probe that makes it warn, and that probe is on the Health row', () => {
    const h = all({ size: 'warn' });
    expect(headerStatus(h)).toEqual({ status: 'warn', causes: ['size'] });
    expect(healthRowProbes(h)[0]?.id).toBe('size');
  });

  it('every probe is on a panel or on the Health row, never on both', () => {
    const row = healthRowProbes(all()).map((p) => p.id);
    for (const id of PROBE_IDS) expect(row.includes(id) !== (id in PANEL_OF_PROBE), id).toBe(true);
  });

  it('critical outranks warn; several causes are named short', () => {
    const h = all({ size: 'warn', freshness: 'critical', disk: 'critical', logs: 'critical' });
    expect(headerStatus(h)).toEqual({ status: 'critical', causes: ['freshness', 'logs', 'disk'] });
    expect(causeText(['freshness', 'logs', 'disk'])).toBe('freshness +2');
    expect(causeText(['freshness', 'size'])).toBe('freshness, size');
  });

  it('all ok has no cause; no health yet is unknown', () => {
    expect(headerStatus(all())).toEqual({ status: 'ok', causes: [] });
    expect(headerStatus(null)).toEqual({ status: 'unknown', causes: [] });
  });
});
