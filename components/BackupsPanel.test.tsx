import React from 'react';
import { describe, expect, it } from 'vitest';
import { renderMono } from '../test/helpers/render.js';
import { replicationView } from '../src/console/console-model.js';
import { BackupsPanel } from './BackupsPanel.js';

const HOUR = 3_600_000;

describe('BackupsPanel', () => {
  it('no backups: a configured tier without one is critical, an unconfigured one says so', () => {
    const frame = renderMono(<BackupsPanel backups={[
      { tier: 'hot', configured: true, newestAt: null, sizeBytes: null, lastVerifiedAt: null, lastDrill: null },
      { tier: 'warm', configured: false, newestAt: null, sizeBytes: null, lastVerifiedAt: null, lastDrill: null },
    ]} />).lastFrame()!;
    expect(frame).toContain('✖ hot');
    expect(frame).toContain('none yet');
    expect(frame).toContain('· warm    not configured');
    expect(frame).toContain('drill: never');
  });

  it('ages and sizes per tier, stale ones marked', () => {
    const now = Date.now();
    const frame = renderMono(<BackupsPanel backups={[
      { tier: 'hot', configured: true, newestAt: now - 2 * HOUR, sizeBytes: 300 * 2 ** 20, lastVerifiedAt: now, lastDrill: { at: now - 86_400_000, result: 'ok' } },
      { tier: 'offsite', configured: true, newestAt: now - 30 * HOUR, sizeBytes: 300 * 2 ** 20, lastVerifiedAt: now, lastDrill: null },
    ]} />).lastFrame()!;
    expect(frame).toContain('✔ hot     2h 300M');
    expect(frame).toContain('✖ offsite 1d 300M');
    expect(frame).toContain('drill: ✔ ok 1d ago');
  });

  it('a replication line under the tiers when replication is on: its lag, or why it is not ok', () => {
    const tiers = [{ tier: 'hot' as const, configured: true, newestAt: Date.now() - HOUR, sizeBytes: null, lastVerifiedAt: null, lastDrill: null }];
    const ok = renderMono(<BackupsPanel backups={tiers} replication={replicationView([{ id: 'replication', status: 'ok', value: 400, detail: 'Litestream running; lag 0s', offenders: [] }])} />).lastFrame()!;
    expect(ok).toContain('✔ replica lag 0s');
    const stopped = renderMono(<BackupsPanel backups={tiers} replication={replicationView([{ id: 'replication', status: 'critical', value: 3 * HOUR, detail: 'Litestream not running; lag 3h', offenders: [{ detail: 'x' }] }])} />).lastFrame()!;
    expect(stopped).toContain('✖ replica lag 3h, not running');
    const off = renderMono(<BackupsPanel backups={tiers} replication={replicationView([{ id: 'replication', status: 'ok', value: null, detail: 'replication is off', offenders: [] }])} />).lastFrame()!;
    expect(off).not.toContain('replica');
  });
});
