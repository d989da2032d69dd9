import { describe, expect, it } from 'vitest';
import { listHealthSnapshots, newestHealthSnapshot, newestSnapshotRecord, saveHealthSnapshot } from '../../src/health/snapshot-store.js';
import type { HealthSnapshot, MeasuredStatus } from '../../src/health/types.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { migrate } from '../../src/store/sqlite.js';
import { tempDir } from '../helpers/temp-dir.js';

function snapshot(at: number, overall: MeasuredStatus = 'ok'): HealthSnapshot {
  return {
    at, overall, probes: [{ id: 'freshness', title: 'Freshness', status: overall, value: 1, threshold: null, unit: 'ms', detail: `taken at ${at}`, offenders: [] }],
    freshness: [{ symbol: 'BTCUSDT', interval: '1h', lastOpenTime: at - 7_200_000, ageMs: 3_600_000, status: overall }],
    coverage: [],
  };
}

describe('the health snapshot store', () => {
  it('reads nothing before the first snapshot, then the newest one with who computed it', () => {
    const db = openOpsDb(tempDir());
    expect(newestHealthSnapshot(db)).toBeNull();
    expect(newestSnapshotRecord(db)).toBeNull();
    saveHealthSnapshot(db, snapshot(1_000), { pid: 11, host: 'a' });
    saveHealthSnapshot(db, snapshot(2_000, 'critical'), { pid: 22, host: 'b' });
    const newest = newestHealthSnapshot(db)!;
    expect(newest.takenAt).toBe(2_000);
    expect(newest.computedBy).toEqual({ pid: 22, host: 'b' });
    expect(newest.snapshot).toEqual(snapshot(2_000, 'critical'));
    expect(newestSnapshotRecord(db)).toEqual({ id: newest.id, takenAt: 2_000, computedBy: { pid: 22, host: 'b' }, overall: 'critical' });
    db.close();
  });

  it('keeps only the newest few, oldest first in the listing', () => {
    const db = openOpsDb(tempDir());
    for (let i = 1; i <= 7; i++) saveHealthSnapshot(db, snapshot(i * 1_000, i % 2 ? 'ok' : 'warn'), { pid: 5, host: 'h' }, 3);
    expect(listHealthSnapshots(db).map((r) => [r.takenAt, r.overall, r.computedBy.pid])).toEqual([[5_000, 'ok', 5], [6_000, 'warn', 5], [7_000, 'ok', 5]]);
    db.close();
  });

  it('refuses a keep count that would delete every snapshot', () => {
    const db = openOpsDb(tempDir());
    expect(() => saveHealthSnapshot(db, snapshot(1), { pid: 1, host: 'h' }, 0)).toThrow('keep must be a whole number of snapshots, at least 1; got 0');
    db.close();
  });

  it('is a table other processes see: a second connection reads what the first wrote', () => {
    const dir = tempDir();
    const writer = openOpsDb(dir);
    const reader = openOpsDb(dir);
    saveHealthSnapshot(writer, snapshot(3_000), { pid: 33, host: 'x' });
    expect(newestHealthSnapshot(reader)?.computedBy.pid).toBe(33);
    writer.close();
    reader.close();
  });
});

describe('migrate', () => {
  it('accepts versions with a gap but refuses them out of order, naming both', () => {
    const db = openOpsDb(tempDir());
    expect(() => migrate(db, [{ version: 1, up: '' }, { version: 9, up: '' }, { version: 8, up: '' }])).toThrow(/out of order: version 8 follows 9/);
    db.close();
  });
});

describe('a never-synced snapshot', () => {
  it('is stored (the column says unknown) and read back whole', () => {
    const db = openOpsDb(tempDir());
    saveHealthSnapshot(db, { ...snapshot(5), overall: 'never-synced' }, { pid: 1, host: 'h' });
    expect(newestHealthSnapshot(db)?.snapshot.overall).toBe('never-synced');
    expect(newestSnapshotRecord(db)?.overall).toBe('unknown');
    db.close();
  });
});
