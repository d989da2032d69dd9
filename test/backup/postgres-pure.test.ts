import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { insertVerifiedBackup } from '../../src/backup/catalog.js';
import { passfileLine, splitPassword } from '../../src/backup/postgres/connection.js';
import { isDamageError, lostSeries } from '../../src/backup/postgres/diagnose.js';
import { comparePgFacts } from '../../src/backup/postgres/facts.js';
import { checkClientFor, findPgTools, parseClientMajor, serverMajor, type PgTools } from '../../src/backup/postgres/tools.js';
import { selectForRestore } from '../../src/backup/restore.js';
import { chooseDeletions } from '../../src/backup/retention.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('postgres backups: the parts without a server', () => {
  it('reads client and server majors', () => {
    expect(parseClientMajor('pg_dump (PostgreSQL) 16.4 (Debian 16.4-1.pgdg120+1)')).toBe(16);
    expect(parseClientMajor('pg_dump (PostgreSQL) 9.6.24')).toBe(9);
    expect(parseClientMajor('pg_wrapper: no PostgreSQL clusters')).toBeNull();
    expect(serverMajor(160004)).toBe(16);
    expect(serverMajor(90624)).toBe(9);
  });

  it('refuses a pg_dump older than the server, naming the package to install', () => {
    const tools: PgTools = { pgDump: '/usr/lib/postgresql/15/bin/pg_dump', pgRestore: '/usr/lib/postgresql/15/bin/pg_restore', major: 15, version: 'pg_dump (PostgreSQL) 15.8' };
    expect(() => checkClientFor(tools, 15)).not.toThrow();
    expect(() => checkClientFor(tools, 14)).not.toThrow();
    expect(() => checkClientFor(tools, 17)).toThrow(/pg_dump is version 15 .*older than the PostgreSQL 17 server.*install postgresql-client-17/);
  });

  it('says what to install when neither PATH nor /usr/lib/postgresql has pg_dump and pg_restore', async () => {
    const empty = tempDir('cfa-nopg-');
    // pg_dump alone is not enough: both programs must come from one directory.
    fs.writeFileSync(path.join(empty, 'pg_dump'), '#!/bin/sh\necho "pg_dump (PostgreSQL) 16.1"\n', { mode: 0o755 });
    await expect(findPgTools({ searchPath: empty, libRoot: path.join(empty, 'none') })).rejects.toThrow(/pg_dump and pg_restore not found on PATH or in .*apt-get install postgresql-client/);
  });

  it('picks the newest major among PATH and the versioned installs', async () => {
    const root = tempDir('cfa-pgbins-');
    const make = (dir: string, version: string) => {
      fs.mkdirSync(dir, { recursive: true });
      for (const tool of ['pg_dump', 'pg_restore']) fs.writeFileSync(path.join(dir, tool), `#!/bin/sh\necho "${tool} (PostgreSQL) ${version}"\n`, { mode: 0o755 });
    };
    make(path.join(root, 'onpath'), '15.2');
    make(path.join(root, 'lib', '16', 'bin'), '16.3');
    make(path.join(root, 'lib', '14', 'bin'), '14.9');
    const tools = await findPgTools({ searchPath: path.join(root, 'onpath'), libRoot: path.join(root, 'lib') });
    expect(tools).toMatchObject({ major: 16, pgDump: path.join(root, 'lib', '16', 'bin', 'pg_dump'), pgRestore: path.join(root, 'lib', '16', 'bin', 'pg_restore') });
  });

  it('takes the password out of the URL, for a passfile with : and \\ escaped', () => {
    expect(splitPassword('postgresql://cfa:p%3Ass%5Cw@db:5432/cfa?sslmode=require')).toEqual({ bare: 'postgresql://cfa@db:5432/cfa?sslmode=require', password: 'p:ss\\w' });
    expect(splitPassword('postgresql://cfa@localhost/cfa?host=/run/pg&password=x1')).toEqual({ bare: 'postgresql://cfa@localhost/cfa?host=%2Frun%2Fpg', password: 'x1' });
    expect(splitPassword('postgresql://cfa@db/cfa')).toEqual({ bare: 'postgresql://cfa@db/cfa', password: null });
    expect(passfileLine('p:ss\\w')).toBe('*:*:*:*:p\\:ss\\\\w\n');
  });

  it('compares facts series by series and table by table, saying what differs', () => {
    const expected = { series: { 'BTCUSDT 1h': { count: 10, newest: 36_000_000, checksum: '123' }, 'ETHUSDT 1h': { count: 5, newest: 18_000_000, checksum: '9' } }, tables: { 'public.candles': 15 } };
    expect(comparePgFacts(expected, expected)).toEqual([]);
    expect(comparePgFacts({ series: { 'BTCUSDT 1h': { count: 10, newest: 36_000_000, checksum: '124' } }, tables: { 'public.candles': 10, 'public.extra': 1 } }, expected)).toEqual([
      'BTCUSDT 1h: checksum 124, expected 123 (same count, different values)',
      'ETHUSDT 1h: missing (expected 5 candles)',
      'table public.candles: 10 rows, expected 15',
      'table public.extra: 1 rows, not in the backup',
    ]);
  });

  it('retention keeps the newest copy of each backend per tier: a pg_dump never makes a copy of market.db redundant', () => {
    const DAY = 86_400_000;
    const now = 100 * DAY;
    const entries = [
      { id: 1, tier: 'hot' as const, backend: 'sqlite' as const, createdAt: now - 40 * DAY, result: 'verified' as const, deletedAt: null },
      { id: 2, tier: 'hot' as const, backend: 'postgres' as const, createdAt: now - 30 * DAY, result: 'verified' as const, deletedAt: null },
      { id: 3, tier: 'hot' as const, backend: 'postgres' as const, createdAt: now - DAY, result: 'verified' as const, deletedAt: null },
    ];
    expect(chooseDeletions(entries, now, { hot: 14, warm: 30, offsite: 90 }).map((d) => d.id)).toEqual([2]);
  });

  it('a restore picks only copies of the configured backend, and refuses one of the other by ID', () => {
    const ops = openOpsDb(tempDir('cfa-ops-'));
    try {
      const base = { tier: 'hot' as const, sizeBytes: 1, md5: null, newestCandle: null, schemaVersion: 1, rowCounts: {}, verifiedAt: 1 };
      const lite = insertVerifiedBackup(ops, { ...base, location: '/b/market-1.db', sha256: 'a'.repeat(64), createdAt: 2000 });
      const dump = insertVerifiedBackup(ops, { ...base, backend: 'postgres', pgFacts: { series: {}, tables: {}, schemaVersion: 1 }, location: '/b/market-2.dump', sha256: 'b'.repeat(64), createdAt: 1000 });
      expect(lite.backend).toBe('sqlite');
      expect(selectForRestore(ops, { latest: true }).map((e) => e.id)).toEqual([lite.id]);
      expect(selectForRestore(ops, { latest: true }, Date.now(), 'postgres').map((e) => e.id)).toEqual([dump.id]);
      expect(() => selectForRestore(ops, { id: dump.id })).toThrow(`backup #${dump.id} is a pg_dump of the PostgreSQL store, but store.backend is sqlite`);
      expect(() => selectForRestore(ops, { id: lite.id }, Date.now(), 'postgres')).toThrow(/is a copy of market\.db \(SQLite\), but store\.backend is postgres/);
    } finally {
      ops.close();
    }
  });

  it('recover counts a whole series of the newest backup gone as damage, not a shorter one, and knows the SQLSTATEs of damaged data', () => {
    const s = (count: number) => ({ count, newest: 1, checksum: '1' });
    const backup = { series: { 'BTCUSDT 1h': s(10), 'ETHUSDT 1h': s(10), 'SOLUSDT 1h': s(0) } };
    expect(lostSeries({ series: { 'BTCUSDT 1h': s(10), 'ETHUSDT 1h': s(10) } }, backup)).toEqual([]);
    expect(lostSeries({ series: { 'BTCUSDT 1h': s(3), 'ETHUSDT 1h': s(12), 'XRPUSDT 1h': s(1) } }, backup)).toEqual([]);
    expect(lostSeries({ series: { 'BTCUSDT 1h': s(10) } }, backup)).toEqual(['ETHUSDT 1h']);
    expect(lostSeries({ series: {} }, backup)).toEqual(['BTCUSDT 1h', 'ETHUSDT 1h']);
    expect(lostSeries({ series: {} }, null)).toEqual([]);
    expect(isDamageError(Object.assign(new Error('invalid page in block 7 of relation base/16384/16385'), { code: 'XX001' }))).toBe(true);
    expect(isDamageError(Object.assign(new Error('could not read block 3'), { code: '58030' }))).toBe(true);
    expect(isDamageError(Object.assign(new Error('permission denied for table candles'), { code: '42501' }))).toBe(false);
    expect(isDamageError(new Error('no code'))).toBe(false);
  });
});
