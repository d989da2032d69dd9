import { describe, expect, it } from 'vitest';
import { chooseGeneration, targetTime } from '../../src/backup/replica-restore.js';
import { parseReplicaSelection } from '../../src/cli/restore-commands.js';
import { redactSecrets, redactUrlPasswords } from '../../src/config/redact.js';
import { configSchema } from '../../src/config/schema.js';
import { judgeReplication } from '../../src/health/probes/replication.js';
import { describeLogLine, litestreamSetup, replicasOf, storeReplicaUrl } from '../../src/replication/litestream.js';
import { replicationLag, type ReplicaFacts } from '../../src/replication/status.js';
import { MarketStore } from '../../src/store/market-db.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { tempDir } from '../helpers/temp-dir.js';

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const NOW = Date.UTC(2026, 5, 1, 12);

describe('replication config and Litestream setup', () => {
  it('names replicas, puts each store under its own path, and moves a literal password into the environment', () => {
    const { replication } = configSchema.parse({ replication: { replicas: ['file:///mnt/disk/cfa', 'sftp://cfa:s3cr%40t@backup.example/cfa', { name: 'far', url: 's3://bucket/cfa?region=eu-west-1' }] } });
    expect(replicasOf(replication).map((r) => [r.name, r.shownUrl])).toEqual([
      ['file', 'file:///mnt/disk/cfa'], ['sftp', 'sftp://cfa:••••••@backup.example/cfa'], ['far', 's3://bucket/cfa?region=eu-west-1'],
    ]);
    expect(storeReplicaUrl('s3://bucket/cfa/?region=x', 'ops')).toBe('s3://bucket/cfa/ops?region=x');
    const setup = litestreamSetup('/data', replication);
    const text = JSON.stringify(setup.document);
    expect(text).not.toContain('s3cr');
    expect(text).toContain('sftp://cfa:${CFA_REPLICA_2_PASSWORD}@backup.example/cfa/market');
    expect(setup.env).toEqual({ CFA_REPLICA_2_PASSWORD: 's3cr@t' });
    expect(setup.document.dbs.map((d) => (d as { path: string }).path)).toEqual(['/data/market.db', '/data/ops.db']);
  });

  it('a URL that names an environment variable is left for Litestream to expand', () => {
    const { replication } = configSchema.parse({ replication: { replicas: ['sftp://cfa:${CFA_SFTP_PASSWORD}@host/cfa'] } });
    const setup = litestreamSetup('/data', replication);
    expect(setup.env).toEqual({});
    expect(JSON.stringify(setup.document)).toContain('sftp://cfa:${CFA_SFTP_PASSWORD}@host/cfa/ops');
  });

  it('masks passwords in URLs wherever they appear', () => {
    expect(redactUrlPasswords('error: dial sftp://u:hunter2@h:22/x failed')).toBe('error: dial sftp://u:••••••@h:22/x failed');
    expect(redactUrlPasswords('file:///mnt/x and s3://bucket/p')).toBe('file:///mnt/x and s3://bucket/p');
    expect(redactSecrets({ replication: { replicas: ['sftp://u:hunter2@h/x'] } })).toEqual({ replication: { replicas: ['sftp://u:••••••@h/x'] } });
  });

  it('reads Litestream\'s error lines', () => {
    expect(describeLogLine('time=2026-11-30T16:21:39.867Z level=ERROR msg="cannot list generations" db=/a.db replica=far error="dial tcp 127.0.0.1:1: connect: connection refused"'))
      .toBe('cannot list generations: dial tcp 127.0.0.1:1: connect: connection refused');
  });
});

describe('replicationLag', () => {
  const base = { now: NOW, syncIntervalMs: S, running: true, aheadSince: null };
  it('is 0 while the replica has everything the store has (second precision and one sync allowed)', () => {
    expect(replicationLag({ ...base, localChangedAt: NOW - 10 * S, replicatedAt: NOW - 11 * S })).toBe(0);
  });
  it('counts from the replica\'s newest data when Litestream is not running', () => {
    expect(replicationLag({ ...base, running: false, localChangedAt: NOW - S, replicatedAt: NOW - 2 * HOUR })).toBe(2 * HOUR);
  });
  it('while it runs, counts from when the change was first seen unreplicated, not from an hour-old replica time', () => {
    expect(replicationLag({ ...base, localChangedAt: NOW - 5 * S, replicatedAt: NOW - HOUR })).toBe(5 * S);
    expect(replicationLag({ ...base, localChangedAt: NOW - S, replicatedAt: NOW - HOUR, aheadSince: NOW - 3 * MIN })).toBe(3 * MIN);
  });
  it('unknown when the store has data and the replica none', () => {
    expect(replicationLag({ ...base, localChangedAt: NOW, replicatedAt: null })).toBeNull();
  });
});

