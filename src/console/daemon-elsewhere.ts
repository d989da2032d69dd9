import ms from 'ms';
import type { EngineSnapshot } from '../engine/engine.js';

/** The newest start of the supervised daemon by any leader, as recorded in PostgreSQL under its fence. */
export interface DaemonStartView {
  /** The leader's host that started it. */
  host: string;
  /** The epoch (fencing token) that leader held. */
  epoch: number;
  /** When, on the database's clock (ms). */
  at: number;
}

/**
 * The leader's host when the supervised daemon runs there and not here: store.backend postgres,
 * this engine does not lead, and a live leader on another host (engine.host / CFA_HOST names
 * hosts). Then this host's ops.db holds none of its state, or an old one from when this host
 * led, and the console shows what `daemon status` shows here. Null on SQLite, on the leader, with
 * no live leader, and while the engine starts.
 */
export function daemonHostElsewhere(engine: EngineSnapshot | null): string | null {
  if (!engine || engine.leaseIn !== 'PostgreSQL' || engine.role === 'leader' || !engine.leader) return null;
  return engine.leader.host !== engine.me.host ? engine.leader.host : null;
}

/** "3m ago", never negative (the database's clock may run ahead of this host's). */
export function agoText(at: number, now: number): string {
  const age = Math.max(0, now - at);
  return age < 1_000 ? 'just now' : `${ms(age)} ago`;
}

/** The detail view's lines: where the daemon runs, and when a leader last started it. */
export function daemonElsewhereDetail(host: string, start: DaemonStartView | null, now: number): [string, string] {
  const when = start ? `${new Date(start.at).toISOString().slice(0, 19).replace('T', ' ')} UTC (${agoText(start.at, now)})` : '';
  return [
    `runs on ${host} with the leader: its state, PID and restarts are kept there (\`cfa-console daemon status\` on ${host})`,
    start ? `started by the leader on ${start.host} (epoch ${start.epoch}), ${when}` : 'started - no start recorded in PostgreSQL',
  ];
}
