import { describe, expect, it } from 'vitest';
import { holderIsGone, LeaderElection, readLease, releaseLease, tryAcquireLease, type Candidate } from '../../src/engine/leadership.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { tempDir } from '../helpers/temp-dir.js';

const host = 'test-host';
const a: Candidate = { holderId: 'a', pid: process.pid, startTicks: null, host: 'elsewhere' };
const b: Candidate = { holderId: 'b', pid: process.pid, startTicks: null, host: 'elsewhere' };

describe('the leadership lease', () => {
  it('has one holder at a time; another takes over only after expiry', () => {
    const db = openOpsDb(tempDir());
    expect(tryAcquireLease(db, a, 1000, 15_000).leader).toBe(true);
    const denied = tryAcquireLease(db, b, 2000, 15_000);
    expect(denied).toMatchObject({ leader: false, holder: { holderId: 'a' } });
    expect(tryAcquireLease(db, a, 10_000, 15_000)).toMatchObject({ leader: true, holder: { acquiredAt: 1000, expiresAt: 25_000 } });
    expect(tryAcquireLease(db, b, 24_999, 15_000).leader).toBe(false);
    expect(tryAcquireLease(db, b, 25_000, 15_000)).toMatchObject({ leader: true, holder: { holderId: 'b', acquiredAt: 25_000 } });
    expect(tryAcquireLease(db, a, 25_001, 15_000).leader).toBe(false);
    db.close();
  });

  it('is taken over at once from a dead holder on this host, and released on request', () => {
    const db = openOpsDb(tempDir());
    const dead: Candidate = { holderId: 'dead', pid: 2 ** 22 + 7, startTicks: 1, host };
    expect(tryAcquireLease(db, dead, 1000, 15_000).leader).toBe(true);
    expect(tryAcquireLease(db, { ...b, host }, 1001, 15_000).leader).toBe(true);
    releaseLease(db, { ...b, host });
    expect(readLease(db)).toBeNull();
    db.close();
  });

  it('elections on one ops.db: exactly one leader; the other follows and leads after the first stops', () => {
    const dir = tempDir();
    const changes: string[] = [];
    let now = 0;
    const one = new LeaderElection({ db: openOpsDb(dir), ttlMs: 100, renewEveryMs: 10_000, candidate: a, now: () => now, onChange: (l) => changes.push(`a:${l}`) });
    const two = new LeaderElection({ db: openOpsDb(dir), ttlMs: 100, renewEveryMs: 10_000, candidate: b, now: () => now, onChange: (l) => changes.push(`b:${l}`) });
    one.campaign();
    two.campaign();
    expect([one.isLeader, two.isLeader]).toEqual([true, false]);
    expect(two.currentHolder?.holderId).toBe('a');
    now = 50;
    one.campaign();
    two.campaign();
    expect([one.isLeader, two.isLeader]).toEqual([true, false]);
    one.stop();
    two.campaign();
    expect([one.isLeader, two.isLeader]).toEqual([false, true]);
    expect(changes).toEqual(['a:true', 'a:false', 'b:true']);
    two.stop();
  });

  it("probes a holder's PID only under the same host name: two hosts on one machine never judge each other by PID", () => {
    const dead = { holderId: 'dead', pid: 2 ** 22 + 7, startTicks: 1, host: 'host-a', acquiredAt: 0, renewedAt: 0, expiresAt: 10_000 };
    expect(holderIsGone(dead, 5_000, 'host-a')).toBe(true);
    expect(holderIsGone(dead, 5_000, 'host-b')).toBe(false);
    expect(holderIsGone(dead, 10_000, 'host-b')).toBe(true);
  });
});