describe('judgeReplication', () => {
  const limits = { lagWarnMs: MIN, lagCriticalMs: 2 * HOUR, snapshotMaxAgeMs: 26 * HOUR };
  const fact = (over: Partial<ReplicaFacts>): ReplicaFacts => ({
    store: 'market', replica: 'disk', url: 'file:///x', reachable: true, error: null, generation: 'g', replicatedAt: NOW, lastSnapshotAt: NOW - HOUR, localChangedAt: NOW, lagMs: 0, ...over,
  });
  it('ok, warning over 1 min, critical over the 2 h RPO; the value is the worst lag', () => {
    expect(judgeReplication({ enabled: true, running: true, replicas: [fact({}), fact({ store: 'ops' })] }, NOW, limits).status).toBe('ok');
    const warn = judgeReplication({ enabled: true, running: true, replicas: [fact({ lagMs: 2 * MIN }), fact({ store: 'ops', lagMs: 0 })] }, NOW, limits);
    expect(warn).toMatchObject({ status: 'warn', value: 2 * MIN });
    expect(warn.offenders[0]).toMatchObject({ name: 'market@disk' });
    expect(judgeReplication({ enabled: true, running: false, replicas: [fact({ lagMs: 3 * HOUR })] }, NOW, limits).status).toBe('critical');
  });
  it('an unreachable replica is critical and named by its masked URL; an old snapshot is a warning', () => {
    const p = judgeReplication({ enabled: true, running: true, replicas: [fact({ reachable: false, url: 'sftp://u:••••••@h/x', error: 'connection refused', lagMs: null })] }, NOW, limits);
    expect(p.status).toBe('critical');
    expect(p.detail).toContain('sftp://u:••••••@h/x cannot be read: connection refused');
    expect(judgeReplication({ enabled: true, running: true, replicas: [fact({ lastSnapshotAt: NOW - 30 * HOUR })] }, NOW, limits).status).toBe('warn');
  });
  it('ok with no value when replication is off', () => {
    expect(judgeReplication({ enabled: false, running: false, replicas: [] }, NOW, limits)).toMatchObject({ status: 'ok', value: null });
  });
});

describe('restore --replica selection', () => {
  it('parses --at, --before and --db, and refuses what does not fit', () => {
    expect(parseReplicaSelection(undefined, { replica: true }, NOW)).toEqual({ dbs: ['market', 'ops'] });
    expect(parseReplicaSelection(undefined, { replica: 'disk', at: '2026-06-01T11:00:00Z', db: 'market' }, NOW)).toEqual({ replica: 'disk', at: NOW - HOUR, dbs: ['market'] });
    expect(parseReplicaSelection(undefined, { replica: true, before: '48h', db: 'ops' }, NOW)).toEqual({ beforeMs: 48 * HOUR, dbs: ['ops'] });
    expect(() => parseReplicaSelection(undefined, { replica: true, db: 'all' }, NOW)).toThrow(/--db "all" is not valid: expected market, ops or both/);
    expect(() => parseReplicaSelection(undefined, { replica: true, at: 'yesterday' }, NOW)).toThrow(/--at "yesterday" is not a time/);
    expect(() => parseReplicaSelection(undefined, { replica: true, at: '2026-06-01T11:00:00Z', before: '1h' }, NOW)).toThrow(/not both/);
    expect(() => parseReplicaSelection('3', { replica: true }, NOW)).toThrow(/takes no backup ID/);
  });

  it('picks the newest generation that began by the target time', () => {
    const gens = [
      { replica: 'disk', generation: 'old', start: NOW - 50 * HOUR, end: NOW - 10 * HOUR },
      { replica: 'disk', generation: 'new', start: NOW - 10 * HOUR, end: NOW },
    ];
    expect(chooseGeneration(gens, 'market', undefined)?.generation).toBe('new');
    expect(chooseGeneration(gens, 'market', NOW - 48 * HOUR)?.generation).toBe('old');
    expect(chooseGeneration(gens, 'market', NOW - 60 * HOUR)).toBeNull();
    expect(chooseGeneration(gens, 'market', undefined, 'other')).toBeNull();
    expect(targetTime({ beforeMs: HOUR }, NOW)).toBe(NOW - HOUR);
  });
});

describe('store settings Litestream needs', () => {
  it('every store opens in WAL mode with a busy timeout of at least Litestream\'s 5 s', () => {
    const dir = tempDir('cfa-repl-');
    const market = MarketStore.open(dir);
    const ops = openOpsDb(dir);
    try {
      for (const db of [market.db, ops]) {
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThanOrEqual(5000);
      }
    } finally {
      market.close();
      ops.close();
    }
  });
});
