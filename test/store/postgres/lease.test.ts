import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideLease, PgLease, type Fence, type LeaseCandidate, type PgLeaseState } from '../../../src/store/postgres/lease.js';
import { openPgPool, type PgPool } from '../../../src/store/postgres/pool.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from '../../helpers/postgres.js';

const candidate = (holderId: string, host = `host-${holderId}`): LeaseCandidate => ({ holderId, pid: 4242, startTicks: null, host });
const fenceOf = (state: PgLeaseState | null): Fence => ({ epoch: state!.epoch, holderId: state!.holderId, host: state!.host });

describe('decideLease', () => {
  const held: PgLeaseState = { ...candidate('a'), epoch: 3, acquiredAt: 0, renewedAt: 500, expiresAt: 1000 };
  const alive = () => false;

  it('renews for the holder, even past the expiry, and takes a vacant, expired or gone lease', () => {
    expect(decideLease(held, { holderId: 'a' }, 999, alive)).toBe('renew');
    expect(decideLease(held, { holderId: 'a' }, 5000, alive)).toBe('renew');
    expect(decideLease(held, { holderId: 'b' }, 999, alive)).toBe('follow');
    expect(decideLease(held, { holderId: 'b' }, 1000, alive)).toBe('take');
    expect(decideLease(held, { holderId: 'b' }, 999, () => true)).toBe('take');
    expect(decideLease({ ...held, holderId: '' }, { holderId: 'b' }, 0, alive)).toBe('take');
  });
});

