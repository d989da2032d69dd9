import { describe, expect, it } from 'vitest';
import { judgeDiskFree } from '../../src/health/probes/disk.js';
import { judgeIntegrity } from '../../src/health/probes/integrity.js';
import { judgeDbSize } from '../../src/health/probes/size.js';

const MB = 1024 * 1024;

describe('judgeIntegrity', () => {
  it('is ok only when the check says exactly "ok"', () => {
    expect(judgeIntegrity({ state: 'checked', file: 'm.db', mode: 'quick', messages: ['ok'] })).toMatchObject({ status: 'ok', value: 0, detail: 'quick_check: ok' });
    const bad = judgeIntegrity({ state: 'checked', file: 'm.db', mode: 'full', messages: ['*** in database main ***', 'Page 7: btreeInitPage() returns error code 11'] });
    expect(bad).toMatchObject({ status: 'critical', value: 2 });
    expect(bad.detail).toMatch(/^integrity_check found 2 problems in m\.db: \*\*\* in database main/);
    expect(bad.offenders.map((o) => o.detail)).toEqual(['*** in database main ***', 'Page 7: btreeInitPage() returns error code 11']);
  });

  it('is critical for a missing store, a file that is not a database, and a check stopped by corruption', () => {
    expect(judgeIntegrity({ state: 'missing', file: 'm.db' }).status).toBe('critical');
    const notDb = judgeIntegrity({ state: 'unreadable', file: 'm.db', reason: 'm.db is not a SQLite database (file is not a database)', damaged: true });
    expect(notDb).toMatchObject({ status: 'critical', detail: 'm.db is not a SQLite database (file is not a database)' });
    expect(judgeIntegrity({ state: 'check-failed', file: 'm.db', reason: 'database disk image is malformed', corrupt: true }).status).toBe('critical');
  });

  it('has no verdict when the check could not run for another reason', () => {
    expect(judgeIntegrity({ state: 'check-failed', file: 'm.db', reason: 'database is locked', corrupt: false }).status).toBe('unknown');
    expect(judgeIntegrity({ state: 'unreadable', file: 'm.db', reason: 'cannot write m.db (EACCES)', damaged: false })).toMatchObject({ status: 'unknown', detail: 'not checked: cannot write m.db (EACCES)' });
  });
});

describe('judgeDbSize', () => {
  it('warns under the minimum (the original design: a small store suggests lost data)', () => {
    expect(judgeDbSize({ file: 'm.db', bytes: 12 * MB, minBytes: 10 * MB })).toMatchObject({ status: 'ok', value: 12 * MB, threshold: { warn: 10 * MB } });
    const small = judgeDbSize({ file: 'm.db', bytes: 3 * MB, minBytes: 10 * MB });
    expect(small.status).toBe('warn');
    expect(small.detail).toMatch(/3\.0 MB, under the 10\.0 MB/);
    expect(judgeDbSize({ file: 'm.db', bytes: null, minBytes: 10 * MB }).status).toBe('unknown');
  });
});

describe('judgeDiskFree', () => {
  const limits = { warn: 15, critical: 5 };
  it('judges the free share of the file system', () => {
    expect(judgeDiskFree({ dir: '/d', space: { totalBytes: 100, freeBytes: 40 }, limits })).toMatchObject({ status: 'ok', value: 40, unit: 'percent' });
    expect(judgeDiskFree({ dir: '/d', space: { totalBytes: 100, freeBytes: 10 }, limits }).status).toBe('warn');
    expect(judgeDiskFree({ dir: '/d', space: { totalBytes: 100, freeBytes: 4 }, limits }).status).toBe('critical');
    expect(judgeDiskFree({ dir: '/d', space: null, limits, reason: 'ENOENT' })).toMatchObject({ status: 'unknown', detail: 'cannot read free space of /d: ENOENT' });
  });
});
