import React from 'react';
import { describe, expect, it } from 'vitest';
import type { BackupEntry } from '../src/backup/catalog.js';
import { renderMono } from '../test/helpers/render.js';
import { BackupsDetail } from './BackupsDetail.js';

const HOUR = 3_600_000;
const entry = (patch: Partial<BackupEntry>): BackupEntry => ({
  id: 1, tier: 'hot', backend: 'sqlite', pgFacts: null, location: '/srv/cfa/backups/hot/a.db', sizeBytes: 300 * 2 ** 20, sha256: 'f'.repeat(64), md5: null,
  createdAt: Date.now() - 2 * HOUR, newestCandle: null, schemaVersion: 3, rowCounts: { klines: 10 }, verifiedAt: Date.now() - HOUR,
  result: 'verified', detail: null, deletedAt: null, ...patch,
});

describe('BackupsDetail', () => {
  const backups = [
    entry({}),
    entry({ id: 2, tier: 'offsite', location: 'remote:cfa/b.db', createdAt: Date.now() - 30 * HOUR, verifiedAt: Date.now() - 600_000, result: 'failed', detail: 'sha256 mismatch' }),
    entry({ id: 3, tier: 'warm', verifiedAt: null }),
  ];

  it('every copy with tier, age, size and verification; the selected one in full below', () => {
    const frame = renderMono(<BackupsDetail backups={backups} row={1} height={16} />).lastFrame()!;
    expect(frame).toContain('Backups: every copy (3)');
    expect(frame).toMatch(/hot\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+2h\s+300M\s+✔ verified 1h ago/);
    expect(frame).toMatch(/offsite\s+\S+ \S+\s+1d\s+300M\s+✖ failed 10m ago/);
    expect(frame).toMatch(/warm\s+.*\? unverified/);
    expect(frame).toContain('#2 at remote:cfa/b.db');
    expect(frame).toContain('sha256 mismatch');
    expect(frame).not.toContain('/srv/cfa/backups/hot/a.db');
  });

  it('an empty catalog says how to make a backup', () => {
    expect(renderMono(<BackupsDetail backups={[]} row={0} height={10} />).lastFrame()).toContain('no backup in the catalog yet');
  });
});