describe.skipIf(pgMissing)(`the lease in PostgreSQL${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  let db: TestDatabase;
  let pool: PgPool;
  beforeAll(async () => {
    db = await freshPgDatabase();
    pool = openPgPool(db.url, { size: 4 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  /** A clean lease (vacant, epoch 0) and no claims. */
  async function fresh(): Promise<PgLease> {
    const lease = new PgLease(pool);
    await lease.migrate();
    await pool.query("UPDATE cfa_lease SET holder_id = '', epoch = 0, expires_at = 0; DELETE FROM cfa_slot_claims; DELETE FROM cfa_leader_actions");
    return lease;
  }

  it('starts at epoch 1, keeps it while renewed, and adds one on each takeover and after a release', async () => {
    const lease = await fresh();
    const a = candidate('a');
    const b = candidate('b');
    const first = await lease.acquire(a, 300);
    expect(first).toMatchObject({ leader: true, holder: { holderId: 'a', epoch: 1, host: 'host-a' } });
    expect(await lease.acquire(b, 300)).toMatchObject({ leader: false, holder: { holderId: 'a', epoch: 1 } });
    const renewed = await lease.acquire(a, 300);
    expect(renewed.holder).toMatchObject({ epoch: 1, acquiredAt: first.holder!.acquiredAt });
    expect(renewed.holder!.expiresAt).toBeGreaterThanOrEqual(first.holder!.expiresAt);
    await sleep(350);
    expect(await lease.acquire(b, 300)).toMatchObject({ leader: true, holder: { holderId: 'b', epoch: 2 } });
    // The old holder comes back: it follows, it does not renew its way back in.
    expect(await lease.acquire(a, 300)).toMatchObject({ leader: false, holder: { holderId: 'b', epoch: 2 } });
    expect(await lease.release(b)).toBe(true);
    expect((await lease.read()).holder).toBeNull();
    expect(await lease.acquire(a, 300)).toMatchObject({ leader: true, holder: { holderId: 'a', epoch: 3 } });
  });

  it('refuses the writes of an older epoch and of a lapsed lease, and runs each slot once', async () => {
    const lease = await fresh();
    const old = fenceOf((await lease.acquire(candidate('a'), 300)).holder);
    expect(await lease.claimSlot(old, 'sync', 1000)).toBe('claimed');
    expect(await lease.claimSlot(old, 'sync', 1000)).toBe('taken');
    expect(await lease.claimSlot(old, 'sync', 900)).toBe('taken');
    expect(await lease.recordAction(old, 'job-start', 'sync', { slot: 1000 })).toBe(true);
    await sleep(350);
    // Lapsed and nobody took over yet: still refused.
    expect(await lease.claimSlot(old, 'sync', 2000)).toBe('refused');
    const now = fenceOf((await lease.acquire(candidate('b'), 5000)).holder);
    expect(now.epoch).toBe(old.epoch + 1);
    expect(await lease.claimSlot(old, 'sync', 2000)).toBe('refused');
    expect(await lease.recordAction(old, 'daemon-start', 'backtest')).toBe(false);
    // A forged fence with the right epoch but another holder is refused too.
    expect(await lease.claimSlot({ ...now, holderId: 'a' }, 'sync', 2000)).toBe('refused');
    expect(await lease.claimSlot(now, 'sync', 2000)).toBe('claimed');
    expect(await lease.lastSlot('sync')).toBe(2000);
    const { rows } = await pool.query('SELECT slot, epoch, holder_id FROM cfa_slot_claims ORDER BY slot');
    expect(rows).toEqual([{ slot: 1000, epoch: old.epoch, holder_id: 'a' }, { slot: 2000, epoch: now.epoch, holder_id: 'b' }]);
    const actions = await pool.query('SELECT action, epoch FROM cfa_leader_actions');
    expect(actions.rows).toEqual([{ action: 'job-start', epoch: old.epoch }]);
  });

  it('lets exactly one of many candidates on separate connections win a vacant lease, then an expired one', async () => {
    const lease = await fresh();
    const pools = Array.from({ length: 6 }, () => openPgPool(db.url, { size: 1 }));
    try {
      const leases = pools.map((p) => new PgLease(p));
      const race = () => Promise.all(leases.map((l, i) => l.acquire(candidate(`c${i}`), 400)));
      const first = await race();
      expect(first.filter((r) => r.leader)).toHaveLength(1);
      const winner = first.find((r) => r.leader)!.holder!;
      expect(first.every((r) => r.holder?.holderId === winner.holderId && r.holder.epoch === 1)).toBe(true);
      await sleep(450);
      // The old winner sits this one out; of the rest exactly one takes over, at epoch 2.
      const second = await Promise.all(leases.map((l, i) => (`c${i}` === winner.holderId ? null : l.acquire(candidate(`c${i}`), 400))));
      const won = second.filter((r) => r?.leader);
      expect(won).toHaveLength(1);
      expect(won[0]!.holder).toMatchObject({ epoch: 2 });
      expect((await lease.read()).holder?.holderId).toBe(won[0]!.holder!.holderId);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('orders fenced writes and takeovers: a takeover waits for a write in flight, a write waiting behind a takeover is refused', async () => {
    const lease = await fresh();
    const a = fenceOf((await lease.acquire(candidate('a'), 300)).holder);
    await sleep(350);
    const other = openPgPool(db.url, { size: 1 });
    const client = await other.connect();
    try {
      // A fenced write of epoch 1 in flight holds the row's share lock (as the statement's CTE does).
      await client.query('BEGIN');
      await client.query("SELECT epoch FROM cfa_lease WHERE name = 'leader' FOR SHARE");
      let tookOver = false;
      const takeover = lease.acquire(candidate('b'), 5000).then((r) => { tookOver = true; return r; });
      await sleep(300);
      expect(tookOver).toBe(false);
      await client.query('COMMIT');
      expect((await takeover).holder).toMatchObject({ holderId: 'b', epoch: a.epoch + 1 });

      // A takeover in flight (updated, not yet committed) while epoch 1 still holds in every snapshot:
      // epoch 1's write waits for the row, then reads the new version and writes nothing.
      await pool.query("UPDATE cfa_lease SET holder_id = 'a', epoch = $1, expires_at = (extract(epoch FROM clock_timestamp()) * 1000)::bigint + 60000", [a.epoch]);
      await client.query('BEGIN');
      await client.query("UPDATE cfa_lease SET holder_id = 'c', epoch = epoch + 1 WHERE name = 'leader'");
      let settled = false;
      const write = lease.claimSlot(a, 'sync', 5000).finally(() => { settled = true; });
      await sleep(300);
      expect(settled).toBe(false);
      await client.query('COMMIT');
      expect(await write).toBe('refused');
    } finally {
      client.release();
      await other.end();
    }
  });

  it('takes an unexpired lease at once from a holder judged gone (a dead PID on the same host)', async () => {
    const lease = await fresh();
    await lease.acquire(candidate('dead', 'same'), 60_000);
    expect((await lease.acquire(candidate('b', 'same'), 60_000, () => false)).leader).toBe(false);
    expect(await lease.acquire(candidate('b', 'same'), 60_000, (h) => h.holderId === 'dead')).toMatchObject({ leader: true, holder: { holderId: 'b', epoch: 2 } });
  });

  it('keeps the newest claim of each job when pruning, under the fence', async () => {
    const lease = await fresh();
    const fence = fenceOf((await lease.acquire(candidate('a'), 60_000)).holder);
    for (const slot of [1, 2, 3]) expect(await lease.claimSlot(fence, 'sync', slot)).toBe('claimed');
    await lease.recordAction(fence, 'job-start', 'sync');
    expect(await lease.prune({ ...fence, epoch: fence.epoch + 7 }, -60_000)).toBe(0);
    expect(await lease.prune(fence, -60_000)).toBe(3);
    expect(await lease.lastSlot('sync')).toBe(3);
  });
});
