import type { ReplicationFacts } from '../../replication/status.js';
import { humanDuration } from '../format-values.js';
import { worstStatus } from '../status.js';
import type { HealthStatus, Offender, ProbeResult } from '../types.js';
import { probeResult } from './probe-result.js';

export interface ReplicationLimits {
  lagWarnMs: number;
  lagCriticalMs: number;
  snapshotMaxAgeMs: number;
}

/**
 * Continuous replication (Litestream): per store and replica, the lag of unreplicated change
 * (warning over `lagWarnMs`, critical over the RPO), the newest snapshot's age, and whether the
 * replica can be read. The value is the worst lag.
 */
export function judgeReplication(facts: ReplicationFacts, now: number, limits: ReplicationLimits): ProbeResult {
  const threshold = { warn: limits.lagWarnMs, critical: limits.lagCriticalMs };
  if (!facts.enabled) {
    return probeResult('replication', { status: 'ok', value: null, threshold: null, unit: 'ms', detail: 'replication is off (replication.replicas is empty)' });
  }
  const statuses: HealthStatus[] = [];
  const offenders: Offender[] = [];
  let worstLag: number | null = null;
  for (const r of facts.replicas) {
    const name = `${r.store}@${r.replica}`;
    if (!r.reachable) {
      statuses.push('critical');
      offenders.push({ name, value: null, detail: `replica ${r.url} cannot be read: ${r.error ?? 'unknown error'}` });
      continue;
    }
    if (r.replicatedAt === null && r.localChangedAt !== null) {
      statuses.push(facts.running ? 'warn' : 'critical');
      offenders.push({ name, value: null, detail: `no copy of ${r.store}.db on ${r.replica} yet${facts.running ? ' (the first sync is under way)' : ''}` });
      continue;
    }
    if (r.lagMs !== null) {
      worstLag = Math.max(worstLag ?? 0, r.lagMs);
      const s: HealthStatus = r.lagMs > limits.lagCriticalMs ? 'critical' : r.lagMs > limits.lagWarnMs ? 'warn' : 'ok';
      statuses.push(s);
      if (s !== 'ok') offenders.push({ name, value: r.lagMs, detail: `${humanDuration(r.lagMs)} of change not on ${r.replica} (limit ${humanDuration(s === 'critical' ? limits.lagCriticalMs : limits.lagWarnMs)})` });
    }
    if (r.lastSnapshotAt !== null && now - r.lastSnapshotAt > limits.snapshotMaxAgeMs) {
      statuses.push('warn');
      offenders.push({ name: `${name} snapshot`, value: now - r.lastSnapshotAt, detail: `newest snapshot ${humanDuration(now - r.lastSnapshotAt)} old` });
    }
  }
  const status = worstStatus(statuses.length ? statuses : ['ok']);
  const stores = [...new Set(facts.replicas.map((r) => r.replica))];
  const parts = [
    `Litestream ${facts.running ? 'running' : 'not running'}`,
    `lag ${worstLag === null ? 'unknown' : humanDuration(worstLag)} (worst of ${facts.replicas.length} store/replica pairs on ${stores.join(', ')})`,
  ];
  const snapshotAges = facts.replicas.filter((r) => r.lastSnapshotAt !== null).map((r) => now - r.lastSnapshotAt!);
  if (snapshotAges.length) parts.push(`oldest newest-snapshot ${humanDuration(Math.max(...snapshotAges))} ago`);
  if (offenders[0]?.detail) parts.push(offenders[0].detail);
  return probeResult('replication', { status, value: worstLag, threshold, unit: 'ms', detail: parts.join('; '), offenders });
}
